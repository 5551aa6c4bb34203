import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import {
  createdRoleTrustPolicy,
  permissionsBoundaryArn,
  policyVersionSetAsDefault,
} from '../../shared/core/cloudtrail/accessors.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import type { RuleContext, RuleHit } from '../../shared/core/detection/rule.js';
import { ruleById } from '../../shared/core/rules/index.js';

const ACCOUNT = '111122223333';

const BASELINE = `
version: 1
accounts:
  "444455556666": { name: staging }
identities:
  - arn: arn:aws:iam::${ACCOUNT}:role/gha-deploy
    kind: ci
    owner: platform-security
    purpose: deploy the api service
    review_after: 2099-01-01
    oidc:
      - provider: token.actions.githubusercontent.com
        subjects: ["repo:example-org/api:ref:refs/heads/main"]
    callers: ["arn:aws:iam::${ACCOUNT}:role/ci-runner"]
  - arn: arn:aws:iam::${ACCOUNT}:role/batch-worker
    kind: workload
    owner: data
    purpose: nightly batch
    review_after: 2099-01-01
  - arn: arn:aws:iam::${ACCOUNT}:role/vendor-audit
    kind: vendor
    owner: security
    purpose: third-party audit
    review_after: 2099-01-01
  - arn: arn:aws:iam::*:role/terraform-apply
    kind: iac
    owner: platform
    purpose: terraform apply
    review_after: 2099-01-01
  - arn: arn:aws:iam::${ACCOUNT}:user/alice
    kind: human
    owner: alice
    purpose: engineer
    review_after: 2099-01-01
`;

const parsed = parseBaseline(BASELINE, 'policy-rules.yaml');
if (!parsed.baseline) throw new Error(`test baseline invalid: ${JSON.stringify(parsed.issues)}`);
const view = buildIndex(parsed.baseline);

type Identity = Record<string, unknown>;

function roleSession(role: string, path = ''): Identity {
  return {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:session',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: `arn:aws:iam::${ACCOUNT}:role/${path}${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
    },
  };
}

function iamUser(name: string, account = ACCOUNT): Identity {
  return {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    userName: name,
  };
}

