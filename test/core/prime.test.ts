/**
 * The records `primeRecordReaders` runs the record readers over before replay (see prime.ts): V8 compiles a
 * property load that has seen more than four hidden classes as a generic load, which a record of a new field
 * set does not invalidate. What can be checked without V8's internals: every priming record is read, each
 * branch of the readers that reads a raw object is taken, and in each branch every raw object level comes in
 * at least five field sets (five maps); and priming changes no result.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { primeSessionTracking, trackSessionSync } from '../../shared/app/sessions.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { primeRecordReaders, primingRecords } from '../../shared/core/cloudtrail/prime.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { sessionFromEvent } from '../../shared/core/session/record.js';

type O = Record<string, unknown>;

function events(): { raw: O; e: NormalisedEvent }[] {
  return primingRecords().map((raw) => {
    const n = normaliseRecord(raw);
    if (!n.ok) throw new Error(n.reason);
    return { raw, e: n.event };
  });
}

const keysOf = (v: unknown): string | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).join(',') : null;

/** The objects of one record a reader reads fields of, by level. */
function levels(raw: O): Record<string, unknown> {
  const ui = raw.userIdentity as O;
  const ctx = ui.sessionContext as O;
  const res = (raw.responseElements ?? {}) as O;
  return {
    record: raw,
    userIdentity: ui,
    sessionContext: ctx,
    sessionIssuer: ctx.sessionIssuer,
    attributes: ctx.attributes,
    requestParameters: raw.requestParameters,
    responseElements: raw.responseElements,
    credentials: res.credentials,
    assumedRoleUser: res.assumedRoleUser,
  };
}

describe('primingRecords', () => {
  it('are all read as events', () => {
    expect(events().length).toBeGreaterThan(0);
  });

  it('in each branch (event name and actor type), come in at least five field sets at every object level', () => {
    const branches = new Map<string, Map<string, Set<string>>>();
    for (const { raw, e } of events()) {
      const branch = `${e.eventName}/${e.actor.type}`;
      const byLevel = branches.get(branch) ?? new Map<string, Set<string>>();
      branches.set(branch, byLevel);
      for (const [level, v] of Object.entries(levels(raw))) {
        const k = keysOf(v);
        if (k === null) continue;
        const sets = byLevel.get(level) ?? new Set<string>();
        sets.add(k);
        byLevel.set(level, sets);
      }
    }
    expect(branches.size).toBeGreaterThanOrEqual(10);
    for (const [branch, byLevel] of branches) {
      for (const [level, sets] of byLevel)
        expect({ branch, level, sets: sets.size >= 5 }).toEqual({ branch, level, sets: true });
    }
  });

  it('take every branch of the readers that reads a raw object', () => {
    const all = events();
    const actorTypes = new Set(all.map(({ e }) => e.actor.type));
    for (const t of ['AssumedRole', 'FederatedUser', 'WebIdentityUser', 'IAMUser', 'Root', 'AWSService']) {
      expect(actorTypes).toContain(t);
    }
    const targets = new Set(all.map(({ e }) => e.target?.type ?? 'none'));
    for (const t of ['role', 'user', 'group', 'policy', 'provider', 'trail']) expect(targets).toContain(t);
    expect(all.some(({ e }) => e.oidc !== null)).toBe(true);
    const via = new Set(all.map(({ e }) => sessionFromEvent(e)?.via ?? 'none'));
    for (const v of ['oidc', 'saml', 'caller', 'user-key', 'root', 'service']) expect(via).toContain(v);
    expect(all.some(({ e }) => sessionFromEvent(e)?.tags !== undefined)).toBe(true);
  });

  it('hold the string values JSON.parse gives (records are parsed, not literals)', () => {
    for (const raw of primingRecords()) expect(JSON.parse(JSON.stringify(raw))).toEqual(raw);
  });
});

describe('primeRecordReaders', () => {
  it('changes no reader result', () => {
    const raws = primingRecords();
    const before = raws.map((r) => {
      const n = normaliseRecord(r);
      return n.ok ? [n.event, sessionFromEvent(n.event)] : n;
    });
    primeRecordReaders();
    primeRecordReaders();
    const after = raws.map((r) => {
      const n = normaliseRecord(r);
      return n.ok ? [n.event, sessionFromEvent(n.event)] : n;
    });
    expect(after).toEqual(before);
  });
});

const parsed = parseBaseline(
  'version: 1\nidentities:\n  - arn: "arn:aws:iam::111122223333:role/batch-worker"\n    kind: workload\n    owner: data-team\n    purpose: "batch"\n',
  'baseline.yaml',
);
if (!parsed.baseline) throw new Error(JSON.stringify(parsed.issues));
const VIEW = buildIndex(parsed.baseline);

describe('primeSessionTracking', () => {
  it('takes each lineage step: an issuing first hop, a chained session, a call with a parent, an unseen key', () => {
    const store = new MemorySessionStore();
    const facts = events().map(({ e }) => trackSessionSync(e, VIEW, store));
    expect(facts.some((f) => f.lineage === null)).toBe(true);
    expect(facts.some((f) => f.issued !== null && f.issued.parentKey === null && f.lineage?.complete)).toBe(
      true,
    );
    expect(facts.some((f) => f.issued !== null && f.issued.parentKey !== null)).toBe(true);
    expect(
      facts.some((f) => f.issued === null && (f.lineage?.chain.length ?? 0) >= 1 && f.acting !== null),
    ).toBe(true);
    expect(facts.some((f) => f.issued === null && f.lineage?.missing !== undefined)).toBe(true);
  });

  it('writes only to the store it is given', () => {
    const mine = new MemorySessionStore();
    const other = new MemorySessionStore();
    primeSessionTracking(VIEW, mine);
    expect(mine.counts.puts).toBeGreaterThan(0);
    expect(other.counts.puts).toBe(0);
  });
});
