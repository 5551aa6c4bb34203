/** Event lists and helpers shared by several rules. */
export { isServiceLinkedRole } from '../arn.js';

import type { BaselineIdentity } from '../baseline/types.js';
import { isServiceEvent } from '../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import { shown } from '../policy/display.js';

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

/** True for calls made by AWS on its own (service events), which no person or workload made. */
export function bySomeone(e: NormalisedEvent): boolean {
  return !isServiceEvent(e) && e.actor.type !== 'AWSService';
}

/** An EC2 instance id as the EC2 service names instance-profile sessions (`i-` and 8 or 17 hex digits). */
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * True when a role session is named like an EC2 instance id: EC2 names instance-profile sessions so, and
 * such credentials belong to a machine (stolen from the instance metadata service when used elsewhere).
 * The session name is caller-chosen, so this may only make an alert louder, never quieter.
 */
export function instanceSession(e: NormalisedEvent): boolean {
  return e.actor.type === 'AssumedRole' && INSTANCE_ID.test(e.actor.sessionName ?? '');
}

export const SIGNIN = 'signin.amazonaws.com';
export const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
export const EVENTS = 'events.amazonaws.com';
export const GUARDDUTY = 'guardduty.amazonaws.com';
export const ROLES_ANYWHERE = 'rolesanywhere.amazonaws.com';
/** IAM Identity Center (permission sets, account assignments, directory association). */
export const SSO = 'sso.amazonaws.com';
/** IAM Identity Center's directory (identity store, external IdP configuration). */
export const SSO_DIRECTORY = 'sso-directory.amazonaws.com';
/** IAM Identity Center OIDC (device authorization, tokens): the `sso-oauth` namespace. */
export const SSO_OAUTH = 'sso-oauth.amazonaws.com';

/** Baselined kinds that are automation: they run without a person at the keyboard. */
export function isMachine(entry: BaselineIdentity | null): boolean {
  return (
    entry?.kind === 'ci' || entry?.kind === 'workload' || entry?.kind === 'iac' || entry?.kind === 'vendor'
  );
}

/** AWS's compromised-key quarantine policies (`AWSCompromisedKeyQuarantine`, `…V2`, `…V3`), by name or ARN. */
export const QUARANTINE_POLICY = /(^|:policy\/)AWSCompromisedKeyQuarantine(V\d+)?$/;

/** The call attaches or puts one of AWS's compromised-key quarantine policies on a user (access-key-exposed). */
export function isKeyQuarantine(e: NormalisedEvent): boolean {
  const req = e.requestParameters;
  if (e.eventName === 'AttachUserPolicy') return QUARANTINE_POLICY.test(String(req?.policyArn ?? ''));
  if (e.eventName === 'PutUserPolicy') return QUARANTINE_POLICY.test(String(req?.policyName ?? ''));
  return false;
}

/** The STS calls that start a role session. */
export const ASSUME_ROLE_EVENTS = ['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML'] as const;

/** A successful AssumeRole, AssumeRoleWithWebIdentity or AssumeRoleWithSAML. */
export function isSuccessfulAssumption(e: NormalisedEvent): boolean {
  return e.success && (ASSUME_ROLE_EVENTS as readonly string[]).includes(e.eventName);
}

/** The event's UTC calendar date (YYYY-MM-DD), or null when the record had no usable time. */
export function eventDate(e: NormalisedEvent): string | null {
  const ms = e.eventTimeMs;
  if (!(ms > 0)) return null;
  // Events come roughly in time order: the last day's text is reused (one entry, a pure function of the day).
  const day = Math.floor(ms / 86_400_000);
  if (day === lastDay) return lastDayText;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  lastDay = day;
  lastDayText = d.toISOString().slice(0, 10);
  return lastDayText;
}
let lastDay = Number.NaN;
let lastDayText = '';

/** Whole days from `fromDate` to `toDate` (both YYYY-MM-DD, UTC); null when either does not parse. */
export function daysBetween(fromDate: string, toDate: string): number | null {
  const a = Date.parse(`${fromDate}T00:00:00Z`);
  const b = Date.parse(`${toDate}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.round((b - a) / 86_400_000);
}

/** Untrusted text quoted inside a reason: control characters escaped, long values cut (renderers escape markup). */
export function quoted(value: string | null | undefined, fallback = '(none)'): string {
  if (value === null || value === undefined || value === '') return fallback;
  return shown(value);
}