/** A CloudTrail IAM record (shape of the Stratus detonation records) with documentation values. */
function event(
  eventName: string,
  requestParameters: Record<string, unknown> | null,
  userIdentity: Identity = iamUser('dev-bob'),
  extra: Record<string, unknown> = {},
): NormalisedEvent {
  const n = normaliseRecord({
    eventVersion: '1.09',
    eventID: `00000000-0000-4000-8000-${eventName.length.toString().padStart(12, '0')}`,
    eventName,
    eventSource: 'iam.amazonaws.com',
    eventTime: '2026-11-20T08:00:00Z',
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    recipientAccountId: ACCOUNT,
    sourceIPAddress: '192.0.2.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements: null,
    userIdentity,
    ...extra,
  });
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

function ctxOf(e: NormalisedEvent): RuleContext {
  const target = e.target && (e.target.type === 'role' || e.target.type === 'user') ? e.target.arn : null;
  return { baseline: view, target: view.lookup(target), actor: view.lookup(e.actor.arn) };
}

function run(id: string, e: NormalisedEvent): RuleHit | null {
  const rule = ruleById(id);
  if (!rule) throw new Error(`rule ${id} not registered`);
  const out = rule.evaluate(e, ctxOf(e));
  expect(Array.isArray(out)).toBe(false);
  return out as RuleHit | null;
}

const doc = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const authored = (name: string): string =>
  readFileSync(new URL(`../fixtures/policies/authored/${name}.json`, import.meta.url), 'utf8');

describe('accessors for the policy rules', () => {
  it('reads the CreateRole response trust, setAsDefault and the boundary ARN; wrong types give null', () => {
    const created = event('CreateRole', { roleName: 'r' }, iamUser('dev-bob'), {
      responseElements: { role: { assumeRolePolicyDocument: '%7B%7D' } },
    });
    expect(createdRoleTrustPolicy(created)).toBe('%7B%7D');
    expect(createdRoleTrustPolicy(event('UpdateAssumeRolePolicy', { roleName: 'r' }))).toBeNull();
    expect(policyVersionSetAsDefault(event('CreatePolicyVersion', { setAsDefault: true }))).toBe(true);
    expect(policyVersionSetAsDefault(event('CreatePolicyVersion', { setAsDefault: 'yes' }))).toBeNull();
    expect(
      permissionsBoundaryArn(event('PutRolePermissionsBoundary', { permissionsBoundary: 'arn:x' })),
    ).toBe('arn:x');
    expect(
      permissionsBoundaryArn(event('PutRolePermissionsBoundary', { permissionsBoundary: 7 })),
    ).toBeNull();
  });
});

describe('privilege-escalation', () => {
  it('IAMFullAccess is IAM admin: critical, and the reason says why', () => {
    const hit = run(
      'privilege-escalation',
      event('AttachRolePolicy', { roleName: 'app', policyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' }),
    );
    expect(hit?.severity).toBe('critical');
    expect(hit?.reasons.join('\n')).toMatch(/IAMFullAccess grants every IAM action \(iam:\*\)/);
  });

  it('a customer policy ARN alone is not judged (its document is not in the record)', () => {
    const e = event('AttachUserPolicy', {
      userName: 'carol',
      policyArn: `arn:aws:iam::${ACCOUNT}:policy/Admin`,
    });
    expect(run('privilege-escalation', e)).toBeNull();
  });

  it('reasons name the policy and the statements that grant sts:AssumeRole on *', () => {
    const e = event('PutUserPolicy', {
      userName: 'carol',
      policyName: 'hop',
      policyDocument: doc([{ Sid: 'AnyRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
    });
    const reasons = run('privilege-escalation', e)?.reasons.join('\n') ?? '';
    expect(reasons).toContain('policy hop grants 1 privilege-escalation path(s)');
    expect(reasons).toContain('statement AnyRole allows sts:AssumeRole on *');
  });

  it('iam:* on * in an inline group policy is IAM admin', () => {
    const e = event('PutGroupPolicy', {
      groupName: 'devs',
      policyName: 'iam-all',
      policyDocument: doc([{ Sid: 'Iam', Effect: 'Allow', Action: 'iam:*', Resource: '*' }]),
    });
    expect(run('privilege-escalation', e)?.reasons.join('\n')).toMatch(
      /grants every IAM action on every resource[\s\S]*statement Iam/,
    );
  });

  it('a scoped inline policy does not fire', () => {
    const e = event('PutRolePolicy', {
      roleName: 'api',
      policyName: 'deploy',
      policyDocument: authored('deploy-policy-scoped'),
    });
    expect(run('privilege-escalation', e)).toBeNull();
  });

  it('CreatePolicy with an admin document fires and says nobody holds it yet', () => {
    const e = event('CreatePolicy', {
      policyName: 'break-glass-copy',
      policyDocument: doc([{ Effect: 'Allow', Action: '*:*', Resource: '*' }]),
    });
    const hit = run('privilege-escalation', e);
    expect(hit?.reasons.join('\n')).toMatch(
      /break-glass-copy is admin-equivalent[\s\S]*attached to no one yet/,
    );
  });

  it('CreatePolicyVersion that is not the default says it takes effect only when promoted', () => {
    const e = event('CreatePolicyVersion', {
      policyArn: `arn:aws:iam::${ACCOUNT}:policy/app`,
      setAsDefault: false,
      policyDocument: doc([{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }]),
    });
    expect(run('privilege-escalation', e)?.reasons.join('\n')).toContain('was not set as default');
  });

  it('a self-edit is detected through role paths and case, but not across accounts', () => {
    const pathed = event(
      'PutRolePolicy',
      {
        roleName: 'App-Runner',
        policyName: 'p',
        policyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]),
      },
      roleSession('app-runner', 'service/'),
    );
    expect(run('privilege-escalation', pathed)?.reasons.join('\n')).toContain('changed its own permissions');
    const otherAccount = event(
      'AttachUserPolicy',
      { userName: 'dev-bob', policyArn: 'arn:aws:iam::444455556666:policy/x' },
      iamUser('dev-bob', '444455556666'),
    );
    expect(run('privilege-escalation', otherAccount)).toBeNull();
  });

  it('a deny-only policy put on oneself narrows (AWS quarantine), an unreadable one is counted', () => {
    const denyOnly = event('PutUserPolicy', {
      userName: 'dev-bob',
      policyName: 'quarantine',
      policyDocument: doc([{ Effect: 'Deny', Action: '*', Resource: '*' }]),
    });
    expect(run('privilege-escalation', denyOnly)).toBeNull();
    const unreadable = event('PutUserPolicy', {
      userName: 'dev-bob',
      policyName: 'x',
      policyDocument: '{not json',
    });
    expect(run('privilege-escalation', unreadable)?.reasons.join('\n')).toContain(
      'user dev-bob changed its own',
    );
  });

  it('removing the key-leak quarantine or a boundary from oneself fires; removing it from another does not', () => {
    const quarantine = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2';
    const selfDetach = event('DetachUserPolicy', { userName: 'dev-bob', policyArn: quarantine });
    expect(run('privilege-escalation', selfDetach)?.reasons.join('\n')).toContain(
      'removed the deny-only policy',
    );
    const otherDetach = event('DetachUserPolicy', { userName: 'carol', policyArn: quarantine });
    expect(run('privilege-escalation', otherDetach)).toBeNull();
    const attachQuarantine = event('AttachUserPolicy', { userName: 'dev-bob', policyArn: quarantine });
    expect(run('privilege-escalation', attachQuarantine)).toBeNull();
    const boundary = event(
      'DeleteRolePermissionsBoundary',
      { roleName: 'app-runner' },
      roleSession('app-runner'),
    );
    expect(run('privilege-escalation', boundary)?.reasons.join('\n')).toContain(
      'its own permissions boundary',
    );
  });

  it('ci, workload and vendor identities writing IAM fire; iac and human ones do not', () => {
    const write = (actor: Identity) =>
      run(
        'privilege-escalation',
        event('DetachRolePolicy', { roleName: 'api', policyArn: `arn:aws:iam::${ACCOUNT}:policy/p` }, actor),
      );
    for (const role of ['gha-deploy', 'batch-worker', 'vendor-audit']) {
      expect(write(roleSession(role))?.reasons.join('\n'), role).toMatch(/only iac identities are expected/);
    }
    expect(write(roleSession('terraform-apply'))).toBeNull();
    expect(write(iamUser('alice'))).toBeNull();
  });

  it('service events and failed calls never fire', () => {
    const admin = { userName: 'carol', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' };
    expect(
      run(
        'privilege-escalation',
        event('AttachUserPolicy', admin, iamUser('dev-bob'), { eventType: 'AwsServiceEvent' }),
      ),
    ).toBeNull();
    expect(
      run(
        'privilege-escalation',
        event('AttachUserPolicy', admin, iamUser('dev-bob'), { errorCode: 'AccessDenied' }),
      ),
    ).toBeNull();
  });

  it('dedupes per target and actor', () => {
    const admin = { policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' };
    const a = run('privilege-escalation', event('AttachUserPolicy', { ...admin, userName: 'carol' }));
    const b = run('privilege-escalation', event('AttachUserPolicy', { ...admin, userName: 'dan' }));
    expect(a?.dedupeKey).toBe(`arn:aws:iam::${ACCOUNT}:user/carol|arn:aws:iam::${ACCOUNT}:user/dev-bob`);
    expect(b?.dedupeKey).not.toBe(a?.dedupeKey);
  });
});

describe('trust-policy-modified', () => {
  it('medium for an unknown role, listing whom the new trust names', () => {
    const hit = run(
      'trust-policy-modified',
      event('UpdateAssumeRolePolicy', { roleName: 'app', policyDocument: authored('eks-irsa') }),
    );
    expect(hit?.severity).toBe('medium');
    expect(hit?.reasons[1]).toMatch(
      /^statement #0 trusts OIDC provider .*oidc\.eks.* for subject\(s\) system:serviceaccount:payments:api$/,
    );
  });

  it('high for a baselined role; names the statement adding a provider and an account', () => {
    const trust = doc([
      {
        Sid: 'Runner',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ci-runner` },
        Action: 'sts:AssumeRole',
      },
      {
        Sid: 'Gitlab',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'gitlab.com:sub': 'project_path:example-org/api:ref_type:branch:ref:main',
            'gitlab.com:aud': 'https://gitlab.com',
          },
        },
      },
      { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: '999988887777' }, Action: 'sts:AssumeRole' },
    ]);
    const hit = run(
      'trust-policy-modified',
      event('UpdateAssumeRolePolicy', { roleName: 'gha-deploy', policyDocument: trust }),
    );
    expect(hit?.severity).toBe('high');
    const reasons = hit?.reasons.slice(1) ?? [];
    expect(reasons.some((r) => r.includes('statement Gitlab adds provider gitlab.com'))).toBe(true);
    expect(reasons.some((r) => r.includes('statement Partner adds principal 999988887777'))).toBe(true);
    // The listed caller is covered by the baseline: not reported.
    expect(reasons.some((r) => r.includes('Runner'))).toBe(false);
  });

  it('falls back to the URL-encoded response copy of CreateRole', () => {
    const encoded = encodeURIComponent(
      doc([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    );
    const e = event('CreateRole', { roleName: 'fn', assumeRolePolicyDocument: 42 }, iamUser('dev-bob'), {
      responseElements: { role: { assumeRolePolicyDocument: encoded } },
    });
    expect(run('trust-policy-modified', e)?.reasons[1]).toBe(
      'statement #0 trusts service lambda.amazonaws.com',
    );
  });
});

describe('trust-policy-weak', () => {
  it('one hit per event listing every weakness', () => {
    const trust = doc([
      { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
      {
        Sid: 'Gha',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
      {
        Sid: 'Far',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::999988887777:role/x' },
        Action: 'sts:AssumeRole',
      },
    ]);
    const hit = run(
      'trust-policy-weak',
      event('UpdateAssumeRolePolicy', { roleName: 'app', policyDocument: trust }),
    );
    expect(hit?.severity).toBe('critical');
    expect(hit?.reasons[0]).toContain('weak (oidc-no-aud, oidc-no-sub, public, unknown-account)');
    expect(hit?.reasons).toHaveLength(5);
    expect(hit?.dedupeKey).toBe(
      `arn:aws:iam::${ACCOUNT}:role/app|oidc-no-aud,oidc-no-sub,public,unknown-account`,
    );
  });

  it("the event's own account and the baseline's accounts are trusted; others are not", () => {
    const trusting = (account: string) =>
      event('CreateRole', {
        roleName: 'x',
        assumeRolePolicyDocument: doc([
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ]),
      });
    expect(run('trust-policy-weak', trusting(ACCOUNT))).toBeNull();
    expect(run('trust-policy-weak', trusting('444455556666'))).toBeNull();
    expect(run('trust-policy-weak', trusting('999988887777'))?.reasons[1]).toContain('account 999988887777');
  });

  it('a ref wildcard on a pinned repository is weak; a release-branch wildcard is not', () => {
    const oidc = (sub: string) =>
      event('UpdateAssumeRolePolicy', {
        roleName: 'app',
        policyDocument: doc([
          {
            Effect: 'Allow',
            Principal: {
              Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
            },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              StringLike: { 'token.actions.githubusercontent.com:sub': sub },
            },
          },
        ]),
      });
    expect(run('trust-policy-weak', oidc('repo:example-org/api:*'))?.reasons[0]).toContain('(sub-wildcard)');
    expect(run('trust-policy-weak', oidc('repo:example-org/api:ref:refs/heads/release/*'))).toBeNull();
  });

  it('an unreadable document or a failed call raises nothing', () => {
    expect(
      run('trust-policy-weak', event('UpdateAssumeRolePolicy', { roleName: 'app', policyDocument: '%%%' })),
    ).toBeNull();
    const open = doc([{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }]);
    const failed = event(
      'UpdateAssumeRolePolicy',
      { roleName: 'app', policyDocument: open },
      iamUser('dev-bob'),
      {
        errorCode: 'AccessDenied',
      },
    );
    expect(run('trust-policy-weak', failed)).toBeNull();
  });
});
