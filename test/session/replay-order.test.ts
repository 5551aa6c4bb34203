/**
 * Replay reads objects in path order (account, region, then time). A chain that crosses accounts and regions
 * whose files sort against time order must still get the origin the detect Lambda (events in time order,
 * session records in the table) gives — the same alerts, severities and origins — and the same bytes with
 * --workers 0, 1 and 2.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../shared/adapters/dynamodb/open-store.js';
import { createDetector } from '../../shared/app/detect.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { type BuiltCli, bareEnv, buildCli, runBuilt } from '../helpers/built-cli.js';
import { runCli } from '../helpers/cli.js';
import { fixtureBaseline, RULES_DIR } from '../helpers/rule-fixtures.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const PLAN = 'ASIAPLAN000000000071';
const APPLY = 'ASIAAPPLY00000000072';
const CI_ACCOUNT = '999988887777';
const PROD_ACCOUNT = '111122223333';

/** Puts a record in `account`/`region` (where an Organization trail files it). */
function at(r: Record<string, unknown>, account: string, region: string): Record<string, unknown> {
  return { ...r, recipientAccountId: account, awsRegion: region };
}

// Time order: OIDC (CI account, us-east-1) → chained AssumeRole (CI account, eu-west-1, regional STS) →
// CreateAccessKey (production account, us-east-1). Path order reads the production account first, then the
// CI account's eu-west-1 before its us-east-1: the reverse of time order at every step.
const oidc = at(
  oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: '2026-11-02T10:02:00Z' }),
  CI_ACCOUNT,
  'us-east-1',
);
const chain = at(
  chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
  CI_ACCOUNT,
  'eu-west-1',
);
const create = at(
  sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
  PROD_ACCOUNT,
  'us-east-1',
);
const view = buildIndex(fixtureBaseline('lineage.yaml'));

function file(root: string, account: string, region: string, name: string, records: unknown[]): void {
  const d = join(root, 'AWSLogs', account, 'CloudTrail', region, '2026', '11', '02');
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, `${account}_CloudTrail_${region}_${name}.json.gz`),
    gzipSync(JSON.stringify({ Records: records })),
  );
}

const summary = (alerts: Alert[]) =>
  alerts
    .map((a) => ({ rule: a.rule, eventId: a.eventId, severity: a.severity, origin: a.origin ?? null }))
    .sort((a, b) => `${a.eventId} ${a.rule}`.localeCompare(`${b.eventId} ${b.rule}`));

let dir: string;
let trail: string;
let baselineFile: string;
const lambda: Alert[] = [];
let cli: BuiltCli;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iamwatch-replay-order-'));
  trail = join(dir, 'trail');
  file(trail, PROD_ACCOUNT, 'us-east-1', '20261102T1005Z_a', [create]);
  file(trail, CI_ACCOUNT, 'eu-west-1', '20261102T1004Z_b', [chain]);
  file(trail, CI_ACCOUNT, 'us-east-1', '20261102T1002Z_c', [oidc]);
  baselineFile = join(dir, 'baseline.yaml');
  copyFileSync(join(RULES_DIR, '_baselines', 'lineage.yaml'), baselineFile);
  // The Lambda's path: events in time order through createDetector over the embedded DynamoDB store.
  const h = await openStore({ dir: join(dir, 'store') });
  try {
    const detector = createDetector({ baseline: async () => view, sessions: h.sessions });
    for (const r of [oidc, chain, create]) lambda.push(...(await detector.evaluate(r)).alerts);
  } finally {
    await h.close();
  }
  cli = await buildCli();
}, 120_000);
afterAll(() => {
  cli?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('replay across accounts and regions in path order', () => {
  it('gives the alerts, severities and origins the Lambda gives', async () => {
    const r = await runCli(['replay', trail, '--baseline', baselineFile, '--no-dedupe', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const replayed = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    const key = replayed.find((a) => a.rule === 'access-key-created');
    expect(key?.origin?.complete).toBe(true);
    expect(key?.origin?.chain.map((h) => h.key)).toEqual([PLAN, APPLY]);
    expect(summary(replayed)).toEqual(summary(lambda));
  });

  it('the same bytes with --workers 0, 1 and 2 (dedupe on)', async () => {
    const args = ['replay', trail, '--baseline', baselineFile, '--format', 'jsonl'];
    const runs = await Promise.all(
      ['0', '1', '2'].map((w) => runBuilt(cli, [...args, '--workers', w], { cwd: dir, env: bareEnv(dir) })),
    );
    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]?.stdout).toContain('"complete":true');
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    expect(runs[2]?.stdout).toBe(runs[0]?.stdout);
  }, 60_000);
});
