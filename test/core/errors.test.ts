/**
 * One errors.ts per layer, each with a base class: every error class in the source extends its layer's base
 * (all offenders listed at once), keeps `cause`, and is named after itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDetectConfig, readObservationFlushSeconds } from '../../functions/detect/config.js';
import { ConfigError, FunctionError } from '../../functions/errors.js';
import { IngestBatchError } from '../../functions/ingest/build-handler.js';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { BaselineFileError } from '../../shared/adapters/baseline-file.js';
import { AdapterError, CloudTrailReadError } from '../../shared/adapters/errors.js';
import { WebhookRouteError } from '../../shared/adapters/webhook-resolver.js';
import { DeliveryError } from '../../shared/app/deliver.js';
import { AppError } from '../../shared/app/errors.js';
import { CliError } from '../../shared/cli/errors.js';
import { IamwatchError } from '../../shared/core/errors.js';
import { EventPatternError } from '../../shared/core/eventbridge/match.js';
import { ToolError } from '../../tools/errors.js';
import { EvalDatasetError } from '../../tools/eval/labels.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The base every error class of a layer must reach. */
const LAYERS: ReadonlyArray<[prefix: string, base: string]> = [
  ['shared/core/', 'IamwatchError'],
  ['shared/adapters/', 'AdapterError'],
  ['shared/ports.ts', 'IamwatchError'],
  ['shared/app/', 'AppError'],
  ['shared/cli/', 'CliError'],
  ['functions/', 'FunctionError'],
  ['tools/', 'ToolError'],
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules') && !f.includes('fixtures'))
    .map((f) => join(dir, f));
}

describe('error classes', () => {
  it('every error class extends its layer base, and only IamwatchError extends Error', () => {
    const parent = new Map<string, string>();
    const fileOf = new Map<string, string>();
    for (const file of [...sources('shared'), ...sources('functions'), ...sources('tools')]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\bclass\s+(\w+)\s+extends\s+(\w+)/g)) {
        const [, name = '', base = ''] = m;
        if (!/Error$/.test(name) && !/Error$/.test(base) && base !== 'Error') continue;
        parent.set(name, base);
        fileOf.set(name, relative(ROOT, join(ROOT, file)));
      }
    }
    const offenders: string[] = [];
    for (const [name, file] of fileOf) {
      if (!name.endsWith('Error')) offenders.push(`${file}: ${name} is not named …Error`);
      if (parent.get(name) === 'Error' && name !== 'IamwatchError')
        offenders.push(`${file}: ${name} extends Error`);
      const base = LAYERS.find(([prefix]) => file.startsWith(prefix))?.[1] ?? 'IamwatchError';
      if (name === base || (name === 'IamwatchError' && file === 'shared/core/errors.ts')) continue;
      const chain: string[] = [];
      for (let c = parent.get(name); c !== undefined && !chain.includes(c); c = parent.get(c)) chain.push(c);
      if (!chain.includes(base)) offenders.push(`${file}: ${name} extends ${chain.join(' → ')}, not ${base}`);
    }
    expect(offenders).toEqual([]);
    expect(parent.size).toBeGreaterThan(25);
  });

  it.each([
    ['EventPatternError', () => new EventPatternError('a.b', 'bad', { cause: 'c' }), IamwatchError],
    ['CloudTrailReadError', () => new CloudTrailReadError('bad', 'c'), AdapterError],
    [
      'BaselineFileError',
      () => new BaselineFileError('b.yaml', 'no such file', { cause: 'c' }),
      AdapterError,
    ],
    ['WebhookRouteError', () => new WebhookRouteError('bad', { cause: 'c' }), AdapterError],
    ['DeliveryError', () => new DeliveryError([{ alertId: null, sink: 's', reason: 'r' }], 'c'), AppError],
    ['CliError', () => new CliError(2, 'bad', { cause: 'c' }), CliError],
    ['ConfigError', () => new ConfigError('bad', { cause: 'c' }), FunctionError],
    ['IngestBatchError', () => new IngestBatchError(['k'], 'c'), FunctionError],
    ['EvalDatasetError', () => new EvalDatasetError('bad', { cause: 'c' }), ToolError],
  ] as const)('%s keeps its name, its cause and its layer', (name, make, base) => {
    const err = make();
    expect(err).toBeInstanceOf(base);
    expect(err).toBeInstanceOf(IamwatchError);
    expect(err.name).toBe(name);
    expect(err.cause).toBe('c');
  });

  it('adapter errors that say where they are keep their message unprefixed', () => {
    expect(new BaselineFileError('b.yaml', 'no such file').message).toBe('b.yaml: no such file');
    expect(new BaselineFileError('b.yaml', 'no such file').retryable).toBe(false);
    expect(new CloudTrailReadError('bad').message).toBe('cloudtrail-files: bad');
  });
});

describe('functions read their configuration through functions/env.ts', () => {
  const detectEnv = {
    IAMWATCH_TABLE: 't',
    IAMWATCH_ALERTS_TOPIC_ARN: 'a',
    IAMWATCH_EVENT_BUS: 'b',
    IAMWATCH_DEAD_LETTER_URL: 'u',
  };

  it('one ConfigError class for every function (no DetectConfigError)', () => {
    expect(() => readDetectConfig({})).toThrow(ConfigError);
    expect(() => readIngestConfig(detectEnv)).toThrow(ConfigError);
    expect(() => readIngestConfig(detectEnv)).toThrow('IAMWATCH_TRAIL_BUCKET');
    expect(() =>
      readIngestConfig({ ...detectEnv, IAMWATCH_TRAIL_BUCKET: 'x', IAMWATCH_INGEST_MODE: 'ftp' }),
    ).toThrow(ConfigError);
  });

  it('reads numbers with their bounds', () => {
    expect(readDetectConfig(detectEnv).cacheSeconds).toBe(300);
    expect(readDetectConfig({ ...detectEnv, IAMWATCH_BASELINE_CACHE_SECONDS: ' 60 ' }).cacheSeconds).toBe(60);
    expect(() => readDetectConfig({ ...detectEnv, IAMWATCH_BASELINE_CACHE_SECONDS: '-1' })).toThrow(
      'IAMWATCH_BASELINE_CACHE_SECONDS must be a number of seconds, at least 0 (got "-1")',
    );
    expect(readObservationFlushSeconds({ IAMWATCH_OBSERVATION_FLUSH_SECONDS: '900' })).toBe(900);
    expect(() => readObservationFlushSeconds({ IAMWATCH_OBSERVATION_FLUSH_SECONDS: '901' })).toThrow(
      'IAMWATCH_OBSERVATION_FLUSH_SECONDS must be a number of seconds, from 0 to 900 (got "901")',
    );
  });

  it('keeps the ingest defaults', () => {
    const c = readIngestConfig({
      ...detectEnv,
      IAMWATCH_TRAIL_BUCKET: ' trail ',
      IAMWATCH_TRAIL_PREFIX: ' ',
    });
    expect(c).toMatchObject({
      trailBucket: 'trail',
      trailPrefix: '',
      ingestMode: 'eventbridge',
      backfillBucket: null,
    });
  });
});
