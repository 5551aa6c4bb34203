/**
 * The Lambda's path (createDetector over the DynamoDB session store, here the embedded dynalite store) and
 * replay's path (an in-memory map) give the same origin on the same records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { createDetector, DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, replay } from '../../shared/app/replay.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { fixtureBaseline } from '../helpers/rule-fixtures.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';

const RECORDS = [
  oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: '2026-11-02T10:02:00Z' }),
  chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
  sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
  // The plan role's token replayed from elsewhere.
  sessionCall('gha-plan', PLAN, 'CreateAccessKey', { time: '2026-11-02T10:06:00Z', ip: '198.51.100.7' }),
];

const view = buildIndex(fixtureBaseline('lineage.yaml'));
const summary = (alerts: Alert[]) =>
  alerts.map((a) => ({ rule: a.rule, severity: a.severity, origin: a.origin }));

let dir: string;
let h: StoreHandle;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iamwatch-sessions-'));
  h = await openStore({ dir: join(dir, 'store') });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('session lineage: Lambda path (DynamoDB) = replay path (memory)', () => {
  it('gives the same alerts and origins on the chained scenario', async () => {
    const detector = createDetector({ baseline: async () => view, sessions: h.sessions });
    const lambda: Alert[] = [];
    for (const r of RECORDS) lambda.push(...(await detector.evaluate(r)).alerts);

    const fromReplay: Alert[] = [];
    async function* source(): AsyncIterable<RawItem[]> {
      yield RECORDS.map((raw, i) => ({ raw, path: 'mem', line: i + 1 }));
    }
    await replay({
      source: source(),
      view,
      pipeline: new DetectionPipeline(),
      dedupe: false,
      sessions: new MemorySessionStore(),
      emit: (a) => {
        fromReplay.push(a);
      },
      onProblem: (p) => {
        throw new Error(p.reason);
      },
    });
    expect(summary(lambda)).toEqual(summary(fromReplay));
    const chained = lambda.find((a) => a.rule === 'role-unexpected-caller');
    expect(chained?.severity).toBe('critical');
    expect(chained?.origin?.chain.map((c) => c.via)).toEqual(['oidc', 'caller']);
    const moved = lambda.find((a) => a.rule === 'session-credentials-moved');
    expect(moved?.origin?.chain[0]?.subject).toBe('repo:fork/api:pull_request');
    // The key access made by the apply session names its whole chain and is raised for its PR origin.
    const key = lambda.find((a) => a.rule === 'access-key-created' && a.eventTime === '2026-11-02T10:05:00Z');
    expect(key?.origin?.chain.map((c) => c.key)).toEqual([PLAN, APPLY]);
    expect(key?.reasons.join(' ')).toContain('pull-request token');
    expect(key?.runbook).toContain(`iamwatch trace ${APPLY}`);
  });

  it('one conditional write per issuing event, a read per hop, and a refused rewrite of a richer record', async () => {
    const before = h.stats().PutItem ?? 0;
    const rec = {
      ...oidcAssume('gha-plan', 'repo:example-org/infra:ref:refs/heads/main', 'ASIANEW0000000000009', {
        time: '2026-11-03T10:00:00Z',
      }),
    };
    const detector = createDetector({ baseline: async () => view, sessions: h.sessions });
    await detector.evaluate(rec);
    await detector.evaluate(rec); // a redelivery: the conditional write is refused, nothing changes
    expect((h.stats().PutItem ?? 0) - before).toBe(2);
    const got = await h.sessions.get('ASIANEW0000000000009', Date.parse('2026-11-03T10:30:00Z'));
    expect(got?.subject).toBe('repo:example-org/infra:ref:refs/heads/main');
    // Past retention (event time), the record is gone for readers whatever TTL has done.
    expect(await h.sessions.get('ASIANEW0000000000009', Date.parse('2027-01-01T00:00:00Z'))).toBeNull();
  });
});
