/**
 * Day one with the patterns users copy from trust policies: docs/deploy.md's recipe, README's baseline
 * example and the demo, each also rewritten to GitHub's documented `repo:ORG/REPO:*` form, replayed through
 * the real `iamwatch replay` pipeline: the legitimate traffic raises no "unexpected" alert. The YAML is read
 * from the repository's own files at test time, so a doc edit that breaks the promise fails here.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { runCli } from '../helpers/cli.js';
import { fixturesOf } from '../helpers/rule-fixtures.js';

type Rec = Record<string, unknown>;
const root = fileURLToPath(new URL('../../', import.meta.url));
const GH = 'token.actions.githubusercontent.com';
const UNEXPECTED = ['oidc-unexpected-subject', 'oidc-untrusted-context', 'role-unexpected-caller'];

/** The fenced ```yaml block of `file` whose text contains `marker`. */
function yamlBlock(file: string, marker: string): string {
  const text = readFileSync(path.join(root, file), 'utf8');
  for (const m of text.matchAll(/```yaml\n([\s\S]*?)```/g)) if (m[1]?.includes(marker)) return m[1];
  throw new Error(`${file}: no yaml block containing ${marker}`);
}

/** Every GitHub subject pattern `repo:ORG/REPO:…` becomes `repo:ORG/REPO:*` (GitHub's documented form). */
function starred(yaml: string): string {
  return yaml.replace(/repo:([^/:"\s]+)\/([^:"\s]+):[^"\],\s]+/g, 'repo:$1/$2:*');
}

/** A minimal valid baseline around an excerpt (`identities:` … only). */
function wholeFile(excerpt: string): string {
  return excerpt.includes('version: 1') ? excerpt : `version: 1\n${excerpt}`;
}

function template(rule: string, file: string): Rec {
  const f = fixturesOf(rule).find((x) => x.file === `${rule}/fixtures/${file}.json`);
  if (!f) throw new Error(`no fixture ${file}`);
  return structuredClone(f.record) as Rec;
}

let seq = 0;
/** AssumeRoleWithWebIdentity record (shape of a real GitHub Actions assumption, see the fixture's origin). */
function oidc(roleArn: string, sub: string, aud = 'sts.amazonaws.com'): Rec {
  const r = template('oidc-unexpected-subject', 'deploy-from-main-branch');
  const account = roleArn.split(':')[4] ?? '';
  const provider = `arn:aws:iam::${account}:oidc-provider/${GH}`;
  r.eventID = `day-one-${++seq}`;
  r.recipientAccountId = account;
  r.userIdentity = {
    type: 'WebIdentityUser',
    principalId: `${provider}:${aud}:${sub}`,
    userName: sub,
    identityProvider: provider,
  };
  (r.requestParameters as Rec).roleArn = roleArn;
  const re = r.responseElements as Rec;
  re.subjectFromWebIdentityToken = sub;
  re.audience = aud;
  re.provider = provider;
  const name = roleArn.split('/').at(-1);
  re.assumedRoleUser = {
    assumedRoleId: 'AROAEXAMPLE:GitHubActions',
    arn: `arn:aws:sts::${account}:assumed-role/${name}/GitHubActions`,
  };
  return r;
}

/** AssumeRole by a role session (shape of the AWS documentation example, see the fixture's origin). */
function chained(roleArn: string, callerRoleArn: string): Rec {
  const r = template('role-unexpected-caller', 'role-chaining-by-listed-session-issuer');
  const account = roleArn.split(':')[4] ?? '';
  const callerAccount = callerRoleArn.split(':')[4] ?? '';
  const callerName = callerRoleArn.split('/').at(-1) ?? '';
  r.eventID = `day-one-${++seq}`;
  r.recipientAccountId = account;
  r.userIdentity = {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:s',
    arn: `arn:aws:sts::${callerAccount}:assumed-role/${callerName}/s`,
    accountId: callerAccount,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: callerRoleArn,
        accountId: callerAccount,
        userName: callerName,
      },
    },
  };
  (r.requestParameters as Rec).roleArn = roleArn;
  (r.responseElements as Rec).assumedRoleUser = {
    assumedRoleId: 'AROAEXAMPLE:s',
    arn: `arn:aws:sts::${account}:assumed-role/${roleArn.split('/').at(-1)}/s`,
  };
  return r;
}

