/**
 * `iamwatch trace` against the store: the detect Lambda's path (createDetector over the embedded DynamoDB
 * store) writes the session records, the session-ARN index and the log of alerted calls; the CLI then traces
 * from the Slack alert's event id or session ARN, with no archive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../shared/adapters/dynamodb/open-store.js';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { createDetector } from '../../shared/app/detect.js';
import { traceFromStore } from '../../shared/app/trace.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { runCli } from '../helpers/cli.js';
import { fixtureBaseline } from '../helpers/rule-fixtures.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';
const APPLY_ARN = 'arn:aws:sts::111122223333:assumed-role/tf-apply/GitHubActions';
// Recent event times: the store answers as of now (records are kept 30 days after expiry).
const base = Date.now() - 3 * 3_600_000;
const at = (min: number) => new Date(base + min * 60_000).toISOString().replace('.000Z', 'Z');

const records = [
  oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: at(2) }),
  chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: at(4) }),
  sessionCall('tf-apply', APPLY, 'ListUsers', { time: at(5) }),
  sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: at(6) }),
];
const createKeyEvent = String(records[3]?.eventID);
const view = buildIndex(fixtureBaseline('lineage.yaml'));

let dir: string;
const lambdaAlerts: Alert[] = [];
let stats: Record<string, number> = {};
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iamwatch-trace-store-'));
  const h = await openStore({ dir: join(dir, 'store') });
  try {
    const detector = createDetector({ baseline: async () => view, sessions: h.sessions });
    for (const r of records) lambdaAlerts.push(...(await detector.evaluate(r)).alerts);
    stats = h.stats();
  } finally {
    await h.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iamwatch trace from the store', () => {
  it('an alert’s event id: the chain to the OIDC origin, the issuing and alerted calls, the alerts', async () => {
    expect(lambdaAlerts.some((a) => a.eventId === createKeyEvent && a.rule === 'access-key-created')).toBe(
      true,
    );
    const r = await runCli(['trace', createKeyEvent, '--store-dir', join(dir, 'store')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`session ${APPLY}`);
    expect(r.stdout).toContain('complete — origin: OIDC token repo:fork/api:pull_request');
    expect(r.stdout).toMatch(/└─ gha-plan {2}ASIAPLAN000000000001[\s\S]*└─ tf-apply {2}ASIAAPPLY00000000002/);
    // The chained AssumeRole (a call of the plan session), ListUsers and CreateAccessKey, in time order.
    expect(r.stdout).toMatch(
      /actions \(3\)\n.*ASIAPLAN000000000001 {2}AssumeRole.*\n.*ASIAAPPLY00000000002 {2}ListUsers.*\n.*ASIAAPPLY00000000002 {2}CreateAccessKey/,
    );
    expect(r.stdout).toMatch(/alerts \(\d+\)[\s\S]*access-key-created {2}CreateAccessKey/);
  });

  it('a session ARN resolves to the newest session recorded under it; --format json', async () => {
    const r = await runCli(['trace', APPLY_ARN, '--store-dir', join(dir, 'store'), '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.key).toBe(APPLY);
    expect(j.origin.complete).toBe(true);
    expect(j.origin.chain.map((h: { key: string }) => h.key)).toEqual([PLAN, APPLY]);
    expect(j.alerts.map((a: { rule: string }) => a.rule)).toContain('access-key-created');
  });

  it('an event the store does not keep is a normal answer that says what to pass instead', async () => {
    const r = await runCli([
      'trace',
      'b7c1e0f2-0000-4000-8000-000000000000',
      '--store-dir',
      join(dir, 'store'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('origin: unknown');
    expect(r.stderr).toContain('not in the store');
  });

  it('the in-memory store answers the same as the table (replay and the Lambda agree)', async () => {
    const mem = new MemorySessionStore();
    const detector = createDetector({ baseline: async () => view, sessions: mem });
    for (const r of records) await detector.evaluate(r);
    const fromMem = await traceFromStore(createKeyEvent, mem, Date.now());
    const h = await openStore({ dir: join(dir, 'store') });
    try {
      const fromTable = await traceFromStore(createKeyEvent, h.sessions, Date.now());
      expect(fromMem).toEqual(fromTable);
    } finally {
      await h.close();
    }
  });

  it('the index costs no extra call per issuing event; one log write per logged call', () => {
    // 2 issuing events → 2 PutItem for the records (the GSI key rides on them); the calls made with the
    // recorded sessions (the chained AssumeRole, ListUsers, CreateAccessKey) → 3 PutItem; the OIDC assumption
    // is made without a session and raises nothing here, so it is not logged.
    expect(lambdaAlerts.some((a) => a.eventName === 'AssumeRoleWithWebIdentity')).toBe(false);
    expect(stats.PutItem).toBe(2 + 3);
    expect(stats.Query ?? 0).toBe(0);
  });
});
