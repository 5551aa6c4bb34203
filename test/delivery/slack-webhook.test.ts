import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../shared/adapters/delivery-retry.js';
import { postSlackMessage, SlackWebhookSink } from '../../shared/adapters/slack-webhook.js';
import { createWebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import { renderSlackMessage } from '../../shared/core/alert/render-slack.js';
import { fakeTiming, makeAlert, type SlackStandIn, startSlackStandIn } from './helpers.js';

let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(async () => {
  await slack.close();
});

const msg = renderSlackMessage(makeAlert());

describe('postSlackMessage against a local Slack stand-in', () => {
  it('posts the Block Kit JSON once on 200', async () => {
    const timing = fakeTiming();
    await postSlackMessage(`${slack.url}/hook`, msg, { timing });
    expect(slack.accepted).toEqual([{ path: '/hook', body: JSON.parse(JSON.stringify(msg)) }]);
    expect(timing.sleeps).toEqual([]);
  });

  it('honours Retry-After on 429', async () => {
    slack.reply = ({ n }) =>
      n === 1
        ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } }
        : { status: 200, body: 'ok' };
    const timing = fakeTiming();
    await postSlackMessage(`${slack.url}/hook`, msg, { timing });
    expect(timing.sleeps).toEqual([7000]);
    expect(slack.requests).toHaveLength(2);
    expect(slack.accepted).toHaveLength(1);
  });

  it('retries 5xx with exponential backoff and jitter, then fails with the reason and attempt count', async () => {
    slack.reply = () => ({ status: 503, body: 'service_unavailable' });
    const timing = fakeTiming();
    const err = await postSlackMessage(`${slack.url}/hook`, msg, {
      timing,
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000, maxElapsedMs: 600_000 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect((err as SinkError).attempts).toBe(4);
    expect((err as SinkError).retryable).toBe(true);
    expect((err as SinkError).reason).toBe('HTTP 503 service_unavailable after 4 attempts');
    // random() = 0.5: half of 1 s, 2 s, 4 s.
    expect(timing.sleeps).toEqual([500, 1000, 2000]);
    expect(slack.requests).toHaveLength(4);
  });

  it('treats other 4xx as permanent at once', async () => {
    slack.reply = () => ({ status: 404, body: 'no_service' });
    const timing = fakeTiming();
    const err = (await postSlackMessage(`${slack.url}/hook`, msg, { timing }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(err.retryable).toBe(false);
    expect(err.reason).toBe('HTTP 404 no_service');
    expect(slack.requests).toHaveLength(1);
    expect(timing.sleeps).toEqual([]);
  });

  it('times out a hanging request and retries it', async () => {
    slack.reply = ({ n }) => (n === 1 ? 'hang' : { status: 200, body: 'ok' });
    const timing = fakeTiming();
    await postSlackMessage(`${slack.url}/hook`, msg, { timing, timeoutMs: 150 });
    expect(slack.requests).toHaveLength(2);
    expect(slack.accepted).toHaveLength(1);
    expect(timing.sleeps).toHaveLength(1);
  });

  it('never puts the webhook URL in an error', async () => {
    slack.reply = () => ({ status: 403, body: 'invalid_token' });
    const err = (await postSlackMessage(`${slack.url}/services/T000/B000/SECRET`, msg, {
      timing: fakeTiming(),
    }).catch((e) => e)) as Error;
    expect(err.message).not.toContain('SECRET');
  });
});

describe('SlackWebhookSink and webhook routes', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());

  it('routes by team: literal, env:, ssm: (decrypted, cached), default fallback', async () => {
    ssm.on(GetParameterCommand, { Name: '/iamwatch/slack/security-test-1', WithDecryption: true }).resolves({
      Parameter: {
        Name: '/iamwatch/slack/security-test-1',
        Value: `${slack.url}/security`,
        Type: 'SecureString',
      },
    });
    const resolver = createWebhookResolver({
      teams: async () => ({
        teams: {
          platform: { slack: `${slack.url}/platform` },
          data: { slack: 'env:DATA_WEBHOOK' },
          security: { slack: 'ssm:/iamwatch/slack/security-test-1' },
        },
        defaultTeam: 'security',
      }),
      env: { DATA_WEBHOOK: `${slack.url}/data` },
      allowLoopbackHttp: true,
    });
    const sink = new SlackWebhookSink({ resolver, timing: fakeTiming() });
    await sink.publish(makeAlert({ id: 'p1', team: 'platform' }));
    await sink.publish(makeAlert({ id: 'd1', team: 'data' }));
    await sink.publish(makeAlert({ id: 's1', team: 'security' }));
    await sink.publish(makeAlert({ id: 's2', team: 'security' }));
    await sink.publish(makeAlert({ id: 'u1', team: 'unknown-team' }));
    await sink.publish(makeAlert({ id: 'n1', team: null }));
    expect(slack.accepted.map((r) => r.path)).toEqual([
      '/platform',
      '/data',
      '/security',
      '/security',
      '/security',
      '/security',
    ]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('routes through Secrets Manager (secret:), cached, and says which secret failed', async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      sm.on(GetSecretValueCommand, { SecretId: 'iamwatch/slack/payments-test-2' }).resolves({
        Name: 'iamwatch/slack/payments-test-2',
        SecretString: `${slack.url}/payments`,
      });
      sm.on(GetSecretValueCommand, { SecretId: 'iamwatch/slack/gone-test-2' }).rejects(
        Object.assign(new Error(`Secrets Manager can't find the specified secret ${slack.url}`), {
          name: 'ResourceNotFoundException',
        }),
      );
      const resolver = createWebhookResolver({
        teams: async () => ({
          teams: {
            payments: { slack: 'secret:iamwatch/slack/payments-test-2' },
            gone: { slack: 'secret:iamwatch/slack/gone-test-2' },
          },
        }),
        allowLoopbackHttp: true,
      });
      const sink = new SlackWebhookSink({ resolver, timing: fakeTiming() });
      await sink.publish(makeAlert({ id: 'pay1', team: 'payments' }));
      await sink.publish(makeAlert({ id: 'pay2', team: 'payments' }));
      expect(slack.accepted.map((r) => r.path)).toEqual(['/payments', '/payments']);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      const gone = await resolver.resolve('gone');
      expect(gone).toMatchObject({ ok: false, retryable: true });
      const reason = (gone as { reason: string }).reason;
      expect(reason).toMatch(
        /^Slack route for team gone \(secret:iamwatch\/slack\/gone-test-2\): \w+: Secrets Manager can't find/,
      );
      expect(reason).not.toContain(slack.url);
    } finally {
      sm.restore();
    }
  });

  it('reports a missing route instead of dropping the alert', async () => {
    const resolver = createWebhookResolver({
      teams: async () => ({ teams: { platform: { slack: `${slack.url}/p` } } }),
      allowLoopbackHttp: true,
    });
    const sink = new SlackWebhookSink({ resolver, timing: fakeTiming() });
    const err = (await sink.publish(makeAlert({ team: 'data' })).catch((e) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.reason).toBe('no Slack route for team data');
    expect(err.retryable).toBe(false);
  });

  it('rejects non-https routes and empty env routes with a reason', async () => {
    const resolver = createWebhookResolver({
      teams: async () => ({ teams: { a: { slack: 'http://hooks.example/x' }, b: { slack: 'env:MISSING' } } }),
      env: {},
    });
    expect(await resolver.resolve('a')).toEqual({
      ok: false,
      reason: 'Slack route for team a: WebhookRouteError: route (literal URL) is not an https URL',
      retryable: false,
    });
    expect(await resolver.resolve('b')).toEqual({
      ok: false,
      reason: 'Slack route for team b: WebhookRouteError: route env:MISSING has no value',
      retryable: false,
    });
  });

  it('posts each alert id once per sink', async () => {
    const resolver = createWebhookResolver({
      teams: async () => ({ teams: { platform: { slack: `${slack.url}/p` } } }),
      allowLoopbackHttp: true,
    });
    const sink = new SlackWebhookSink({ resolver, timing: fakeTiming() });
    const a = makeAlert();
    await sink.publish(a);
    await sink.publish(a);
    expect(slack.accepted).toHaveLength(1);
  });
});
