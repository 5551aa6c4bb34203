import { describe, expect, it } from 'vitest';
import { diffTrust, type TrustBaseline } from '../../shared/core/policy/diff.js';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import type { PolicyDocument } from '../../shared/core/policy/types.js';
import { authoredText, recordDocument } from './fixtures.js';

const GH = 'token.actions.githubusercontent.com';

function doc(input: unknown): PolicyDocument {
  const parsed = parsePolicyDocument(input);
  if (!parsed) throw new Error('fixture did not parse');
  return parsed;
}

describe('diffTrust against the previous document', () => {
  it('reports the external account the Stratus backdoor adds to an ec2 trust', () => {
    // Prepare: the Panther ec2-only trust stands for the role's trust before the backdoor.
    const before = doc(recordDocument('panther-backdoor-role.ec2-service'));
    const after = doc(recordDocument('stratus-backdoor-role.update-assume-role-policy'));

    // Act
    const changes = diffTrust(before, after);

    // Assess
    expect(changes).toEqual([
      {
        statement: '#1',
        adds: 'principal',
        value: 'arn:aws:iam::193672423079:root',
        detail:
          'statement #1 adds principal arn:aws:iam::193672423079:root, not in the previous trust policy',
      },
    ]);
  });

  it('reports nothing for an identical document, and treats an account id and its root ARN alike', () => {
    const after = doc(recordDocument('stratus-create-backdoor-role.request'));
    expect(diffTrust(doc(recordDocument('stratus-create-backdoor-role.response-urlencoded')), after)).toEqual(
      [],
    );
    const bare = doc({
      Statement: { Effect: 'Allow', Principal: { AWS: '193672423079' }, Action: 'sts:AssumeRole' },
    });
    expect(diffTrust(bare, after)).toEqual([]);
  });

  it('reports a widened subject and a dropped sub condition', () => {
    const pinned = doc(authoredText('github-oidc-pinned'));
    expect(diffTrust(pinned, doc(authoredText('github-oidc-org-wildcard')))).toEqual([
      {
        statement: '#0',
        adds: 'subject',
        value: 'repo:example-org/*',
        detail: 'statement #0 adds subject repo:example-org/*, not in the previous trust policy',
      },
    ]);
    expect(diffTrust(pinned, doc(authoredText('github-oidc-no-sub')))).toEqual([
      {
        statement: '#0',
        adds: 'subject',
        value: '*',
        detail:
          'statement #0 adds subject any subject (no sub condition), while the previous trust policy restricted subjects',
      },
    ]);
  });

  it('reports a new provider once, not each of its subjects', () => {
    const changes = diffTrust(
      doc(recordDocument('panther-backdoor-role.ec2-service')),
      doc(authoredText('eks-irsa')),
    );
    expect(changes).toEqual([
      {
        statement: '#0',
        adds: 'provider',
        value: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
        detail:
          'statement #0 adds provider oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE, not in the previous trust policy',
      },
    ]);
  });
});

