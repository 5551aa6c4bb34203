/**
 * `iamwatch baseline learn` (issue 10 item 6): people through SAML / IAM Identity Center are
 * `human`, GitHub release tags become `refs/tags/*`, roles seen only acting are proposed, and a
 * missing path is a usage error.
 *
 * Records are the public samples in test/fixtures/cloudtrail-public (see its README for origin and
 * licence: awsdocs/iam-user-guide MIT-0, ccbrown/cloud-snitch MIT), with the fields named below
 * changed to make each case.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnedSubject } from '../../shared/app/baseline/learn.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import { runCli } from '../helpers/cli.js';

const sample = async (name: string) =>
  JSON.parse(await readFile(`test/fixtures/cloudtrail-public/${name}.json`, 'utf8'));

const SSO_ROLE =
  'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef';
const GHA = 'token.actions.githubusercontent.com';

let dir: string;
let learned: Baseline;
let yaml: string;
let stderr: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iamwatch-learn-'));
  const saml = await sample('AssumeRoleWithSAML__awsdocs-iam-user-guide');
  // IAM Identity Center: the permission-set role, assumed through the AWSSSO SAML provider.
  const sso = {
    ...saml,
    eventID: 'sso-1',
    requestParameters: {
      ...saml.requestParameters,
      roleArn: SSO_ROLE,
      principalArn: 'arn:aws:iam::444455556666:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE',
    },
    resources: [],
  };
  const gha = await sample('AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions');
  const withSubject = (sub: string, i: number) => ({
    ...gha,
    eventID: `gha-${i}`,
    eventTime: `2025-04-1${i}T02:46:56Z`,
    userIdentity: {
      ...gha.userIdentity,
      userName: sub,
      principalId: `${gha.userIdentity.identityProvider}:sts.amazonaws.com:${sub}`,
    },
    responseElements: { ...gha.responseElements, subjectFromWebIdentityToken: sub },
  });
  // JohnRole1's session assumes JohnRole2: JohnRole1 is never seen assumed, only acting.
  const chaining = await sample('AssumeRole__awsdocs-iam-user-guide__role-chaining');
  const records = [
    saml,
    sso,
    withSubject('repo:ccbrown/cloud-snitch:ref:refs/heads/main', 1),
    withSubject('repo:ccbrown/cloud-snitch:ref:refs/tags/v1.0.0', 2),
    withSubject('repo:ccbrown/cloud-snitch:ref:refs/tags/v1.1.0', 3),
    chaining,
  ];
  await writeFile(join(dir, 'trail.json'), JSON.stringify({ Records: records }));
  const r = await runCli(['baseline', 'learn', 'trail.json', '--out', 'learned.yaml'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  stderr = r.stderr;
  yaml = await readFile(join(dir, 'learned.yaml'), 'utf8');
  const parsed = parseBaseline(yaml, 'learned.yaml');
  expect(parsed.issues.filter((i) => i.level === 'error')).toEqual([]);
  learned = parsed.baseline!;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const identity = (arn: string) => learned.identities.find((i) => i.arn === arn);

describe('baseline learn', () => {
  it('proposes roles assumed through SAML, and IAM Identity Center permission sets, as human', () => {
    expect(identity('arn:aws:iam::444455556666:role/SAMLTestRoleShibboleth')?.kind).toBe('human');
    const sso = identity(SSO_ROLE);
    expect(sso?.kind).toBe('human');
    expect(sso?.callers).toEqual([
      'arn:aws:iam::444455556666:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE',
    ]);
    expect(sso?.purpose).toContain('SAML sign-in (1)');
  });

  it('learns GitHub release tags as refs/tags/* and keeps branches exact', () => {
    const role = learned.identities.find((i) => i.oidc.length > 0);
    expect(role?.kind).toBe('ci');
    expect(role?.oidc[0]?.subjects).toEqual([
      'repo:ccbrown/cloud-snitch:ref:refs/heads/main',
      'repo:ccbrown/cloud-snitch:ref:refs/tags/*',
    ]);
    expect(yaml).toContain(
      '"repo:ccbrown/cloud-snitch:ref:refs/tags/*"   # 2 events, 2025-04-12..2025-04-13',
    );
  });

  it('proposes roles that only acted, saying so', () => {
    const actor = identity('arn:aws:iam::111111111111:role/JohnRole1');
    expect(actor?.kind).toBe('workload');
    expect(actor?.callers).toEqual([]);
    expect(yaml).toContain(
      '- arn: "arn:aws:iam::111111111111:role/JohnRole1"   # never seen assumed; acted 1 time',
    );
    // The role it assumed is learned with JohnRole1 as its caller.
    expect(identity('arn:aws:iam::111111111111:role/JohnRole2')?.callers).toEqual([
      'arn:aws:iam::111111111111:role/JohnRole1',
    ]);
    expect(stderr).toMatch(/learned 5 role\(s\)/);
  });

  it('collapses only GitHub default tag subjects', () => {
    expect(learnedSubject('repo:o/r:ref:refs/tags/v2.0.0', GHA)).toBe('repo:o/r:ref:refs/tags/*');
    expect(learnedSubject('repo:o/r:ref:refs/heads/main', GHA)).toBe('repo:o/r:ref:refs/heads/main');
    expect(learnedSubject('repo:o/r:environment:prod', GHA)).toBe('repo:o/r:environment:prod');
    expect(learnedSubject('repo:o/r:ref:refs/tags/v1', 'gitlab.com')).toBe('repo:o/r:ref:refs/tags/v1');
  });

  it('a missing path is a usage error (exit 2), not an empty proposal', async () => {
    const r = await runCli(['baseline', 'learn', 'trail.json', 'missing-dir'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('missing-dir: no such file or directory');
  });
});
