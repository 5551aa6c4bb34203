/**
 * Issue 14: observations and the EventsEvaluated count are buffered across the invocations of a warm
 * container and written once the buffer is older than a bounded delay (fixed clock here); a failed
 * write loses nothing (the sink keeps what it could not write and the next invocation retries it).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDetectHandler, type DetectRuntime } from '../../functions/detect/build-handler.js';
import { readObservationFlushSeconds } from '../../functions/detect/config.js';
import type { Observation } from '../../shared/ports.js';
import { type Backend, freshStore, startDynalite } from '../store/helpers.js';
import { envelope, fixture } from './envelope.js';

const record = fixture('CreateAccessKey__stratus-red-team.json');

function setup(maxAgeMs: number, runtime: DetectRuntime) {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  const published: Array<Array<[string, number]>> = [];
  let pending: Array<[string, number]> = [];
  vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
    pending.push([name, value]);
    return metrics;
  });
  vi.spyOn(metrics, 'hasStoredMetrics').mockImplementation(() => pending.length > 0);
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    published.push(pending);
    pending = [];
    return metrics;
  });
  vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => {});
  const handler = buildDetectHandler({
    logger,
    metrics,
    runtime: () => runtime,
    buffering: { maxAgeMs, nowMs: () => now },
  });
  return {
    handler,
    published,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function quietRuntime(flush: () => Promise<void>): DetectRuntime {
  return {
    detector: { evaluate: async () => ({ alerts: [], failures: [], suppressed: [], problem: null }) },
    deliver: async () => ({ published: 0, repeats: 0, degraded: 0, deadLettered: 0, outcomes: [] }),
    flush,
  };
}

describe('detect handler: observations buffered across invocations', () => {
  it('writes once the buffer is older than the delay, with the evaluated count of every invocation', async () => {
    const flush = vi.fn(async () => {});
    const { handler, published, advance } = setup(60_000, quietRuntime(flush));
    await handler(envelope(record));
    advance(30_000);
    await handler([envelope(record), envelope(record)]);
    expect(flush).not.toHaveBeenCalled();
    expect(published).toEqual([]); // no metrics blob for invocations with nothing to report yet
    advance(30_000);
    await handler(envelope(record));
    expect(flush).toHaveBeenCalledTimes(1);
    expect(published).toEqual([[['EventsEvaluated', 4]]]);
    advance(1_000);
    await handler(envelope(record)); // a new buffer starts: nothing written before its own delay
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('keeps what a failed write held and writes it with the next invocation', async () => {
    const flush = vi
      .fn<() => Promise<void>>()
      .mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'))
      .mockResolvedValue(undefined);
    const { handler, published, advance } = setup(60_000, quietRuntime(flush));
    await handler(envelope(record));
    advance(60_000);
    await handler(envelope(record));
    expect(flush).toHaveBeenCalledTimes(1);
    expect(published.flat()).toContainEqual(['ObservationFailures', 1]);
    advance(1_000); // the buffer is still old: the next invocation retries at once
    await handler(envelope(record));
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('drain writes what is buffered (the shutdown hook)', async () => {
    const flush = vi.fn(async () => {});
    const { handler, published } = setup(60_000, quietRuntime(flush));
    await handler(envelope(record));
    await handler.drain();
    expect(flush).toHaveBeenCalledTimes(1);
    expect(published).toEqual([[['EventsEvaluated', 1]]]);
    await handler.drain(); // nothing buffered: no write
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('with no delay writes every invocation (the behaviour before buffering)', async () => {
    const flush = vi.fn(async () => {});
    const { handler } = setup(0, quietRuntime(flush));
    await handler(envelope(record));
    await handler(envelope(record));
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('reads IAMWATCH_OBSERVATION_FLUSH_SECONDS, refusing nonsense', () => {
    expect(readObservationFlushSeconds({})).toBe(0);
    expect(readObservationFlushSeconds({ IAMWATCH_OBSERVATION_FLUSH_SECONDS: '60' })).toBe(60);
    expect(() => readObservationFlushSeconds({ IAMWATCH_OBSERVATION_FLUSH_SECONDS: 'soon' })).toThrow(
      /IAMWATCH_OBSERVATION_FLUSH_SECONDS/,
    );
  });
});

describe('DynamoObservationSink: a failed flush loses nothing', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startDynalite();
  });
  afterAll(async () => {
    await backend.stop();
  });

  const obs = (i: number, principal: string): Observation => ({
    identity: 'arn:aws:iam::111122223333:role/gha-deploy-1',
    principal,
    kind: 'oidc-subject',
    eventId: `ev-${i}`,
    eventTime: `2026-03-01T12:00:${String(i).padStart(2, '0')}Z`,
    expected: true,
  });

  it('keeps the aggregates it could not write and counts each event once on the retry', async () => {
    let failUpdates = 1;
    const h = await freshStore(backend, {
      configureClient: (c: DynamoDBClient) =>
        c.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'UpdateItemCommand' && failUpdates > 0) {
              failUpdates--;
              throw Object.assign(new Error('denied'), {
                name: 'AccessDeniedException',
                $metadata: { httpStatusCode: 400 },
              });
            }
            return next(args);
          },
          { step: 'initialize', name: 'failFirstUpdate' },
        ),
    });
    try {
      for (let i = 0; i < 6; i++) h.observations.record(obs(i, i % 2 === 0 ? 'subject:a' : 'subject:b'));
      await expect(h.observations.flush()).rejects.toThrow();
      h.observations.record(obs(7, 'subject:a'));
      await h.observations.flush();
      const all = await h.queries.observationsOf('arn:aws:iam::111122223333:role/gha-deploy-1');
      const counts = Object.fromEntries(all.map((o) => [o.principal, o.count]));
      expect(counts).toEqual({ 'subject:a': 4, 'subject:b': 3 });
    } finally {
      await h.close();
    }
  });

  it('counts an event redelivered into the same buffer once', async () => {
    const h = await freshStore(backend);
    try {
      h.observations.record(obs(1, 'subject:c'));
      h.observations.record(obs(1, 'subject:c')); // EventBridge redelivery to the warm container
      h.observations.record(obs(2, 'subject:c'));
      await h.observations.flush();
      const all = await h.queries.observationsOf('arn:aws:iam::111122223333:role/gha-deploy-1');
      expect(all.find((o) => o.principal === 'subject:c')?.count).toBe(2);
    } finally {
      await h.close();
    }
  });
});
