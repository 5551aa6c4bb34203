/**
 * slack-notify's and digest's configuration: read once in their config.ts, a malformed or missing
 * variable is a ConfigError naming it (before, `Number(x) || 300` silently replaced a malformed number).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDigestConfig } from '../../functions/digest/config.js';
import { numberVar, requiredVar } from '../../functions/env.js';
import { ConfigError } from '../../functions/errors.js';
import { readSlackNotifyConfig } from '../../functions/slack-notify/config.js';

const SLACK_MIN = { IAMWATCH_DEAD_LETTER_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readSlackNotifyConfig', () => {
  it('reads the defaults when only the dead-letter queue is set', () => {
    expect(readSlackNotifyConfig(SLACK_MIN)).toEqual({
      deadLetterUrl: SLACK_MIN.IAMWATCH_DEAD_LETTER_URL,
      cacheSeconds: 300,
    });
  });

  it('reads every variable, the legacy names too, and counts blank as unset', () => {
    expect(
      readSlackNotifyConfig({
        TABLE_NAME: 'iamwatch-dev',
        IAMWATCH_DEAD_LETTER_URL: '  ',
        DLQ_URL: 'https://sqs/dlq',
        IAMWATCH_SLACK_DEFAULT_PARAMETER: '/iamwatch/slack/default',
        CONSOLE_BASE_URL: 'https://console.amazonaws-us-gov.com',
        IAMWATCH_SLACK_CACHE_SECONDS: '60',
      }),
    ).toEqual({
      table: 'iamwatch-dev',
      deadLetterUrl: 'https://sqs/dlq',
      defaultParameter: '/iamwatch/slack/default',
      consoleBaseUrl: 'https://console.amazonaws-us-gov.com',
      cacheSeconds: 60,
    });
  });

  it('names the missing dead-letter queue variable', () => {
    expect(configError(() => readSlackNotifyConfig({})).message).toBe(
      'IAMWATCH_DEAD_LETTER_URL (or DLQ_URL) must name the dead-letter queue',
    );
  });

  it.each(['abc', '-5', 'Infinity', '5m'])('refuses IAMWATCH_SLACK_CACHE_SECONDS=%s, naming it', (v) => {
    const e = configError(() => readSlackNotifyConfig({ ...SLACK_MIN, IAMWATCH_SLACK_CACHE_SECONDS: v }));
    expect(e.message).toBe(
      `IAMWATCH_SLACK_CACHE_SECONDS must be a number of seconds, at least 0 (got "${v}")`,
    );
  });
});

describe('readDigestConfig', () => {
  it('reads the defaults when only the table is set; no self-check without both its variables', () => {
    expect(readDigestConfig({ IAMWATCH_TABLE: 't', IAMWATCH_RULE_PREFIX: 'iamwatch-dev-' })).toEqual({
      table: 't',
      hours: 24,
    });
  });

  it('reads the self-check, the alerts topic and the period', () => {
    expect(
      readDigestConfig({
        IAMWATCH_TABLE: 't',
        IAMWATCH_DIGEST_HOURS: '12',
        IAMWATCH_RULE_PREFIX: 'iamwatch-dev-',
        IAMWATCH_DETECT_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-dev-detect',
        IAMWATCH_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:iamwatch-dev-alerts',
      }),
    ).toEqual({
      table: 't',
      hours: 12,
      selfCheck: {
        rulePrefix: 'iamwatch-dev-',
        detectFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-dev-detect',
      },
      alertsTopicArn: 'arn:aws:sns:us-east-1:111122223333:iamwatch-dev-alerts',
    });
  });

  it('names the missing table variable', () => {
    expect(configError(() => readDigestConfig({ IAMWATCH_TABLE: '' })).message).toBe(
      'IAMWATCH_TABLE (or TABLE_NAME) must name the iamwatch table',
    );
  });

  it.each(['abc', '0', '-1', 'NaN'])('refuses IAMWATCH_DIGEST_HOURS=%s, naming it', (v) => {
    const e = configError(() => readDigestConfig({ IAMWATCH_TABLE: 't', IAMWATCH_DIGEST_HOURS: v }));
    expect(e.message).toBe(`IAMWATCH_DIGEST_HOURS must be a number of hours, greater than 0 (got "${v}")`);
  });
});

describe('env readers', () => {
  it('requiredVar names a single variable without an alias list', () => {
    expect(configError(() => requiredVar({}, ['IAMWATCH_X'], 'the x')).message).toBe(
      'IAMWATCH_X must name the x',
    );
  });

  it('numberVar keeps a long malformed value short in the message', () => {
    const e = configError(() => numberVar({ N: 'x'.repeat(500) }, 'N', { fallback: 1, unit: 'seconds' }));
    expect(e.message).toBe(`N must be a number of seconds, at least 0 (got "${'x'.repeat(40)}")`);
  });
});

describe('slack-notify composition root', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fails its first invocation with a ConfigError naming a malformed cache variable', async () => {
    // Prepare: a deployable environment but for the malformed number (was silently 300).
    vi.stubEnv('IAMWATCH_DEAD_LETTER_URL', SLACK_MIN.IAMWATCH_DEAD_LETTER_URL);
    vi.stubEnv('IAMWATCH_TABLE', '');
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('IAMWATCH_SLACK_CACHE_SECONDS', 'five minutes');
    vi.resetModules();
    const { handler } = await import('../../functions/slack-notify/handler.js');
    // Act + Assess
    await expect(handler({ Records: [] })).rejects.toThrow(
      'IAMWATCH_SLACK_CACHE_SECONDS must be a number of seconds, at least 0 (got "five minutes")',
    );
  });
});
