import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import { analyseTrust, subjectWildcardSpan, type TrustOptions } from '../../shared/core/policy/trust.js';
import type { PolicyDocument } from '../../shared/core/policy/types.js';
import { authoredText, recordDocument } from './fixtures.js';

const SELF: TrustOptions = { selfAccount: '111122223333', knownAccounts: [] };
const GH = 'token.actions.githubusercontent.com';
const GH_ARN = `arn:aws:iam::111122223333:oidc-provider/${GH}`;

function doc(input: unknown): PolicyDocument {
  const parsed = parsePolicyDocument(input);
  if (!parsed) throw new Error('fixture did not parse');
  return parsed;
}

function kinds(input: unknown, opts: TrustOptions = SELF): string[] {
  return analyseTrust(doc(input), opts).weaknesses.map((w) => w.kind);
}

function githubTrust(condition: Record<string, unknown>): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: GH_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

describe('analyseTrust: AWS principals', () => {
  it('flags the external account added by the Stratus backdoor-role detonation', () => {
    // Prepare: the role lives in the record's recipient account.
    const opts = { selfAccount: '751203476945', knownAccounts: [] };

    // Act
    const analysis = analyseTrust(
      doc(recordDocument('stratus-backdoor-role.update-assume-role-policy')),
      opts,
    );

    // Assess
    expect(analysis.statements).toEqual([
      {
        id: '#0',
        effect: 'Allow',
        principals: [{ kind: 'service', value: 'ec2.amazonaws.com' }],
        notPrincipal: false,
        actions: ['sts:AssumeRole'],
        conditions: [],
      },
      {
        id: '#1',
        effect: 'Allow',
        principals: [{ kind: 'account', value: 'arn:aws:iam::193672423079:root', account: '193672423079' }],
        notPrincipal: false,
        actions: ['sts:AssumeRole'],
        conditions: [],
      },
    ]);
    expect(analysis.weaknesses).toEqual([
      {
        kind: 'unknown-account',
        statement: '#1',
        detail:
          'statement #1 trusts arn:aws:iam::193672423079:root in account 193672423079, which is neither this account (751203476945) nor a known account',
      },
    ]);
  });

  it('flags the same principal in the URL-encoded CreateRole response document', () => {
    expect(
      kinds(recordDocument('stratus-create-backdoor-role.response-urlencoded'), {
        selfAccount: '609418236337',
        knownAccounts: [],
      }),
    ).toEqual(['unknown-account']);
  });

  it('accepts the account once the baseline declares it', () => {
    expect(
      kinds(recordDocument('stratus-create-backdoor-role.request'), {
        selfAccount: '609418236337',
        knownAccounts: ['193672423079'],
      }),
    ).toEqual([]);
  });

  it('does not flag a service principal (Panther ec2 trust)', () => {
    expect(kinds(recordDocument('panther-backdoor-role.ec2-service'))).toEqual([]);
  });

  it('flags Principal "*" guarded only by sts:ExternalId as public', () => {
    const analysis = analyseTrust(
      doc(recordDocument('panther-backdoor-role.principal-star-external-id')),
      SELF,
    );
    expect(analysis.weaknesses).toEqual([
      {
        kind: 'public',
        statement: '#0',
        detail:
          'statement #0 lets any AWS principal (Principal "*") call sts:AssumeRole without an aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount or aws:SourceArn condition; the sts:ExternalId condition alone does not restrict who can assume it',
      },
    ]);
  });

  it('does not flag Principal "*" limited by aws:PrincipalOrgID', () => {
    expect(kinds(authoredText('principal-star-org-id'))).toEqual([]);
  });

  it.each([
    ['{ AWS: "*" }', { AWS: '*' }, {}],
    ['a wildcard-only org id', '*', { StringLike: { 'aws:PrincipalOrgID': '*' } }],
    ['an IfExists org id', '*', { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }],
    ['a negated org id', '*', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }],
    ['a PrincipalArn in any account', '*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ci' } }],
  ])('flags %s as public', (_name, principal, condition) => {
    expect(
      kinds({
        Statement: { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', Condition: condition },
      }),
    ).toEqual(['public']);
  });

  it('accepts Principal "*" with aws:PrincipalAccount or a specific aws:PrincipalArn', () => {
    for (const condition of [
      { StringEquals: { 'aws:PrincipalAccount': '111122223333' } },
      { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/ci' } },
    ]) {
      expect(
        kinds({
          Statement: { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: condition },
        }),
      ).toEqual([]);
    }
  });

  it('flags Allow with NotPrincipal as public', () => {
    const trust = {
      Statement: {
        Effect: 'Allow',
        NotPrincipal: { AWS: 'arn:aws:iam::111122223333:user/mallory' },
        Action: 'sts:AssumeRole',
      },
    };
    const analysis = analyseTrust(doc(trust), SELF);
    expect(analysis.statements[0]?.notPrincipal).toBe(true);
    expect(analysis.weaknesses.map((w) => w.kind)).toEqual(['public']);
  });

  it('flags a cross-account vendor with ExternalId until the account is declared', () => {
    const analysis = analyseTrust(doc(authoredText('cross-account-external-id')), SELF);
    expect(analysis.weaknesses).toEqual([
      {
        kind: 'unknown-account',
        statement: 'VendorAudit',
        detail:
          'statement VendorAudit trusts arn:aws:iam::444455556666:root in account 444455556666, which is neither this account (111122223333) nor a known account (an sts:ExternalId condition is present: declare a vendor account in the baseline)',
      },
    ]);
    expect(
      kinds(authoredText('cross-account-external-id'), {
        selfAccount: '111122223333',
        knownAccounts: ['444455556666'],
      }),
    ).toEqual([]);
  });

  it('classifies bare account ids, role ARNs and unique ids, and reads an unknown self account conservatively', () => {
    const trust = {
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: ['111122223333', 'arn:aws:iam::111122223333:role/ci', 'AROAEXAMPLEID'] },
        Action: 'sts:AssumeRole',
      },
    };
    const analysis = analyseTrust(doc(trust), { selfAccount: null, knownAccounts: [] });
    expect(analysis.statements[0]?.principals).toEqual([
      { kind: 'account', value: '111122223333', account: '111122223333' },
      { kind: 'arn', value: 'arn:aws:iam::111122223333:role/ci', account: '111122223333' },
      { kind: 'arn', value: 'AROAEXAMPLEID' },
    ]);
    expect(analysis.weaknesses.map((w) => w.detail)).toEqual([
      'statement #0 trusts 111122223333 in account 111122223333, which is not a known account (the role account is unknown)',
      'statement #0 trusts arn:aws:iam::111122223333:role/ci in account 111122223333, which is not a known account (the role account is unknown)',
    ]);
  });

  it('ignores statements that do not allow an assume action, and Deny statements', () => {
    expect(
      kinds({
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:TagSession' },
          { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' },
        ],
      }),
    ).toEqual([]);
  });
});

