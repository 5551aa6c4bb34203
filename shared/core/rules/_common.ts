/** Event lists and helpers shared by several rules. */
import type { BaselineIdentity } from '../baseline/types.js';
import { isServiceEvent } from '../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { Severity } from '../severity.js';

export const IAM = 'iam.amazonaws.com';
export const STS = 'sts.amazonaws.com';

/** IAM calls that change what an identity may do (DESIGN.md, policy-modified). */
export const POLICY_EDIT_EVENTS = [
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutGroupPolicy',
  'DeleteGroupPolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'CreatePolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
  'AddUserToGroup',
] as const;

/** A successful OIDC role assumption. */
export function isOidcAssumption(e: NormalisedEvent): boolean {
  return e.eventName === 'AssumeRoleWithWebIdentity' && e.success;
}

/** Production and break-glass identities raise severities. */
export function isSensitive(entry: BaselineIdentity | null): boolean {
  return entry?.environment === 'production' || entry?.kind === 'break-glass';
}

export function isAutomation(entry: BaselineIdentity | null): boolean {
  return entry?.kind === 'ci' || entry?.kind === 'workload' || entry?.kind === 'iac';
}

/** Display name of an identity for reasons: the last ARN segment, else the ARN. */
export function shortName(arn: string | null | undefined): string {
  if (!arn) return 'unknown identity';
  const i = arn.lastIndexOf('/');
  return i >= 0 ? arn.slice(i + 1) : arn;
}

/** Who did it, for reasons: role/user ARN, OIDC subject, or account. */
export function actorLabel(e: NormalisedEvent): string {
  if (e.actor.type === 'Root') return `root of account ${e.actor.accountId ?? e.account}`;
  return e.actor.arn ?? e.actor.sessionArn ?? e.actor.subject ?? e.actor.accountId ?? e.actor.type;
}

export function raiseIf(cond: boolean, base: Severity, raised: Severity): Severity {
  return cond ? raised : base;
}

/** True for calls made by AWS on its own (service events), which no person or workload made. */
export function bySomeone(e: NormalisedEvent): boolean {
  return !isServiceEvent(e) && e.actor.type !== 'AWSService';
}
