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
import {
  alertedCopy,
  inheritFromParent,
  type SessionRecord,
  sessionFromEvent,
} from '../../shared/core/session/record.js';
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

  // A spread copy (`{ ...rec, alerted: true }`) has a hidden class of its own in V8, and the lineage code
  // optimised for issued records was thrown away the first time one was read; the copies are object literals
  // of the issuing literal's keys now. Maps are not visible here: these pin that the copies are the same data.
  it('an alerted copy is the spread copy: the same keys in the same order, the same JSON', () => {
    const rec = sessionFromEvent(ev(oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, T)));
    if (!rec) throw new Error('no record');
    const copy = alertedCopy(rec);
    const spread = { ...rec, alerted: true };
    expect(copy).not.toBe(rec);
    expect(Object.keys(copy)).toEqual(Object.keys(spread));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(spread));
    expect(rec.alerted).toBeUndefined();
  });

  it('a tagged record marked alerted keeps its tag keys first', () => {
    const raw = chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, T);
    (raw.requestParameters as Record<string, unknown>).tags = [{ key: 'team', value: 'infra' }];
    const rec = sessionFromEvent(ev(raw));
    if (!rec?.tags) throw new Error('no tagged record');
    const copy = alertedCopy(rec);
    expect(Object.keys(copy)).toEqual(Object.keys({ ...rec, alerted: true }));
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...rec, alerted: true }));
  });

  it('a chained record inheriting only a sourceIdentity is the spread copy with it', () => {
    const parent = sessionFromEvent(ev(oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, T)));
    const child = sessionFromEvent(ev(chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, T)));
    if (!parent || !child) throw new Error('no record');
    const withId: SessionRecord = { ...parent, sourceIdentity: 'alice' };
    const out = inheritFromParent(child, withId);
    const spread = { ...child, sourceIdentity: 'alice' };
    expect(out.sourceIdentity).toBe('alice');
    expect(Object.keys(out)).toEqual(Object.keys(spread));
    expect(JSON.stringify(out)).toBe(JSON.stringify(spread));
  });

  it('the memory store marks a record alerted with such a copy', () => {
    const store = new MemorySessionStore();
    const rec = sessionFromEvent(ev(oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, T)));
    if (!rec) throw new Error('no record');
    store.put(rec);
    store.markAlerted(PLAN);
    expect(store.get(PLAN, rec.issuedMs)).toEqual(alertedCopy(rec));
    // A richer copy of the same issuance replaces it and stays alerted.
    store.put({ ...rec, rank: rec.rank + 1 });
    expect(store.get(PLAN, rec.issuedMs)?.alerted).toBe(true);
  });
});
