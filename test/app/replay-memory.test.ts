/**
 * Replay with a stop signal (Ctrl-C) must not keep the batches it has read. Racing each batch against
 * one long-lived "stopped" promise kept every batch reachable from that promise's reactions: a 1M-record
 * archive ran out of a 150 MB heap that it fits in once batches are released.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, replay } from '../../shared/app/replay.js';
import { buildIndex, emptyBaseline } from '../../shared/core/baseline/in-memory-view.js';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A record no rule raises on (a read), so nothing else holds it. */
const record = (i: number) => ({
  eventVersion: '1.08',
  eventTime: '2026-05-12T10:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'GetRole',
  eventID: `e-${i}`,
  recipientAccountId: '111122223333',
  awsRegion: 'us-east-1',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/r/s' },
  requestParameters: { roleName: 'r', padding: 'x'.repeat(1000) },
});

describe('replay with a stop signal', () => {
  it('releases each batch once it is evaluated', async () => {
    const controller = new AbortController(); // alive for the whole test, as the CLI's is
    let first: WeakRef<RawItem[]> | null = null;
    async function* source(): AsyncIterable<RawItem[]> {
      for (let b = 0; b < 20; b++) {
        const batch = Array.from({ length: 50 }, (_, i) => ({ raw: record(b * 50 + i), path: 'x', line: 1 }));
        if (b === 0) first = new WeakRef(batch);
        yield batch;
      }
    }
    const counters = await replay({
      source: source(),
      view: buildIndex(emptyBaseline()),
      pipeline: new DetectionPipeline(),
      dedupe: true,
      emit: () => {},
      onProblem: () => {},
      signal: controller.signal,
    });
    expect(counters.evaluated).toBe(1000);
    expect(counters.interrupted).toBe(false);
    await new Promise((r) => setImmediate(r));
    gc();
    expect((first as WeakRef<RawItem[]> | null)?.deref()).toBeUndefined();
    expect(controller.signal.aborted).toBe(false);
  });
});
