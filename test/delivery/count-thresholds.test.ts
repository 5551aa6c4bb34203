/**
 * Count thresholds in the Lambda: the dedupe store counts repeats of one dedupe key; the repeat whose count
 * crosses a threshold is published raised, as replay's folded alert is. Real dedupe store on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { DetectionPipeline } from '../../shared/app/detect.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { type Backend, freshStore, startDynalite, TestClock } from '../store/helpers.js';
import { MemoryDeadLetters, MemorySink, makeAlert, memoryLog } from './helpers.js';

const T0 = Date.parse('2036-03-01T10:00:00Z');

/** The n-th failed sign-in from one address, a minute apart: same dedupe key, own id and event. */
function failure(n: number): Alert {
  return makeAlert({
    id: `f${String(n).padStart(15, '0')}`,
    rule: 'console-login-failures',
    severity: 'low',
    title: 'Failed console sign-ins',
    reasons: ['console sign-in refused'],
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventName: 'ConsoleLogin',
    eventTime: new Date(T0 + n * 60_000).toISOString().replace('.000Z', 'Z'),
    dedupeKey: 'console-login-failures|203.0.113.50',
  });
}

describe('count thresholds with the store-backed dedupe (Lambda path)', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startDynalite();
  });
  afterAll(async () => {
    await backend.stop();
  });

  it('publishes the first failure, then one raised alert at 5 (medium) and one at 20 (high)', async () => {
    const clock = new TestClock(T0);
    const h = await freshStore(backend, { clock });
    try {
      const pipeline = new DetectionPipeline();
      const view = buildIndex(parseBaseline('version: 1\nidentities: []\n', 'b.yaml').baseline!);
      const sink = new MemorySink('sns');
      const deps = {
        dedupe: h.dedupe,
        windowMinutes: (rule: string) => pipeline.windowMinutes(rule),
        countThresholds: (rule: string) => pipeline.countThresholds(rule, view),
        sinks: [sink],
        log: memoryLog(),
        deadLetter: new MemoryDeadLetters(),
        clock,
      };
      // One invocation per event, as EventBridge delivers them.
      for (let n = 0; n < 25; n++) await deliverAlerts([failure(n)], deps);
      expect(sink.published.map((a) => [a.eventId.slice(-2), a.severity, a.count])).toEqual([
        ['00', 'low', 1],
        ['04', 'medium', 5],
        ['19', 'high', 20],
      ]);
      expect(sink.published[1]?.reasons.at(-1)).toBe(
        '5 events folded into this alert within 30 minutes reach the count threshold of 5: raised to medium',
      );
    } finally {
      await h.close();
    }
  });

  it('only counts repeats when the caller gives no thresholds', async () => {
    const clock = new TestClock(T0);
    const h = await freshStore(backend, { clock });
    try {
      const sink = new MemorySink('sns');
      const deps = {
        dedupe: h.dedupe,
        windowMinutes: () => 30,
        sinks: [sink],
        log: memoryLog(),
        deadLetter: new MemoryDeadLetters(),
        clock,
      };
      for (let n = 0; n < 6; n++) await deliverAlerts([failure(n)], deps);
      expect(sink.published.map((a) => a.severity)).toEqual(['low']);
    } finally {
      await h.close();
    }
  });
});
