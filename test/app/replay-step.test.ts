/**
 * Replay takes a record through normalising, the duplicate check, the rules, lineage and folding in one
 * synchronous step when the session store answers at once (the in-memory map), and awaits for a store that
 * does not. Both give the same alerts, sent at the same point of the input, with the same counters and
 * problems; alerts go out as their windows close, while the input is still being read.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, type ReplayProblem, replay } from '../../shared/app/replay.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import type { SessionRecord } from '../../shared/core/session/record.js';
import type { SessionStore } from '../../shared/ports.js';
import { fixtureBaseline } from '../helpers/rule-fixtures.js';
import { chainAssume, oidcAssume, sessionCall } from '../session/records.js';

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';
const moved = { ip: '198.51.100.7' };

const call = sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' });
const noTime = sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:07:00Z' });
delete noTime.eventTime;

/**
 * Batches as the reader yields them: the third moves event time past the windows of the first alerts (they go
 * out then), the fourth raises one more (it goes out at the end).
 */
const BATCHES: Array<Array<Record<string, unknown>>> = [
  [
    oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: '2026-11-02T10:02:00Z' }),
    chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
    call,
  ],
  [
    sessionCall('gha-plan', PLAN, 'CreateAccessKey', { time: '2026-11-02T10:06:00Z', ...moved }),
    call,
    { eventSource: 'iam.amazonaws.com', eventTime: '2026-11-02T10:06:30Z' },
    noTime,
    sessionCall('gha-plan', PLAN, 'CreateAccessKey', { time: '2026-11-02T10:08:00Z', ...moved }),
  ],
  [sessionCall('tf-apply', APPLY, 'GetRole', { time: '2026-11-02T13:00:00Z' })],
  [sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T13:02:00Z' })],
];

/** The in-memory store behind promises: replay must await it. */
class AsyncStore implements SessionStore {
  constructor(private readonly inner = new MemorySessionStore()) {}
  async get(key: string, atMs: number): Promise<SessionRecord | null> {
    return this.inner.get(key, atMs);
  }
  async put(rec: SessionRecord): Promise<void> {
    this.inner.put(rec);
  }
  async markAlerted(key: string): Promise<void> {
    this.inner.markAlerted(key);
  }
}

async function run(sessions: SessionStore) {
  let read = 0;
  async function* source(): AsyncIterable<RawItem[]> {
    for (const batch of BATCHES) {
      read += 1;
      yield batch.map((raw, i) => ({ raw, path: `b${read}.json`, line: i + 1 }));
    }
  }
  const sent: Array<{ afterBatch: number; rule: string; count: number; severity: string }> = [];
  const alerts: string[] = [];
  const problems: ReplayProblem[] = [];
  const counters = await replay({
    source: source(),
    view: buildIndex(fixtureBaseline('lineage.yaml')),
    pipeline: new DetectionPipeline(),
    dedupe: true,
    skipDuplicates: true,
    requireEventTime: true,
    sessions,
    emit: (a) => {
      sent.push({ afterBatch: read, rule: a.rule, count: a.count, severity: a.severity });
      alerts.push(JSON.stringify(a));
    },
    onProblem: (p) => problems.push(p),
  });
  return { sent, alerts, problems, counters };
}

describe('replay: one synchronous step per record over the in-memory store', () => {
  it('sends what an asynchronous store gives, at the same point of the input', async () => {
    const sync = await run(new MemorySessionStore());
    const awaited = await run(new AsyncStore());
    expect(sync.alerts).toEqual(awaited.alerts);
    expect(sync.sent).toEqual(awaited.sent);
    expect(sync.problems).toEqual(awaited.problems);
    expect(sync.counters).toEqual(awaited.counters);
  });

  it('folds repeats, skips duplicates, reports problems, and sends alerts while reading', async () => {
    const { sent, problems, counters } = await run(new MemorySessionStore());
    expect(sent).toEqual([
      { afterBatch: 3, rule: 'role-unexpected-caller', count: 1, severity: 'critical' },
      { afterBatch: 3, rule: 'access-key-created', count: 3, severity: 'critical' },
      { afterBatch: 3, rule: 'session-credentials-moved', count: 2, severity: 'critical' },
      { afterBatch: 4, rule: 'access-key-created', count: 1, severity: 'critical' },
    ]);
    expect(problems.map((p) => `${p.path}:${p.line}: ${p.reason}`)).toEqual([
      'b2.json:3: eventName is missing, expected a string',
      'b2.json:4: eventTime is missing',
    ]);
    expect(counters).toMatchObject({ evaluated: 10, invalid: 2, duplicates: 1, alerts: 4, folded: 3 });
  });
});
