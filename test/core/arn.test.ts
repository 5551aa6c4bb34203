import { describe, expect, it } from 'vitest';
import {
  awsManagedPolicyName,
  identityKeyOf,
  identityKeyString,
  isServiceLinkedRole,
  PARTITION,
  parseArn,
  parseIdentityArn,
  parseOidcProviderArn,
  parsePrincipal,
  resourceName,
  roleArnFromSession,
  sameIdentity,
  sessionToRoleArn,
} from '../../shared/core/arn.js';

const A = '111122223333';

describe('parseIdentityArn', () => {
  it.each([
    [
      'role without a path',
      `arn:aws:iam::${A}:role/Deploy`,
      { kind: 'role', partition: 'aws', account: A, path: '/', name: 'Deploy' },
    ],
    [
      'role with a path',
      `arn:aws:iam::${A}:role/ci/github/Deploy`,
      { kind: 'role', partition: 'aws', account: A, path: '/ci/github/', name: 'Deploy' },
    ],
    [
      'user in aws-cn',
      `arn:aws-cn:iam::${A}:user/division/alice`,
      { kind: 'user', partition: 'aws-cn', account: A, path: '/division/', name: 'alice' },
    ],
    [
      'user in aws-us-gov',
      `arn:aws-us-gov:iam::${A}:user/bob@example.com`,
      { kind: 'user', partition: 'aws-us-gov', account: A, path: '/', name: 'bob@example.com' },
    ],
    ['root', `arn:aws:iam::${A}:root`, { kind: 'root', partition: 'aws', account: A }],
    [
      'assumed-role session',
      `arn:aws:sts::${A}:assumed-role/Deploy/gha-123`,
      { kind: 'assumed-role', partition: 'aws', account: A, role: 'Deploy', session: 'gha-123' },
    ],
    [
      'assumed-role session whose name holds "/" (Identity Center user names)',
      `arn:aws-us-gov:sts::${A}:assumed-role/AWSReservedSSO_Admin_0123/a/b@example.com`,
      {
        kind: 'assumed-role',
        partition: 'aws-us-gov',
        account: A,
        role: 'AWSReservedSSO_Admin_0123',
        session: 'a/b@example.com',
      },
    ],
    [
      'federated user',
      `arn:aws:sts::${A}:federated-user/carol`,
      { kind: 'federated-user', partition: 'aws', account: A, name: 'carol' },
    ],
    [
      'baseline wildcard account',
      'arn:aws:iam::*:role/Deploy',
      { kind: 'role', partition: 'aws', account: '*', path: '/', name: 'Deploy' },
    ],
  ])('%s', (_label, arn, want) => {
    expect(parseIdentityArn(arn)).toEqual(want);
  });

  it.each([
    ['not an ARN', 'Deploy'],
    ['too few fields', 'arn:aws:iam::role/x'],
    ['a region in an IAM ARN', `arn:aws:iam:us-east-1:${A}:role/x`],
    ['another service', `arn:aws:s3:::bucket/key`],
    ['group (not an identity)', `arn:aws:iam::${A}:group/admins`],
    ['empty role name', `arn:aws:iam::${A}:role/path/`],
    ['role with nothing after', `arn:aws:iam::${A}:role`],
    ['session ARN without the session part', `arn:aws:sts::${A}:assumed-role/Deploy`],
    ['session ARN without a role', `arn:aws:sts::${A}:assumed-role//s`],
    ['empty federated-user name', `arn:aws:sts::${A}:federated-user/`],
    ['empty string', ''],
  ])('%s → null', (_label, arn) => {
    expect(parseIdentityArn(arn)).toBeNull();
  });

  it('never throws on non-strings', () => {
    for (const v of [null, undefined, 42, {}, [], true] as unknown[]) {
      expect(parseIdentityArn(v as string)).toBeNull();
      expect(parseArn(v as string)).toBeNull();
      expect(parsePrincipal(v as string)).toBeNull();
      expect(identityKeyOf(v as string)).toBeNull();
      expect(roleArnFromSession(v as string)).toBeNull();
      expect(isServiceLinkedRole(v as string)).toBe(false);
    }
  });
});

describe('parsePrincipal', () => {
  it.each([
    ['lambda.amazonaws.com', { kind: 'service', service: 'lambda.amazonaws.com' }],
    ['ec2.amazonaws.com.cn', { kind: 'service', service: 'ec2.amazonaws.com.cn' }],
    [A, { kind: 'account', account: A }],
    [`arn:aws:iam::${A}:root`, { kind: 'root', partition: 'aws', account: A }],
  ])('%s', (value, want) => {
    expect(parsePrincipal(value)).toEqual(want);
  });

  it.each([
    '*',
    '11112222333',
    'amazonaws.com',
    'cognito-identity.amazonaws.com.evil',
    'arn:aws:iam::1:group/g',
  ])('%s → null', (value) => {
    expect(parsePrincipal(value)).toBeNull();
  });
});

