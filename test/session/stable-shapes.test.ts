/**
 * Session records and lineages keep one shape (the same keys, in the same order) through what happens to them
 * later in a replay: a store marking a session alerted, a walk stopping at a missing key. Code optimised for
 * them is then not thrown away at the first alert or the first missing parent. The keys added for that hold
 * undefined, so the JSON of a record or a lineage is what it was.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { lineageOfEventSync, resolveLineageSync } from '../../shared/core/session/lineage.js';
import { sessionFromEvent } from '../../shared/core/session/record.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

function ev(raw: unknown): NormalisedEvent {
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';
const T = { time: '2026-11-02T10:05:00Z' };

describe('session records keep one shape', () => {
  it('a record the store marks alerted has the keys of the record as issued', () => {
    const store = new MemorySessionStore();
    const rec = sessionFromEvent(ev(oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, T)));
    if (!rec) throw new Error('no record');
    store.put(rec);
    const before = store.get(PLAN, rec.issuedMs);
    store.markAlerted(PLAN);
    const after = store.get(PLAN, rec.issuedMs);
    expect(after?.alerted).toBe(true);
    expect(Object.keys(after ?? {})).toEqual(Object.keys(before ?? {}));
    expect(JSON.stringify(before)).not.toContain('alerted');
  });

  it('a lineage has the same keys whether or not the walk stopped at a missing key', () => {
    const store = new MemorySessionStore();
    const plan = sessionFromEvent(ev(oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, T)));
    if (!plan) throw new Error('no record');
    store.put(plan);
    const get = (k: string, at: number) => store.get(k, at);
    const found = resolveLineageSync(PLAN, plan.issuedMs, get);
    const missing = resolveLineageSync('ASIANEVERSEEN0000001', plan.issuedMs, get);
    const chained = lineageOfEventSync(
      ev(chainAssume('gone', 'ASIAGONE000000000009', 'tf-apply', APPLY, T)),
      get,
    );
    const call = lineageOfEventSync(ev(sessionCall('gha-plan', PLAN, 'CreateUser', T)), get);
    expect(found.complete).toBe(true);
    expect(missing.missing).toBe('ASIANEVERSEEN0000001');
    expect(chained.lineage?.missing).toBe('ASIAGONE000000000009');
    const keys = Object.keys(found);
    for (const l of [missing, chained.lineage, call.lineage]) expect(Object.keys(l ?? {})).toEqual(keys);
    expect(JSON.stringify(found)).not.toContain('missing');
  });
});