describe('analyseTrust: GitHub OIDC', () => {
  it('accepts a trust pinned to a repository branch and environment', () => {
    const analysis = analyseTrust(doc(authoredText('github-oidc-pinned')), SELF);
    expect(analysis.weaknesses).toEqual([]);
    expect(analysis.statements[0]).toMatchObject({
      id: 'GitHubDeploy',
      principals: [{ kind: 'federated-oidc', value: GH_ARN, account: '111122223333' }],
      actions: ['sts:AssumeRoleWithWebIdentity'],
      oidc: {
        provider: GH,
        subjects: ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/api:environment:production'],
        audiences: ['sts.amazonaws.com'],
        subOperator: 'StringEquals',
      },
    });
  });

  it('flags a trust without a sub condition', () => {
    const analysis = analyseTrust(doc(authoredText('github-oidc-no-sub')), SELF);
    expect(analysis.weaknesses).toEqual([
      {
        kind: 'oidc-no-sub',
        statement: '#0',
        detail: `statement #0 trusts ${GH} with no allow-list condition on ${GH}:sub, so any subject the provider issues (any repository, project or workload) can assume the role`,
      },
    ]);
  });

  it('flags a trust without an aud condition', () => {
    expect(
      kinds(githubTrust({ StringEquals: { [`${GH}:sub`]: 'repo:example-org/api:ref:refs/heads/main' } })),
    ).toEqual(['oidc-no-aud']);
  });

  it('flags an org-wide sub wildcard', () => {
    const analysis = analyseTrust(doc(authoredText('github-oidc-org-wildcard')), SELF);
    expect(analysis.weaknesses).toEqual([
      {
        kind: 'sub-wildcard',
        statement: '#0',
        detail: `statement #0 allows ${GH} subject pattern "repo:example-org/*" (StringLike), whose wildcard spans repositories of example-org`,
      },
    ]);
  });

  it('flags a wildcard over every ref and context of one repository', () => {
    const analysis = analyseTrust(doc(authoredText('github-oidc-any-ref')), SELF);
    expect(analysis.weaknesses.map((w) => w.kind)).toEqual(['sub-wildcard']);
    expect(analysis.weaknesses[0]?.detail).toContain('spans contexts');
  });

  it('never reads StringEquals values as wildcards', () => {
    expect(
      kinds(
        githubTrust({
          StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: 'repo:example-org/*' },
        }),
      ),
    ).toEqual([]);
  });

  it('matches condition keys case-insensitively and reads ForAnyValue:StringLike', () => {
    const analysis = analyseTrust(
      doc(
        githubTrust({
          StringEquals: { 'Token.Actions.GithubUserContent.com:AUD': 'sts.amazonaws.com' },
          'ForAnyValue:StringLike': { 'token.actions.githubusercontent.com:SUB': ['repo:*'] },
        }),
      ),
      SELF,
    );
    expect(analysis.statements[0]?.oidc).toEqual({
      provider: GH,
      subjects: ['repo:*'],
      audiences: ['sts.amazonaws.com'],
      subOperator: 'ForAnyValue:StringLike',
    });
    expect(analysis.weaknesses.map((w) => w.detail)).toEqual([
      `statement #0 allows ${GH} subject pattern "repo:*" (ForAnyValue:StringLike), whose wildcard spans organisations`,
    ]);
  });

  it('treats a negated sub condition as no sub condition', () => {
    const analysis = analyseTrust(
      doc(
        githubTrust({
          StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' },
          StringNotLike: { [`${GH}:sub`]: 'repo:example-org/api:pull_request' },
        }),
      ),
      SELF,
    );
    expect(analysis.weaknesses.map((w) => w.kind)).toEqual(['oidc-no-sub']);
    expect(analysis.weaknesses[0]?.detail).toContain('only an exclusion (negated) condition on');
  });

  it('parses every fixture variant the same: object, raw JSON, URL-encoded', () => {
    const text = authoredText('github-oidc-org-wildcard');
    const fromObject = analyseTrust(doc(JSON.parse(text)), SELF);
    expect(analyseTrust(doc(text), SELF)).toEqual(fromObject);
    expect(analyseTrust(doc(encodeURIComponent(text)), SELF)).toEqual(fromObject);
  });

  it('escapes control characters of attacker-written Sids and patterns in details', () => {
    const trust = {
      Statement: {
        Sid: 'x\ny',
        Effect: 'Allow',
        Principal: { Federated: GH_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' },
          StringLike: { [`${GH}:sub`]: 'repo:*\n<!here>' },
        },
      },
    };
    const [weakness] = analyseTrust(doc(trust), SELF).weaknesses;
    expect(weakness?.statement).toBe('x\ny');
    expect(weakness?.detail).not.toContain('\n');
    expect(weakness?.detail).toContain('statement x\\u000ay allows');
  });
});