describe('diffTrust against the baseline', () => {
  const baseline: TrustBaseline = {
    callers: ['arn:aws:iam::111122223333:role/ci-*', 'arn:aws:iam::*:role/audit'],
    oidc: [
      {
        provider: GH,
        subjects: ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:environment:production'],
      },
    ],
  };

  it("names a principal that no caller glob matches (the brief's example)", () => {
    const trust = doc({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:role/ci-runner' },
          Action: 'sts:AssumeRole',
        },
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(diffTrust(null, trust, baseline)).toEqual([
      {
        statement: '#1',
        adds: 'principal',
        value: 'arn:aws:iam::999988887777:root',
        detail:
          "statement #1 adds principal arn:aws:iam::999988887777:root, not among the baseline's callers",
      },
    ]);
  });

  // v0.2: callers are ArnLike, so a `*` in the resource part spans its ":" (v0.1 needed `**`).
  it('matches caller patterns part by part, like ArnLike', () => {
    const audit = doc({
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::444455556666:role/audit' },
        Action: 'sts:AssumeRole',
      },
    });
    expect(diffTrust(null, audit, baseline)).toEqual([]);
    const nested = doc({
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/ci-x:y' },
        Action: 'sts:AssumeRole',
      },
    });
    expect(diffTrust(null, nested, baseline)).toEqual([]);
    expect(
      diffTrust(null, nested, { ...baseline, callers: ['arn:aws:iam::111122223333:role/ci-runner'] }),
    ).toHaveLength(1);
  });

  // v0.2: `*` is IAM's "anything" (v0.1 needed `**`).
  it('covers "*" only with a "*" caller', () => {
    const star = doc(recordDocument('panther-backdoor-role.principal-star-external-id'));
    expect(
      diffTrust(null, star, { callers: ['arn:aws:iam::*:role/x'], oidc: [] }).map((c) => c.value),
    ).toEqual(['*']);
    expect(diffTrust(null, star, { callers: ['*'], oidc: [] })).toEqual([]);
    expect(diffTrust(null, star, { callers: ['**'], oidc: [] })).toEqual([]);
  });

  it('accepts subjects equal to or provably inside baseline subjects', () => {
    expect(diffTrust(null, doc(authoredText('github-oidc-pinned')), baseline)).toEqual([]);
  });

  it('reports subjects wider than the baseline, including an IAM * that could span ":"', () => {
    const changes = diffTrust(null, doc(authoredText('github-oidc-any-ref')), {
      callers: [],
      oidc: [{ provider: GH, subjects: ['repo:example-org/api:ref:*'] }],
    });
    expect(changes).toEqual([
      {
        statement: '#0',
        adds: 'subject',
        value: 'repo:example-org/api:*',
        detail: `statement #0 adds subject repo:example-org/api:*, not covered by the baseline's subjects for ${GH}`,
      },
    ]);
  });

  it('treats an equal subject string as covered', () => {
    const changes = diffTrust(null, doc(authoredText('github-oidc-any-ref')), {
      callers: [],
      oidc: [{ provider: GH, subjects: ['repo:example-org/api:*'] }],
    });
    expect(changes).toEqual([]);
  });

  it('reports a provider the baseline does not declare, and an unrestricted subject where it does', () => {
    expect(diffTrust(null, doc(authoredText('eks-irsa')), baseline).map((c) => c.detail)).toEqual([
      "statement #0 adds provider oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE, not among the baseline's OIDC providers",
    ]);
    expect(diffTrust(null, doc(authoredText('github-oidc-no-sub')), baseline).map((c) => c.detail)).toEqual([
      'statement #0 adds subject any subject (no sub condition), while the baseline allows 2 subject pattern(s)',
    ]);
  });

  it('matches a baseline provider written as the host of an EKS issuer', () => {
    const changes = diffTrust(null, doc(authoredText('eks-irsa')), {
      callers: [],
      oidc: [
        { provider: 'oidc.eks.eu-west-1.amazonaws.com', subjects: ['system:serviceaccount:payments:*'] },
      ],
    });
    expect(changes).toEqual([]);
  });

  it('compares service principals with callers only when the baseline lists callers', () => {
    const ec2 = doc(recordDocument('panther-backdoor-role.ec2-service'));
    expect(diffTrust(null, ec2, { callers: [], oidc: [] })).toEqual([]);
    expect(diffTrust(null, ec2, baseline).map((c) => c.value)).toEqual(['ec2.amazonaws.com']);
  });

  it('combines both comparisons in one change', () => {
    const changes = diffTrust(
      doc(recordDocument('panther-backdoor-role.ec2-service')),
      doc(recordDocument('stratus-backdoor-role.update-assume-role-policy')),
      { callers: ['ec2.amazonaws.com'], oidc: [] },
    );
    expect(changes.map((c) => c.detail)).toEqual([
      "statement #1 adds principal arn:aws:iam::193672423079:root, not in the previous trust policy and not among the baseline's callers",
    ]);
  });
});