describe('identity keys', () => {
  it.each([
    [`arn:aws:iam::${A}:role/a/b/Name`, { partition: 'aws', account: A, type: 'role', name: 'name' }],
    [
      `arn:aws:sts::${A}:assumed-role/Name/sess`,
      { partition: 'aws', account: A, type: 'role', name: 'name' },
    ],
    [`arn:aws-cn:iam::${A}:user/Alice`, { partition: 'aws-cn', account: A, type: 'user', name: 'alice' }],
    [`arn:aws:iam::${A}:root`, null],
    [`arn:aws:sts::${A}:federated-user/x`, null],
    ['garbage', null],
  ])('identityKeyOf(%s)', (arn, want) => {
    expect(identityKeyOf(arn)).toEqual(want);
  });

  it('ignores the path and the case of the name, not the partition or account', () => {
    expect(sameIdentity(`arn:aws:iam::${A}:role/DEPLOY`, `arn:aws:iam::${A}:role/ci/deploy`)).toBe(true);
    expect(sameIdentity('arn:aws:iam::*:role/deploy', `arn:aws:sts::${A}:assumed-role/Deploy/s`)).toBe(true);
    expect(sameIdentity(`arn:aws:iam::${A}:role/deploy`, `arn:aws-cn:iam::${A}:role/deploy`)).toBe(false);
    expect(sameIdentity(`arn:aws:iam::${A}:role/deploy`, `arn:aws:iam::444455556666:role/deploy`)).toBe(
      false,
    );
    expect(sameIdentity(`arn:aws:iam::${A}:role/deploy`, `arn:aws:iam::${A}:user/deploy`)).toBe(false);
  });

  it('identityKeyString joins every field', () => {
    expect(identityKeyString({ partition: 'aws', account: A, type: 'user', name: 'alice' })).toBe(
      `aws:${A}:user:alice`,
    );
  });
});

describe('session → role', () => {
  it.each([
    [`arn:aws:sts::${A}:assumed-role/Deploy/s`, `arn:aws:iam::${A}:role/Deploy`],
    [`arn:aws-cn:sts::${A}:assumed-role/Deploy/a/b`, `arn:aws-cn:iam::${A}:role/Deploy`],
    [`arn:aws:iam::${A}:role/Deploy`, null],
    [`arn:aws:sts::${A}:federated-user/x`, null],
  ])('roleArnFromSession(%s)', (arn, want) => {
    expect(roleArnFromSession(arn)).toBe(want);
  });

  it('sessionToRoleArn trims and leaves other strings as they are', () => {
    expect(sessionToRoleArn(` arn:aws:sts::${A}:assumed-role/R/s `)).toBe(`arn:aws:iam::${A}:role/R`);
    expect(sessionToRoleArn(` arn:aws:iam::${A}:user/u`)).toBe(`arn:aws:iam::${A}:user/u`);
  });
});

describe('helpers', () => {
  it('parseArn keeps colons in the resource', () => {
    expect(parseArn('arn:aws:logs:us-east-1:111122223333:log-group:/x:*')).toEqual({
      partition: 'aws',
      service: 'logs',
      region: 'us-east-1',
      account: A,
      resource: 'log-group:/x:*',
    });
  });

  it('resourceName is the last path segment', () => {
    expect(resourceName(`arn:aws:iam::${A}:role/a/b/Name`)).toBe('Name');
    expect(resourceName(`arn:aws:iam::${A}:role/`)).toBeNull();
    expect(resourceName('Name')).toBeNull();
  });

  it('isServiceLinkedRole reads the path', () => {
    expect(
      isServiceLinkedRole(`arn:aws:iam::${A}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO`),
    ).toBe(true);
    expect(isServiceLinkedRole(`arn:aws:iam::${A}:role/aws-service-role`)).toBe(false);
    expect(isServiceLinkedRole(`arn:aws:sts::${A}:assumed-role/AWSServiceRoleForSSO/s`)).toBe(false);
  });

  it.each([
    ['aws', true],
    ['aws-cn', true],
    ['aws-us-gov', true],
    ['aws-iso-b', true],
    ['', false],
    ['gcp', false],
    ['AWS', false],
  ])('PARTITION %s', (p, ok) => {
    expect(PARTITION.test(p)).toBe(ok);
  });
});

describe('policy and provider ARNs', () => {
  it.each([
    ['arn:aws:iam::aws:policy/AdministratorAccess', 'AdministratorAccess'],
    ['arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess', 'job-function/ViewOnlyAccess'],
    ['arn:aws-cn:iam::aws:policy/AWSDenyAll', 'AWSDenyAll'],
    [`arn:aws:iam::${A}:policy/AdministratorAccess`, null],
    ['AdministratorAccess', null],
    ['arn:aws:iam::aws:policy/', null],
  ])('awsManagedPolicyName(%s)', (arn, want) => {
    expect(awsManagedPolicyName(arn)).toBe(want);
  });

  it.each([
    [
      `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`,
      { partition: 'aws', account: A, host: 'token.actions.githubusercontent.com' },
    ],
    [
      `arn:aws-cn:iam::${A}:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC`,
      { partition: 'aws-cn', account: A, host: 'oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC' },
    ],
    [`arn:aws:iam::${A}:oidc-provider/`, null],
    [`arn:aws:iam::${A}:saml-provider/x`, null],
    ['token.actions.githubusercontent.com', null],
  ])('parseOidcProviderArn(%s)', (arn, want) => {
    expect(parseOidcProviderArn(arn)).toEqual(want);
  });
});
