import { describe, expect, it } from 'vitest';
import { actionMatches, resourceMatches, statementAllows } from '../../shared/core/policy/actions.js';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import { baselineCovers } from '../../shared/core/policy/glob.js';
import type { PolicyStatement } from '../../shared/core/policy/types.js';

function statement(raw: Record<string, unknown>): PolicyStatement {
  const doc = parsePolicyDocument({ Statement: [raw] });
  if (!doc?.statements[0]) throw new Error('fixture statement did not parse');
  return doc.statements[0];
}

describe('actionMatches', () => {
  it.each([
    ['*', 'iam:CreateUser', true],
    ['*:*', 'iam:CreateUser', true],
    ['iam:*', 'iam:CreateUser', true],
    ['iam:*', 's3:GetObject', false],
    ['IAM:put*', 'iam:PutRolePolicy', true],
    ['iam:Put*', 'iam:AttachRolePolicy', false],
    ['iam:*Policy', 'iam:AttachUserPolicy', true],
    ['iam:*Policy', 'iam:AttachUserPolicyX', false],
    ['iam:*Policy', 'iam:PutRolePermissionsBoundary', false],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:GetObjject', false],
    ['iam:PassRole', 'IAM:PASSROLE', true],
    ['iam:*', 'iam:*', true],
    ['iam:Put*', 'iam:*', false],
  ])('%s matches %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe('resourceMatches', () => {
  it('is case-sensitive and treats the queried resource literally', () => {
    expect(resourceMatches('arn:aws:iam::*:role/*', 'arn:aws:iam::111122223333:role/deploy')).toBe(true);
    expect(resourceMatches('arn:aws:iam::*:role/Deploy', 'arn:aws:iam::111122223333:role/deploy')).toBe(
      false,
    );
    expect(resourceMatches('*', '*')).toBe(true);
    expect(resourceMatches('arn:aws:iam::*:role/*', '*')).toBe(false);
  });
});

describe('statementAllows', () => {
  it('honours NotAction', () => {
    const s = statement({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' });
    expect(statementAllows(s, 'ec2:RunInstances')).toBe(true);
    expect(statementAllows(s, 'iam:PassRole')).toBe(false);
  });

  it('honours NotResource', () => {
    const s = statement({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      NotResource: 'arn:aws:iam::*:role/admin',
    });
    expect(statementAllows(s, 'iam:PassRole', 'arn:aws:iam::111122223333:role/app')).toBe(true);
    expect(statementAllows(s, 'iam:PassRole', 'arn:aws:iam::111122223333:role/admin')).toBe(false);
    expect(statementAllows(s, 'iam:PassRole')).toBe(true);
  });

  it('checks every resource by default and only Allow statements', () => {
    const scoped = statement({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' });
    expect(statementAllows(scoped, 'iam:PassRole')).toBe(false);
    expect(statementAllows(scoped, 'iam:PassRole', 'arn:aws:iam::1:role/x')).toBe(true);
    const deny = statement({ Effect: 'Deny', Action: '*', Resource: '*' });
    expect(statementAllows(deny, 'iam:PassRole')).toBe(false);
  });

  it('applies a statement without Resource (trust policies) to any resource', () => {
    const trust = statement({
      Effect: 'Allow',
      Principal: { Service: 'ec2.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    expect(statementAllows(trust, 'sts:AssumeRole')).toBe(true);
    expect(statementAllows(trust, 'sts:AssumeRoleWithWebIdentity')).toBe(false);
  });
});

describe('baselineCovers (baseline pattern contains IAM pattern; both IAM wildcards since v0.2)', () => {
  it.each([
    ['repo:o/r:ref:refs/heads/*', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/r:ref:refs/heads/*', 'repo:o/r:pull_request', false],
    // v0.2: a baseline `*` spans ":" like IAM's (was false)
    ['repo:o/*', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/**', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/**', 'repo:o/*', true],
    ['repo:o/r:*', 'repo:o/r:*', true],
    ['repo:o/r:**', 'repo:o/r:*', true],
    ['repo:o/r:ref:*', 'repo:o/r:*', false],
    ['repo:o/r:?', 'repo:o/r:?', true],
    ['repo:o/r:?', 'repo:o/r:*', false],
    ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::111122223333:role/ci-runner', true],
    // ARNs part by part (ArnLike): the sixth part is the rest, colons included
    ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::111122223333:role/ci-a:b', true],
    ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::*:role/ci-*', true],
    ['arn:aws:iam::1111*:role/x', 'arn:aws:iam::*:role/x', false],
    ['*', '*', true],
    ['**', '*', true],
  ])('%s covers %s: %s', (baseline, pattern, expected) => {
    expect(baselineCovers(baseline, pattern)).toBe(expected);
  });
});
