/**
 * docs/deploy.md's CI recipe, taken from the document at test time: the workflow's own OIDC assumptions,
 * replayed against the document's baseline, raise no alert (pull requests included), and a stranger's do.
 * Also: every deploy parameter of serverless.yml is documented.
 *
 * The assumption records are the public GitHub Actions fixture
 * test/fixtures/cloudtrail-public/AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json (MIT,
 * see that folder's README) with the account, role, subject and time of the recipe.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Alert } from '../../shared/core/alert/alert.js';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deployMd = readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
const fixture = readFileSync(
  path.join(
    root,
    'test/fixtures/cloudtrail-public/AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json',
  ),
  'utf8',
);

interface Block {
  lang: string;
  body: string;
  /** The `<!-- doc-test: … -->` marker in the lines just before the block, if any. */
  marker: string | null;
}

/** Fenced code blocks of a Markdown document. */
function codeBlocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const before = md.slice(Math.max(0, m.index - 300), m.index);
    const marker = /<!-- doc-test: ([^>]*?) -->(?:(?!```)[\s\S])*$/.exec(before)?.[1] ?? null;
    out.push({ lang: m[1] ?? '', body: m[2] ?? '', marker });
  }
  return out;
}

const blocks = codeBlocks(deployMd);
const workflow = blocks.find((b) => b.lang === 'yaml' && b.body.startsWith('# .github/workflows/'));
const baseline = blocks.find((b) => b.lang === 'yaml' && b.body.startsWith('# iamwatch/baseline.yaml'));
const trusts = blocks.filter((b) => b.lang === 'json' && b.marker?.startsWith('trust '));

interface Job {
  if?: string;
  environment?: string;
  steps: Array<{ uses?: string; with?: Record<string, string> }>;
}

/** Role and token subject of each job that assumes a role, as GitHub would mint it for this repository. */
function assumptions(repo: string): Array<{ job: string; roleArn: string; subject: string }> {
  const wf = parseYaml(workflow!.body) as { jobs: Record<string, Job> };
  const out: Array<{ job: string; roleArn: string; subject: string }> = [];
  for (const [name, job] of Object.entries(wf.jobs)) {
    const step = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
    if (!step?.with?.['role-to-assume']) continue;
    // A job with an environment gets the environment subject; without one, a pull_request run gets :pull_request.
    const onPr = job.if?.includes("'pull_request'") ?? false;
    const subject = job.environment
      ? `repo:${repo}:environment:${job.environment}`
      : onPr
        ? `repo:${repo}:pull_request`
        : `repo:${repo}:ref:refs/heads/main`;
    out.push({ job: name, roleArn: step.with['role-to-assume'], subject });
  }
  return out;
}

function record(roleArn: string, subject: string, i: number): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: a CloudTrail record, edited loosely.
  const r = JSON.parse(fixture) as Record<string, any>;
  const account = roleArn.split(':')[4]!;
  const provider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  r.eventTime = `2026-06-01T10:0${i}:00Z`;
  r.eventID = `00000000-0000-4000-8000-00000000000${i}`;
  r.recipientAccountId = account;
  r.userIdentity.principalId = `${provider}:sts.amazonaws.com:${subject}`;
  r.userIdentity.userName = subject;
  r.userIdentity.identityProvider = provider;
  r.requestParameters.roleArn = roleArn;
  r.responseElements.subjectFromWebIdentityToken = subject;
  r.responseElements.provider = provider;
  r.responseElements.assumedRoleUser.arn = `arn:aws:sts::${account}:assumed-role/${roleArn.split('/').pop()}/GitHubActions`;
  r.resources = [{ accountId: account, type: 'AWS::IAM::Role', ARN: roleArn }];
  return r;
}

async function replay(records: Record<string, unknown>[]): Promise<Alert[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-doc-'));
  writeFileSync(path.join(dir, 'baseline.yaml'), baseline!.body);
  writeFileSync(path.join(dir, 'trail.json'), JSON.stringify({ Records: records }));
  const r = await runCli(['replay', 'trail.json', '--baseline', 'baseline.yaml', '--quiet'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Alert);
}

describe('docs/deploy.md CI recipe', () => {
  it('has the workflow, a trust policy per role and the baseline as example blocks', () => {
    expect(workflow).toBeDefined();
    expect(baseline).toBeDefined();
    const roles = assumptions('example-org/security-baseline').map((a) => a.roleArn.split('/').pop());
    expect(roles.length).toBeGreaterThanOrEqual(2);
    expect(trusts.map((t) => t.marker!.slice('trust '.length)).sort()).toEqual([...roles].sort());
  });

  it("each job's subject is one its role's trust policy allows", () => {
    for (const a of assumptions('example-org/security-baseline')) {
      const trust = trusts.find((t) => t.marker === `trust ${a.roleArn.split('/').pop()}`)!;
      const policy = JSON.parse(trust.body) as {
        Condition: { StringEquals: Record<string, string | string[]> };
      };
      const allowed = [policy.Condition.StringEquals['token.actions.githubusercontent.com:sub']].flat();
      expect(allowed, a.job).toContain(a.subject);
    }
  });

  it('raises no alert for its own runs, pull requests included', async () => {
    const own = assumptions('example-org/security-baseline');
    expect(own.some((a) => a.subject.endsWith(':pull_request'))).toBe(true);
    const alerts = await replay(own.map((a, i) => record(a.roleArn, a.subject, i)));
    expect(alerts.map((a) => `${a.rule}: ${a.reasons.join('; ')}`)).toEqual([]);
  });

  it('does alert when another repository assumes the same roles', async () => {
    const other = assumptions('example-org/some-fork');
    const alerts = await replay(other.map((a, i) => record(a.roleArn, a.subject, i)));
    expect(new Set(alerts.map((a) => a.rule))).toContain('oidc-unexpected-subject');
  });
});

describe('docs/deploy.md parameters', () => {
  it('documents every params entry of serverless.yml', () => {
    // CloudFormation tags (!Ref, !GetAtt) are irrelevant here: no warnings about them.
    const sls = parseYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
      params: Record<string, Record<string, unknown>>;
    };
    const params = new Set(Object.values(sls.params).flatMap((stage) => Object.keys(stage)));
    expect(params.size).toBeGreaterThan(5);
    const documented = new Set([...deployMd.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
    expect([...params].filter((p) => !documented.has(p))).toEqual([]);
  });
});
