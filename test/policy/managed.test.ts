import { describe, expect, it } from 'vitest';
import { managedPolicyRisk } from '../../shared/core/policy/managed.js';

describe('managedPolicyRisk', () => {
  it('rates the AdministratorAccess ARN from the Stratus and Panther AttachRolePolicy records as admin', () => {
    expect(managedPolicyRisk('arn:aws:iam::aws:policy/AdministratorAccess')).toEqual({
      level: 'admin',
      name: 'AdministratorAccess',
    });
  });

  it.each([
    ['arn:aws:iam::aws:policy/IAMFullAccess', 'iam-admin'],
    ['arn:aws:iam::aws:policy/PowerUserAccess', 'power-user'],
    ['arn:aws:iam::aws:policy/AWSLambda_FullAccess', 'escalation'],
    ['arn:aws-us-gov:iam::aws:policy/AdministratorAccess', 'admin'],
    ['arn:aws-cn:iam::aws:policy/IAMFullAccess', 'iam-admin'],
    ['arn:aws:iam::aws:policy/administratoraccess', 'admin'],
  ])('%s → %s', (arn, level) => {
    expect(managedPolicyRisk(arn)?.level).toBe(level);
  });

  it.each([
    // A customer policy that borrows the name: its risk is in its document, not its name.
    'arn:aws:iam::111122223333:policy/AdministratorAccess',
    // Paths are part of the identity.
    'arn:aws:iam::aws:policy/job-function/AdministratorAccess',
    'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
    'arn:aws:iam::aws:policy/AdministratorAccessX',
    'AdministratorAccess',
    '',
  ])('returns null for %s', (arn) => {
    expect(managedPolicyRisk(arn)).toBeNull();
  });
});
