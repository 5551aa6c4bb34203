import { describe, expect, it } from 'vitest';
import { analysePolicy, isWideResource } from '../../shared/core/policy/analyse.js';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import type { PolicyDocument } from '../../shared/core/policy/types.js';
import { authoredText, recordDocument } from './fixtures.js';

function doc(input: unknown): PolicyDocument {
  const parsed = parsePolicyDocument(input);
  if (!parsed) throw new Error('fixture did not parse');
  return parsed;
}

function methods(input: unknown): string[] {
  return analysePolicy(doc(input)).escalation.map((g) => g.method);
}

describe('analysePolicy', () => {
  it('flags the Stratus GetFederationToken policy (Action * on *) as admin-equivalent', () => {
    const analysis = analysePolicy(doc(recordDocument('stratus-federation-token.allow-all')));

    expect(analysis.adminEquivalent).toBe(true);
    expect(analysis.iamAdmin).toBe(true);
    expect(analysis.reasons[0]).toBe('statement #0 allows every action on *');
    expect(analysis.escalation).toContainEqual({
      action: 'iam:CreatePolicyVersion',
      resource: '*',
      statement: '#0',
      method: 'CreateNewPolicyVersion',
    });
  });

  it('treats *:* like *', () => {
    const analysis = analysePolicy(doc({ Statement: { Effect: 'Allow', Action: '*:*', Resource: '*' } }));
    expect(analysis.adminEquivalent).toBe(true);
  });

  it('finds nothing to escalate in the deny-only quarantine policies', () => {
    for (const name of ['panther-compromised-key-quarantine.deny', 'panther-test-user-deny-all']) {
      const analysis = analysePolicy(doc(recordDocument(name)));
      expect(analysis).toMatchObject({ adminEquivalent: false, iamAdmin: false, escalation: [] });
    }
  });

  it('reads iam:* on * as IAM admin, not full admin', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          { Sid: 'Iam', Effect: 'Allow', Action: ['iam:*', 'organizations:Describe*'], Resource: '*' },
        ],
      }),
    );
    expect(analysis.adminEquivalent).toBe(false);
    expect(analysis.iamAdmin).toBe(true);
    expect(analysis.reasons).toContain('statement Iam allows every IAM action (iam:*) on *');
    expect(analysis.escalation.map((g) => g.action)).toContain('iam:AttachUserPolicy');
  });

  it('reads NotAction with a short exclusion list that leaves IAM writes as admin-equivalent', () => {
    const analysis = analysePolicy(
      doc({ Statement: { Effect: 'Allow', NotAction: 's3:DeleteBucket', Resource: '*' } }),
    );
    expect(analysis.adminEquivalent).toBe(true);
    expect(analysis.reasons[0]).toMatch(
      /allows every action except 1 NotAction pattern\(s\) on \*, including iam:/,
    );
  });

  it('reads a PowerUserAccess-shaped NotAction (IAM excluded) as neither admin nor IAM admin', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
          { Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole', 'iam:ListRoles'], Resource: '*' },
        ],
      }),
    );
    expect(analysis.adminEquivalent).toBe(false);
    expect(analysis.iamAdmin).toBe(false);
    expect(analysis.reasons[0]).toContain('IAM writes are excluded (power-user access)');
    // No PassRole combos (iam:* is excluded); what remains are grants outside IAM.
    expect(analysis.escalation.map((g) => g.action)).toEqual(['sts:AssumeRole', 'glue:UpdateDevEndpoint']);
  });

  it('lists each single-action escalation grant on wide resources, with its statement', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          {
            Sid: 'Versions',
            Effect: 'Allow',
            Action: 'iam:CreatePolicyVersion',
            Resource: 'arn:aws:iam::*:policy/*',
          },
          {
            Sid: 'Keys',
            Effect: 'Allow',
            Action: 'iam:CreateAccessKey',
            Resource: 'arn:aws:iam::111122223333:user/*',
          },
          { Sid: 'Assume', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
          {
            Sid: 'Groups',
            Effect: 'Allow',
            Action: 'iam:AddUserToGroup',
            Resource: 'arn:aws:iam::111122223333:group/admins',
          },
        ],
      }),
    );
    expect(analysis.adminEquivalent).toBe(false);
    expect(analysis.escalation).toEqual([
      {
        action: 'iam:CreatePolicyVersion',
        resource: 'arn:aws:iam::*:policy/*',
        statement: 'Versions',
        method: 'CreateNewPolicyVersion',
      },
      {
        action: 'iam:CreateAccessKey',
        resource: 'arn:aws:iam::111122223333:user/*',
        statement: 'Keys',
        method: 'CreateAccessKey',
      },
      { action: 'sts:AssumeRole', resource: '*', statement: 'Assume', method: 'AssumeAnyRole' },
    ]);
  });

  it('matches wildcard actions against escalation actions (iam:Put*, iam:*Policy)', () => {
    expect(methods({ Statement: { Effect: 'Allow', Action: 'iam:Put*', Resource: '*' } })).toEqual([
      'PutUserPolicy',
      'PutGroupPolicy',
      'PutRolePolicy',
    ]);
    expect(methods({ Statement: { Effect: 'Allow', Action: 'iam:Attach*Policy', Resource: '*' } })).toEqual([
      'AttachUserPolicy',
      'AttachGroupPolicy',
      'AttachRolePolicy',
    ]);
  });

  it('reports iam:PassRole on every role combined with lambda:CreateFunction', () => {
    const analysis = analysePolicy(doc(authoredText('deploy-policy-passrole-lambda')));
    expect(analysis.escalation).toContainEqual({
      action: 'iam:PassRole',
      resource: 'arn:aws:iam::111122223333:role/*',
      statement: 'PassAnyRole',
      method: 'PassAnyRole',
    });
    expect(analysis.escalation).toContainEqual({
      action: 'iam:PassRole + lambda:CreateFunction',
      resource: 'arn:aws:iam::111122223333:role/*',
      statement: 'PassAnyRole, ManageFunctions',
      method: 'PassExistingRoleToNewLambda',
    });
    expect(analysis.escalation.map((g) => g.method)).toContain('EditExistingLambdaFunctionWithRole');
  });

  it.each([
    [['ec2:RunInstances'], 'CreateEC2WithExistingInstanceProfile'],
    [['cloudformation:CreateStack'], 'PassExistingRoleToNewCloudFormation'],
    [['glue:CreateDevEndpoint'], 'PassExistingRoleToNewGlueDevEndpoint'],
    [
      ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
      'PassExistingRoleToNewDataPipeline',
    ],
  ])('reports PassRole + %s', (actions, method) => {
    const policy = { Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', ...actions], Resource: '*' }] };
    expect(methods(policy)).toContain(method);
    // Without PassRole the service action alone is not an escalation.
    expect(methods({ Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] })).toEqual([]);
  });

  it('does not flag a scoped deploy policy (named role, own access keys, one function family)', () => {
    const analysis = analysePolicy(doc(authoredText('deploy-policy-scoped')));
    expect(analysis).toMatchObject({ adminEquivalent: false, iamAdmin: false, escalation: [] });
  });

  it('lets an unconditional Deny cancel a grant and says so', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          { Sid: 'Pass', Effect: 'Allow', Action: ['iam:PassRole', 'iam:CreateAccessKey'], Resource: '*' },
          { Sid: 'NoPass', Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' },
        ],
      }),
    );
    expect(analysis.escalation.map((g) => g.action)).toEqual(['iam:CreateAccessKey']);
    expect(analysis.reasons).toContain(
      'statement NoPass denies iam:PassRole on *, cancelling the grant in statement Pass',
    );
  });

  it('keeps a grant a conditional Deny might cancel (conservative) and mentions it', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
          {
            Effect: 'Deny',
            Action: 'iam:PassRole',
            Resource: '*',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
          },
        ],
      }),
    );
    expect(analysis.escalation.map((g) => g.action)).toEqual(['iam:PassRole']);
    expect(analysis.reasons.at(-1)).toBe(
      'statement #1 is a conditional Deny; it was not taken to cancel any grant (conservative)',
    );
  });

  it('is not admin-equivalent when an unconditional Deny removes every IAM self-grant', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
        ],
      }),
    );
    expect(analysis.adminEquivalent).toBe(false);
    expect(analysis.escalation.map((g) => g.action)).not.toContain('iam:PassRole');
  });

  it('notes conditions on an admin grant and skips statements that name a principal', () => {
    const analysis = analysePolicy(
      doc({
        Statement: [
          {
            Effect: 'Allow',
            Action: '*',
            Resource: '*',
            Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
          },
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        ],
      }),
    );
    expect(analysis.adminEquivalent).toBe(true);
    expect(analysis.reasons).toEqual([
      'statement #1 names a principal: it is a resource or trust statement, not analysed here',
      'statement #0 allows every action on * (only when its condition on aws:RequestedRegion holds)',
    ]);
  });

  it('does not read a trust policy as an escalation', () => {
    const analysis = analysePolicy(doc(recordDocument('stratus-backdoor-role.update-assume-role-policy')));
    expect(analysis.escalation).toEqual([]);
  });
});

describe('isWideResource', () => {
  it.each([
    ['*', true],
    ['arn:aws:iam::*:role/*', true],
    ['arn:aws:iam::111122223333:user/admins/*', true],
    ['arn:aws:iam::111122223333:*', true],
    ['arn:aws:*:*:*:*', true],
    ['arn:aws:iam::111122223333:role/app-*', false],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template
    ['arn:aws:iam::111122223333:user/${aws:username}', false],
    ['arn:aws:iam::111122223333:role/deploy', false],
  ])('%s → %s', (pattern, expected) => {
    expect(isWideResource(pattern)).toBe(expected);
  });
});