async function replay(baselineYaml: string, records: Rec[] | string): Promise<Alert[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-day-one-'));
  const baseline = path.join(dir, 'baseline.yaml');
  writeFileSync(baseline, baselineYaml);
  const validate = await runCli(['baseline', 'validate', baseline], { cwd: dir });
  expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  let input = typeof records === 'string' ? records : path.join(dir, 'trail.json');
  if (typeof records !== 'string') writeFileSync(input, JSON.stringify({ Records: records }));
  input = path.resolve(input);
  const run = await runCli(['replay', input, '--baseline', baseline, '--quiet', '--no-dedupe'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Alert);
}

const unexpected = (alerts: Alert[]) =>
  alerts.filter((a) => UNEXPECTED.includes(a.rule)).map((a) => `${a.rule}: ${a.reasons.join('; ')}`);

describe('day one with trust-policy patterns: no unexpected alert for legitimate traffic', () => {
  it("docs/deploy.md's baseline-sync recipe: pull-request dry run and security-prod sync", async () => {
    const excerpt = yamlBlock('docs/deploy.md', '# iamwatch/baseline.yaml');
    const role = 'arn:aws:iam::111122223333:role/iamwatch-baseline-sync';
    const plan = 'arn:aws:iam::111122223333:role/iamwatch-baseline-plan';
    const traffic = [
      oidc(plan, 'repo:example-org/security-baseline:pull_request'),
      oidc(role, 'repo:example-org/security-baseline:environment:security-prod'),
    ];
    expect(excerpt).not.toContain(':*');
    for (const yaml of [wholeFile(excerpt), starred(wholeFile(excerpt))]) {
      expect(unexpected(await replay(yaml, traffic))).toEqual([]);
    }
    expect(starred(excerpt)).toContain('repo:example-org/security-baseline:*');
    // A pull request reaching the write role is still refused, as written and in the starred form.
    for (const yaml of [wholeFile(excerpt), starred(wholeFile(excerpt))]) {
      const pr = await replay(yaml, [oidc(role, 'repo:example-org/security-baseline:pull_request')]);
      expect(pr.map((a) => a.rule)).toContain('oidc-untrusted-context');
    }
    // The role declares oidc and no callers: a role chaining into it is unexpected.
    const chainedIn = await replay(wholeFile(excerpt), [
      chained(role, 'arn:aws:iam::111122223333:role/pr-plan'),
    ]);
    expect(chainedIn.map((a) => a.rule)).toContain('role-unexpected-caller');
  });

  it("README's baseline example: main, production environment and the listed caller", async () => {
    const yaml = yamlBlock('README.md', 'role/gha-deploy');
    const role = 'arn:aws:iam::111122223333:role/gha-deploy';
    const traffic = [
      oidc(role, 'repo:example-org/api:ref:refs/heads/main'),
      oidc(role, 'repo:example-org/api:environment:production'),
      chained(role, 'arn:aws:iam::111122223333:role/ci-runner'),
    ];
    const asIs = await replay(yaml, traffic);
    expect(unexpected(asIs)).toEqual([]);
    const withStar = starred(yaml);
    expect(withStar).toContain('"repo:example-org/api:*"');
    expect(unexpected(await replay(withStar, traffic))).toEqual([]);
    // …and a pull request matched by repo:example-org/api:* is still refused (allow_pull_requests: false).
    const pr = await replay(withStar, [oidc(role, 'repo:example-org/api:pull_request')]);
    expect(pr.map((a) => a.rule)).toContain('oidc-untrusted-context');
  });

  it('the demo archive, its baseline as generated and with repo:ORG/REPO:* subjects', async () => {
    const demo = path.join(root, 'examples/demo');
    const yaml = readFileSync(path.join(demo, 'baseline.yaml'), 'utf8');
    const planted = JSON.parse(readFileSync(path.join(demo, 'scenarios.json'), 'utf8')) as {
      scenarios: Array<{ eventIds: string[] }>;
    };
    const plantedIds = new Set(planted.scenarios.flatMap((s) => s.eventIds));
    const withStar = starred(yaml);
    expect(withStar).toContain('repo:example-org/api:*');
    for (const variant of [yaml, withStar]) {
      const alerts = await replay(variant, path.join(demo, 'cloudtrail'));
      expect(alerts.filter((a) => plantedIds.has(a.eventId)).length).toBeGreaterThan(0);
      const benign = alerts.filter((a) => UNEXPECTED.includes(a.rule) && !plantedIds.has(a.eventId));
      expect(benign.map((a) => `${a.rule} ${a.eventId}: ${a.reasons.join('; ')}`)).toEqual([]);
    }
  }, 120_000);
});
