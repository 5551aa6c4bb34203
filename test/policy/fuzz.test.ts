import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analysePolicy } from '../../shared/core/policy/analyse.js';
import { diffTrust } from '../../shared/core/policy/diff.js';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import { managedPolicyRisk } from '../../shared/core/policy/managed.js';
import { analyseTrust, subjectWildcardSpan } from '../../shared/core/policy/trust.js';

const word = fc.constantFrom(
  '*',
  '*:*',
  'iam:*',
  'iam:Put*',
  'iam:*Policy',
  'iam:PassRole',
  'sts:AssumeRole',
  'sts:AssumeRoleWithWebIdentity',
  'lambda:CreateFunction',
  'arn:aws:iam::111122223333:root',
  'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
  'arn:aws:iam::111122223333:saml-provider/idp',
  'arn:aws:iam::*:role/*',
  'token.actions.githubusercontent.com:sub',
  'token.actions.githubusercontent.com:aud',
  'aws:PrincipalOrgID',
  'repo:example-org/*',
  'repo:*:ref:refs/heads/*',
  'system:serviceaccount:*',
  'cognito-identity.amazonaws.com',
  '444455556666',
);
const text = fc.oneof(word, fc.string({ maxLength: 12 }));
const strings = fc.oneof(text, fc.array(text, { maxLength: 3 }));
const principal = fc.oneof(
  fc.constant('*'),
  fc.record(
    { AWS: strings, Service: strings, Federated: strings, CanonicalUser: strings },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const operator = fc.constantFrom(
  'StringEquals',
  'StringLike',
  'StringNotLike',
  'ForAnyValue:StringLike',
  'ForAllValues:StringEquals',
  'StringEqualsIfExists',
  'ArnLike',
  'Bool',
  'weird:Operator:Name',
);
const condition = fc.dictionary(
  operator,
  fc.dictionary(text, fc.oneof(strings, fc.integer(), fc.boolean()), { maxKeys: 3 }),
  { maxKeys: 3 },
);
const statement = fc.record(
  {
    Sid: fc.oneof(text, fc.integer()),
    Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
    Action: strings,
    NotAction: strings,
    Resource: strings,
    NotResource: strings,
    Principal: principal,
    NotPrincipal: principal,
    Condition: condition,
  },
  { requiredKeys: ['Effect'] },
);
const policyLike = fc.record(
  {
    Version: fc.constantFrom('2012-10-17', '2008-10-17'),
    Statement: fc.oneof(statement, fc.array(statement, { maxLength: 4 })),
  },
  { requiredKeys: ['Statement'] },
);

const opts = { selfAccount: '111122223333', knownAccounts: ['444455556666'] };
const baseline = {
  callers: ['arn:aws:iam::111122223333:role/*', '**'],
  oidc: [{ provider: 'token.actions.githubusercontent.com', subjects: ['repo:example-org/**', '*'] }],
};

describe('policy analysis never throws', () => {
  it('parsePolicyDocument on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const doc = parsePolicyDocument(value);
        expect(doc === null || Array.isArray(doc.statements)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parsePolicyDocument on arbitrary strings, JSON texts and URL-encoded JSON texts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.json().map(encodeURIComponent)), (value) => {
        parsePolicyDocument(value);
      }),
      { numRuns: 500 },
    );
  });

  it('every analysis on policy-shaped documents, in every encoding', () => {
    fc.assert(
      fc.property(policyLike, policyLike, (rawA, rawB) => {
        const textA = JSON.stringify(rawA);
        const a = parsePolicyDocument(rawA);
        expect(parsePolicyDocument(textA)).toEqual(a);
        expect(parsePolicyDocument(encodeURIComponent(textA))).toEqual(a);
        const b = parsePolicyDocument(rawB);
        if (a) {
          const analysis = analysePolicy(a);
          if (analysis.adminEquivalent) expect(analysis.iamAdmin).toBe(true);
          analyseTrust(a, opts);
          analyseTrust(a, { selfAccount: null, knownAccounts: [] });
          diffTrust(null, a);
          diffTrust(b, a, baseline);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('subjectWildcardSpan and managedPolicyRisk on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (value) => {
        subjectWildcardSpan(value);
        managedPolicyRisk(value);
        managedPolicyRisk(`arn:aws:iam::aws:policy/${value}`);
      }),
      { numRuns: 300 },
    );
  });

  it('produces some parsed documents (the generator is not vacuous)', () => {
    const samples = fc.sample(policyLike, { numRuns: 200, seed: 7 });
    const parsed = samples.filter((s) => parsePolicyDocument(s) !== null);
    expect(parsed.length).toBeGreaterThan(20);
  });
});

describe('hostile sizes', () => {
  it('handles a very long subject and principal without throwing', () => {
    const long = `repo:${'a'.repeat(200_000)}*`;
    const trust = parsePolicyDocument({
      Statement: {
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
          AWS: long,
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': long } },
      },
    });
    expect(trust).not.toBeNull();
    if (!trust) return;
    expect(analyseTrust(trust, opts).weaknesses.map((w) => w.kind)).toContain('sub-wildcard');
    expect(diffTrust(null, trust, baseline).length).toBeGreaterThan(0);
  });
});
