/**
 * `iamwatch baseline …` and `incident …` end to end on the embedded store (dynalite on disk).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../shared/cli/context.js';
import { storeDescription } from '../../shared/cli/store.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { runStoreCli } from './cli-harness.js';
import { TestClock } from './helpers.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const DEPLOY = 'arn:aws:iam::111122223333:role/gha-deploy';
const BG = 'arn:aws:iam::111122223333:role/break-glass';

const BASELINE = `version: 1
teams:
  platform: { slack: "env:SLACK_PLATFORM" }
defaults: { team: platform }
identities:
  - arn: ${DEPLOY}
    kind: ci
    owner: platform-security
    purpose: deploy the api service to production
    environment: production
    team: platform
    review_after: 2026-09-01
    oidc:
      - provider: token.actions.githubusercontent.com
        audience: sts.amazonaws.com
        subjects: ["repo:example-org/api:ref:refs/heads/main", "repo:example-org/api:environment:production"]
    callers: ["arn:aws:iam::111122223333:role/ci-runner"]
  - arn: ${BG}
    kind: break-glass
    owner: security
    purpose: emergency administrator access
    review_after: 2026-01-31
`;

describe('store commands', () => {
  let dir: string;
  const clock = new TestClock(NOW);
  const run = (args: string[]) => runStoreCli([...args], { cwd: dir, deps: { clock } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iamwatch-cli-'));
    await writeFile(join(dir, 'baseline.yaml'), BASELINE);
    await writeFile(join(dir, 'typo.yaml'), BASELINE.replace('    owner: security', '    ownr: security'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate prints file:line: field: message and exits 2 on errors', async () => {
    const ok = await run(['baseline', 'validate', 'baseline.yaml']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    const bad = await run(['baseline', 'validate', 'typo.yaml']);
    expect(bad.code).toBe(2);
    // The report is diagnostics: stderr, one issue per line (stdout carries data only).
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^typo\.yaml:\d+: identities\[1\]/m);
  });

  it('sync refuses an invalid file and writes nothing', async () => {
    const r = await run(['baseline', 'sync', 'typo.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing was written');
    // Still no baseline in the store: a query says so rather than answering from nothing.
    const show = await run(['baseline', 'show', BG, '--format', 'json']);
    expect(show.code).toBe(2);
    expect(show.stdout).toBe('');
    expect(show.stderr).toContain('holds no baseline');
  });

  it('dry run, sync, diff, change and prune', async () => {
    const dry = await run(['baseline', 'sync', 'baseline.yaml', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`+ ${DEPLOY}`);
    expect(dry.stdout).toContain('dry run: nothing written');
    expect((await run(['baseline', 'diff', 'baseline.yaml'])).stdout).toContain('2 added');

    const sync = await run(['baseline', 'sync', 'baseline.yaml']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain('synced: 2 added, 0 changed, 0 removed, 0 unchanged');
    expect(sync.stderr).toMatch(/stamped embedded store .* sha256 [0-9a-f]{12}/);

    const same = await run(['baseline', 'diff', 'baseline.yaml']);
    expect(same.stdout).toContain('diff: 0 added, 0 changed, 0 removed, 2 unchanged');
    expect(same.stderr).toContain('same file');

    await writeFile(
      join(dir, 'v2.yaml'),
      BASELINE.replace('owner: platform-security', 'owner: api-team').split(
        '  - arn: arn:aws:iam::111122223333:role/break-glass',
      )[0] ?? '',
    );
    const diff = await run(['baseline', 'diff', 'v2.yaml', '--format', 'json']);
    expect(JSON.parse(diff.stdout)).toMatchObject({ changed: [DEPLOY], removed: [BG], added: [] });
    const keep = await run(['baseline', 'sync', 'v2.yaml']);
    expect(keep.stdout).toContain(`? ${BG}`);
    expect(keep.stdout).toContain(`~ ${DEPLOY}  (owner)`);
    const prune = await run(['baseline', 'sync', 'v2.yaml', '--prune', '--format', 'json']);
    expect(JSON.parse(prune.stdout)).toMatchObject({ removed: [BG] });
    // Back to the full file for the query tests.
    expect((await run(['baseline', 'sync', 'baseline.yaml'])).code).toBe(0);
  });

  it('show, who and stale in table and json form', async () => {
    const show = await run(['baseline', 'show', DEPLOY]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('owner        platform-security');
    expect(show.stdout).toContain('subject    repo:example-org/api:ref:refs/heads/main');
    expect(show.stdout).toContain('caller       arn:aws:iam::111122223333:role/ci-runner');

    const who = await run(['baseline', 'who', 'example-org/api', '--format', 'json']);
    const parsed = JSON.parse(who.stdout);
    expect(parsed.queryKind).toBe('repository');
    expect(parsed.allowed.map((a: { role: string }) => a.role)).toEqual([DEPLOY, DEPLOY]);
    const whoTable = await run(['baseline', 'who', 'repo:example-org/api:pull_request']);
    expect(whoTable.stdout).toContain('may assume (0)');

    const stale = await run(['baseline', 'stale', '--format', 'json']);
    expect(JSON.parse(stale.stdout).map((s: { arn: string }) => s.arn)).toEqual([BG]);
    const unused = await run(['baseline', 'stale', '--unused-days', '30']);
    expect(unused.stdout).toContain('never');
    expect((await run(['baseline', 'stale', '--unused-days', 'soon'])).code).toBe(2);
    expect((await run(['baseline', 'seen', DEPLOY, '--since', 'a week'])).code).toBe(2);
  });

  it('incident open, list, close', async () => {
    const open = await run([
      'incident',
      'open',
      BG,
      '--ticket',
      'INC-42',
      '--for',
      '2h',
      '--reason',
      'db down',
    ]);
    expect(open.code).toBe(0);
    const id = open.stdout.trim();
    expect(id).toMatch(/^inc-[0-9a-f]{10}$/);
    const list = await run(['incident', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout)).toMatchObject([
      {
        id,
        identity: BG,
        ticket: 'INC-42',
        until: new Date(NOW + 7_200_000).toISOString(),
        reason: 'db down',
      },
    ]);
    expect((await run(['baseline', 'show', BG])).stdout).toContain(`${id}  INC-42`);
    expect((await run(['incident', 'open', BG, '--ticket', 'X', '--for', '30d'])).code).toBe(2);
    expect((await run(['incident', 'open', BG, '--for', '1h'])).code).toBe(2);

    clock.advance(60_000);
    const close = await run(['incident', 'close', id]);
    expect(close.stdout).toBe(`${id} closed at ${new Date(NOW + 60_000).toISOString()}\n`);
    expect((await run(['incident', 'list'])).stdout).toBe('no open incidents\n');
    expect((await run(['incident', 'list', '--all'])).stdout).toContain('closed');
    expect((await run(['incident', 'close', 'inc-nope'])).code).toBe(2);
  });

  it('every store command names the store it opened, on stderr', async () => {
    const show = await run(['baseline', 'show', DEPLOY, '--format', 'json']);
    expect(show.stderr).toContain('store: embedded store ./.iamwatch/\n');
    expect(show.stdout).not.toContain('store:');
    const other = await run(['incident', 'list', '--store-dir', 'elsewhere/db']);
    expect(other.stderr).toContain('store: embedded store ./elsewhere/db/\n');
  });

  it('the table form names table, region and endpoint', () => {
    const ctx = { env: { AWS_REGION: 'eu-west-1' } } as unknown as CliContext;
    expect(storeDescription({ table: 'iamwatch' }, '.iamwatch', ctx)).toBe(
      'table iamwatch (region eu-west-1)',
    );
    expect(
      storeDescription(
        { table: 't', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000' },
        '.iamwatch',
        ctx,
      ),
    ).toBe('table t (region us-east-1, endpoint http://127.0.0.1:8000)');
    expect(storeDescription({ table: 't' }, '.iamwatch', { env: {} } as unknown as CliContext)).toBe(
      'table t (region from the AWS profile)',
    );
    expect(storeDescription({}, '/var/lib/iamwatch', ctx)).toBe('embedded store /var/lib/iamwatch/');
  });

  it('a query against a store with no baseline says so and exits 2', async () => {
    for (const args of [
      ['baseline', 'stale'],
      ['baseline', 'show', DEPLOY],
      ['baseline', 'who', 'example-org/api'],
      ['baseline', 'seen', DEPLOY],
    ]) {
      const r = await run([...args, '--store-dir', 'never-synced']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        'embedded store ./never-synced/ holds no baseline: run `iamwatch baseline sync FILE` first',
      );
    }
  });

  it('learn on a missing path exits 2 and writes nothing', async () => {
    const r = await run(['baseline', 'learn', 'no-such-trail', '--out', 'nothing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-trail: no such file or directory');
    await expect(readFile(join(dir, 'nothing.yaml'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a second process on the same store directory gets a clear error', async () => {
    await writeFile(join(dir, '.iamwatch', 'lock'), '1\n'); // pid 1 is always alive
    const r = await run(['baseline', 'show', DEPLOY]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('.iamwatch is in use by another iamwatch process (pid 1)');
    await rm(join(dir, '.iamwatch', 'lock'));
  });

  it('learn proposes exact subjects and callers that parse as a baseline', async () => {
    const gha = JSON.parse(
      await readFile(
        'test/fixtures/cloudtrail-public/AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json',
        'utf8',
      ),
    );
    const role = gha.requestParameters.roleArn as string;
    const withSubject = (sub: string, i: number) => ({
      ...gha,
      eventID: `ev-${i}`,
      eventTime: `2025-04-${String(10 + (i % 5)).padStart(2, '0')}T02:46:56Z`,
      userIdentity: {
        ...gha.userIdentity,
        userName: sub,
        principalId: `${gha.userIdentity.identityProvider}:sts.amazonaws.com:${sub}`,
      },
      responseElements: { ...gha.responseElements, subjectFromWebIdentityToken: sub },
    });
    const records = [
      ...[0, 1, 2].map((i) => withSubject('repo:ccbrown/cloud-snitch:ref:refs/heads/main', i)),
      withSubject('repo:ccbrown/cloud-snitch:ref:refs/heads/release', 3),
      withSubject('repo:ccbrown/cloud-snitch:pull_request', 4),
      {
        ...withSubject('repo:evil/fork:ref:refs/heads/main', 5),
        errorCode: 'AccessDenied',
        responseElements: null,
      },
    ];
    const caller = JSON.parse(
      await readFile(
        'test/fixtures/cloudtrail-public/AssumeRole__stratus-red-team__iam-user-same-account.json',
        'utf8',
      ),
    );
    records.push(caller);
    await writeFile(join(dir, 'trail.json'), JSON.stringify({ Records: records }));

    const r = await run(['baseline', 'learn', 'trail.json', '--out', 'learned.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/learned 2 role\(s\)/);
    const yaml = await readFile(join(dir, 'learned.yaml'), 'utf8');
    const parsed = parseBaseline(yaml, 'learned.yaml');
    expect(parsed.issues.filter((i) => i.level === 'error')).toEqual([]);
    const learned = parsed.baseline!.identities.find((i) => i.arn === role);
    expect(learned?.owner).toBe('TODO');
    expect(learned?.reviewAfter).toBe('2026-05-30');
    expect(learned?.oidc[0]?.subjects).toEqual([
      'repo:ccbrown/cloud-snitch:ref:refs/heads/main',
      'repo:ccbrown/cloud-snitch:ref:refs/heads/release',
    ]);
    // An observed pull-request context is shown, commented out, never trusted by a learned baseline.
    expect(learned?.oidc[0]?.allowPullRequests).toBe(false);
    expect(yaml).toMatch(/# {3}- "repo:ccbrown\/cloud-snitch:pull_request"/);
    expect(yaml).toContain('# 3 events, 2025-04-10..2025-04-12');
    expect(yaml).not.toContain('evil/fork');
    expect(yaml).not.toMatch(/subjects:[\s\S]*\*/);
    const target = caller.requestParameters.roleArn as string;
    expect(parsed.baseline!.identities.find((i) => i.arn === target)?.callers).toEqual([
      caller.userIdentity.arn,
    ]);

    const toStdout = await run(['baseline', 'learn', 'trail.json']);
    expect(toStdout.stdout).toBe(yaml);
  });
});
