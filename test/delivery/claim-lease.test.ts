/**
 * The alert the audit saw lost: the sink and the dead-letter queue fail together, and the claim cannot be
 * given back (DynamoDB down, or a role without DeleteItem). The retry must deliver it, not fold it away
 * as a redelivery. Real dedupe store on dynalite, with a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../shared/adapters/dynamodb/dedupe.js';
import { DeliveryError, deliverAlerts } from '../../shared/app/deliver.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import type { DedupeStore } from '../../shared/ports.js';
import { type Backend, freshStore, startDynalite, TestClock } from '../store/helpers.js';
import { MemoryDeadLetters, MemorySink, makeAlert, memoryLog } from './helpers.js';

const T0 = Date.parse('2036-03-01T10:00:00Z');

/** A sink that fails while `down` is set. */
class FlakySink extends MemorySink {
  down = true;
  override async publish(alert: Alert): Promise<void> {
    if (this.down) throw new Error('sns: 503 Service Unavailable');
    await super.publish(alert);
  }
}

describe('a claim that could not be given back', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startDynalite();
  });
  afterAll(async () => {
    await backend.stop();
  });

  it('is delivered by the retry after its lease, exactly once, and ignored after that', async () => {
    const clock = new TestClock(T0);
    const h = await freshStore(backend, { clock });
    try {
      // release() fails silently, as it does when DeleteItem is denied or the table is unreachable.
      const dedupe: DedupeStore = {
        claim: (a, w) => h.dedupe.claim(a, w),
        release: async () => {},
        settle: (a, w) => h.dedupe.settle?.(a, w) ?? Promise.resolve(),
      };
      const sink = new FlakySink('sns');
      const dlq = new MemoryDeadLetters();
      dlq.failing = true;
      const deps = {
        dedupe,
        windowMinutes: () => 60,
        sinks: [sink],
        log: memoryLog(),
        deadLetter: dlq,
        clock,
      };
      const alert = makeAlert({ eventTime: '2036-03-01T09:59:00Z' });

      await expect(deliverAlerts([alert], deps)).rejects.toBeInstanceOf(DeliveryError);
      expect(sink.published).toEqual([]);

      // A retry while the first attempt's lease runs (it might still be running): fail, deliver nothing.
      sink.down = false;
      dlq.failing = false;
      clock.advance(20_000);
      const early = await deliverAlerts([alert], deps).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(DeliveryError);
      expect(String((early as DeliveryError).failures[0]?.reason)).toMatch(/claim pending until/);
      expect(sink.published).toEqual([]);

      // Lambda's next retry, after the lease: delivered once.
      clock.advance(CLAIM_LEASE_MS);
      const report = await deliverAlerts([alert], deps);
      expect(report).toMatchObject({ published: 1, repeats: 0 });
      expect(sink.published.map((a) => a.id)).toEqual([alert.id]);

      // EventBridge redelivers the same event later: settled, so ignored.
      clock.advance(CLAIM_LEASE_MS);
      const again = await deliverAlerts([alert], deps);
      expect(again).toMatchObject({ published: 0, repeats: 1 });
      expect(sink.published).toHaveLength(1);
      expect(dlq.entries).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
