import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import {
  buildDetectHandler,
  type DetectRuntime,
  unwrapEvents,
} from '../../functions/detect/build-handler.js';
import { readDetectConfig } from '../../functions/detect/config.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { envelope, fixture } from './envelope.js';

const record = fixture('CreateAccessKey__stratus-red-team.json');
const alert = {
  id: 'a1',
  rule: 'access-key-created',
  severity: 'high',
  eventName: 'CreateAccessKey',
} as Alert;

function setup(runtime: () => Promise<DetectRuntime> | DetectRuntime) {
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const added: Array<[string, number]> = [];
  const orig = metrics.addMetric.bind(metrics);
  vi.spyOn(metrics, 'addMetric').mockImplementation((name, unit, value) => {
    added.push([name, value]);
    return orig(name, unit, value);
  });
  return { handler: buildDetectHandler({ logger, metrics, runtime }), added };
}

function fakeRuntime(over: Partial<DetectRuntime> = {}): DetectRuntime & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    detector: {
      evaluate: async (raw) => {
        seen.push(raw);
        return { alerts: [alert], failures: [], suppressed: [], problem: null };
      },
    },
    deliver: async (alerts) => ({
      published: alerts.length,
      repeats: 0,
      degraded: 0,
      deadLettered: 0,
      outcomes: [],
    }),
    flush: async () => {},
    ...over,
  };
}

describe('unwrapEvents', () => {
  it('accepts one event, an array, and SQS messages carrying EventBridge events', () => {
    const e = envelope(record);
    expect(unwrapEvents(e).envelopes).toHaveLength(1);
    expect(unwrapEvents([e, e]).envelopes.map((x) => x.where)).toEqual(['[0]', '[1]']);
    const sqs = { Records: [{ body: JSON.stringify(e) }, { body: '{not json' }, { nobody: 1 }] };
    const out = unwrapEvents(sqs);
    expect(out.envelopes).toHaveLength(1);
    expect(out.rejected.map((r) => r.where)).toEqual(['Records[1]', 'Records[2]']);
  });
});

describe('detect handler (sources, injected runtime)', () => {
  it('hands the CloudTrail record (detail) to the detector and delivers its alerts', async () => {
    const rt = fakeRuntime();
    const { handler, added } = setup(() => rt);
    const summary = await handler([envelope(record), envelope(record)]);
    expect(rt.seen).toEqual([record, record]);
    expect(summary).toMatchObject({ received: 2, evaluated: 2, findings: 2, published: 2, parseFailures: 0 });
    expect(added).toEqual(expect.arrayContaining([['EventsEvaluated', 2]]));
    // Counters with nothing to count are not published (issue 14: no metrics blob for nothing).
    expect(added.map(([n]) => n)).not.toContain('ParseFailures');
    expect(added.map(([n]) => n)).not.toContain('DeliveryFailures');
  });

  it('never builds the runtime for input it rejects at the edge', async () => {
    const runtime = vi.fn(() => fakeRuntime());
    const { handler } = setup(runtime);
    const summary = await handler({ Records: [{ body: '[]' }] });
    expect(summary).toMatchObject({ received: 1, parseFailures: 1, evaluated: 0 });
    expect(runtime).not.toHaveBeenCalled();
  });

  it('counts a record the normaliser refuses as a parse failure', async () => {
    const rt = fakeRuntime({
      detector: {
        evaluate: async () => ({
          alerts: [],
          failures: [],
          suppressed: [],
          problem: 'eventTime is 5, expected a string',
        }),
      },
    });
    const { handler } = setup(() => rt);
    expect(await handler(envelope(record))).toMatchObject({ evaluated: 0, parseFailures: 1 });
  });

  it('rethrows when delivery cannot even dead-letter, counting DeliveryFailures', async () => {
    const rt = fakeRuntime({ deliver: async () => Promise.reject(new Error('DeliveryError: sqs down')) });
    const { handler, added } = setup(() => rt);
    await expect(handler(envelope(record))).rejects.toThrow('sqs down');
    expect(added).toContainEqual(['DeliveryFailures', 1]);
  });

  it('rethrows a failing runtime build and tries again on the next invocation', async () => {
    let calls = 0;
    const { handler } = setup(() => {
      calls++;
      if (calls === 1) throw new Error('config missing');
      return fakeRuntime();
    });
    await expect(handler(envelope(record))).rejects.toThrow('config missing');
    await expect(handler(envelope(record))).resolves.toMatchObject({ evaluated: 1 });
    expect(calls).toBe(2);
  });

  it('does not fail the invocation when observations cannot be written (alerts are already out)', async () => {
    const rt = fakeRuntime({ flush: async () => Promise.reject(new Error('throttled')) });
    const { handler, added } = setup(() => rt);
    await expect(handler(envelope(record))).resolves.toMatchObject({ published: 1 });
    expect(added).toContainEqual(['ObservationFailures', 1]);
  });
});

describe('readDetectConfig', () => {
  it('names the missing variable', () => {
    expect(() => readDetectConfig({})).toThrow('IAMWATCH_TABLE');
    expect(() =>
      readDetectConfig({
        IAMWATCH_TABLE: 't',
        IAMWATCH_ALERTS_TOPIC_ARN: 'a',
        IAMWATCH_EVENT_BUS: 'b',
        IAMWATCH_DEAD_LETTER_URL: 'u',
        IAMWATCH_BASELINE_CACHE_SECONDS: 'x',
      }),
    ).toThrow('IAMWATCH_BASELINE_CACHE_SECONDS');
  });
});