describe('analyseTrust: other providers', () => {
  it('accepts an EKS IRSA trust pinned to one service account', () => {
    const analysis = analyseTrust(doc(authoredText('eks-irsa')), SELF);
    expect(analysis.weaknesses).toEqual([]);
    expect(analysis.statements[0]?.oidc).toEqual({
      provider: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      subjects: ['system:serviceaccount:payments:api'],
      audiences: ['sts.amazonaws.com'],
      subOperator: 'StringEquals',
    });
  });

  it('flags an EKS trust open to every service account of a namespace', () => {
    const text = authoredText('eks-irsa')
      .replace('"StringEquals"', '"StringLike"')
      .replace('payments:api', 'payments:*');
    const analysis = analyseTrust(doc(text), SELF);
    expect(analysis.weaknesses.map((w) => w.detail)).toEqual([
      'statement #0 allows oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE subject pattern "system:serviceaccount:payments:*" (StringLike), whose wildcard spans service accounts of namespace payments',
    ]);
  });

  it('requires aud but not sub for Cognito identity pools', () => {
    const trust = (condition: Record<string, unknown>) => ({
      Statement: {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    });
    expect(
      kinds(trust({ StringEquals: { 'cognito-identity.amazonaws.com:aud': 'eu-west-1:example-pool-id' } })),
    ).toEqual([]);
    expect(kinds(trust({}))).toEqual(['oidc-no-aud']);
  });

  it('flags a SAML trust without SAML:aud', () => {
    const saml = 'arn:aws:iam::111122223333:saml-provider/ExampleIdP';
    const base = { Effect: 'Allow', Principal: { Federated: saml }, Action: 'sts:AssumeRoleWithSAML' };
    expect(kinds({ Statement: base })).toEqual(['saml-no-aud']);
    expect(
      kinds({
        Statement: {
          ...base,
          Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
        },
      }),
    ).toEqual([]);
  });
});

describe('subjectWildcardSpan', () => {
  it.each([
    ['*', 'every subject of the provider'],
    ['repo:*', 'organisations'],
    ['repo:*/api:ref:refs/heads/main', 'organisations'],
    ['repo:example-org/*', 'repositories of example-org'],
    ['repo:example-org/api-*:ref:refs/heads/main', 'repositories of example-org'],
    ['repo:example-org/*:ref:refs/heads/main', 'repositories of example-org'],
    [
      'repo:example-org/api:*',
      'contexts (any claim after this point: branch, tag, environment or pull request)',
    ],
    ['repo:example-org/api:ref:refs/heads/*', 'refs (any branch or tag)'],
    ['repo:example-org/api:ref:refs/tags/*', 'refs (any branch or tag)'],
    ['repo:example-org/api:environment:*', 'environments'],
    [
      'repo:example-org/api:environment:prod:job_workflow_ref:example-org/api/.github/workflows/deploy.yml@*',
      'refs of the workflow (any branch or tag)',
    ],
    ['project_path:example-group/*:ref_type:branch:ref:main', 'projects of example-group'],
    ['project_path:example-group/app:ref_type:branch:ref:*', 'refs (any branch or tag)'],
    [
      'project_path:example-group/app:ref_type:*',
      'contexts (any claim after this point: branch, tag, environment or pull request)',
    ],
    ['organization:example-org:project:*:workspace:*:run_phase:*', 'projects'],
    ['system:serviceaccount:*', 'Kubernetes namespaces'],
    ['org/*/project/abc/user/*', 'organisations'],
  ])('%s spans %s', (pattern, span) => {
    expect(subjectWildcardSpan(pattern)).toBe(span);
  });

  it.each([
    'repo:example-org/api:ref:refs/heads/main',
    'repo:example-org/api:ref:refs/heads/release/*',
    'repo:example-org/api:environment:prod-*',
    'organization:example-org:project:Default:workspace:api:run_phase:*',
    'org/0b4e/project/5a1c/user/*',
    'system:serviceaccount:payments:api',
  ])('%s stays within one repository and ref family', (pattern) => {
    expect(subjectWildcardSpan(pattern)).toBeNull();
  });
});
