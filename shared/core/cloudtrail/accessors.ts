/**
 * Field paths of CloudTrail records that rules read, in one place. Each accessor is total:
 * wrong types give null, never an exception.
 */
import { nstr, path, str } from './fields.js';
import type { NormalisedEvent } from './types.js';

/** A policy document as submitted (raw JSON string in requestParameters) — decoding is the policy module's job. */
export function submittedPolicyDocument(e: NormalisedEvent): unknown {
  return e.requestParameters?.policyDocument ?? null;
}

/** The trust policy a call sets: UpdateAssumeRolePolicy's policyDocument or CreateRole's assumeRolePolicyDocument. */
export function submittedTrustPolicy(e: NormalisedEvent): unknown {
  if (e.eventName === 'UpdateAssumeRolePolicy') return e.requestParameters?.policyDocument ?? null;
  if (e.eventName === 'CreateRole') {
    return (
      e.requestParameters?.assumeRolePolicyDocument ??
      path(e.responseElements, 'role', 'assumeRolePolicyDocument') ??
      null
    );
  }
  return null;
}

export function policyArn(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.policyArn) ?? nstr(path(e.responseElements, 'policy', 'arn'));
}

export function policyName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.policyName) ?? nstr(path(e.responseElements, 'policy', 'policyName'));
}

/** The user an access key belongs to: the response names it even when the request omits userName (self-service). */
export function accessKeyOwner(e: NormalisedEvent): string | null {
  return nstr(path(e.responseElements, 'accessKey', 'userName')) ?? nstr(e.requestParameters?.userName);
}

export function accessKeyId(e: NormalisedEvent): string | null {
  return nstr(path(e.responseElements, 'accessKey', 'accessKeyId')) ?? nstr(e.requestParameters?.accessKeyId);
}

/** UpdateAccessKey's new status ("Active" / "Inactive"). */
export function accessKeyStatus(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.status);
}

/** ConsoleLogin: additionalEventData.MFAUsed is "Yes", "No" or "YES" — compared case-insensitively. */
export function consoleMfaUsed(e: NormalisedEvent): boolean | null {
  const v = str(e.additionalEventData?.MFAUsed);
  if (v === null) return null;
  return v.toLowerCase() === 'yes';
}

/** Events AWS itself emits (no caller): never attributed to a person. */
export function isServiceEvent(e: NormalisedEvent): boolean {
  return e.eventType === 'AwsServiceEvent';
}

export function isRoot(e: NormalisedEvent): boolean {
  return e.actor.type === 'Root';
}

/** The IAM user name a call is made by, when the caller is an IAM user. */
export function callerUserName(e: NormalisedEvent): string | null {
  return e.actor.type === 'IAMUser' ? e.actor.userName : null;
}

/** The principal that called AssumeRole/AssumeRoleWithSAML: an ARN (role for sessions) or, cross-account, the account id. */
export function assumeCaller(e: NormalisedEvent): string | null {
  if (e.eventName === 'AssumeRoleWithSAML') {
    return (
      nstr(e.requestParameters?.principalArn) ??
      nstr(e.raw.userIdentity && path(e.raw, 'userIdentity', 'identityProvider'))
    );
  }
  return e.actor.arn ?? e.actor.accountId;
}

/** The IAM group an AddUserToGroup call targets. */
export function groupName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.groupName);
}

/** The session an assumption created (`arn:aws:sts::A:assumed-role/ROLE/SESSION`), from the response. */
export function assumedSessionArn(e: NormalisedEvent): string | null {
  return nstr(path(e.responseElements, 'assumedRoleUser', 'arn'));
}
