/**
 * Field paths of CloudTrail records that rules read, in one place. Each accessor is total:
 * wrong types give null, never an exception.
 */
import { iamArn, parseArn, resourceName } from '../arn.js';
import { bool, nstr, path, str } from './fields.js';
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

/** ConsoleLogin through a SAML identity provider (`additionalEventData.SamlProviderArn`): MFA is the IdP's job. */
export function consoleSamlProvider(e: NormalisedEvent): string | null {
  return nstr(e.additionalEventData?.SamlProviderArn);
}

/** The user whose console password Create/UpdateLoginProfile sets; null when the caller acts on itself. */
export function loginProfileUser(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.userName) ?? nstr(path(e.responseElements, 'loginProfile', 'userName'));
}

/** Create/UpdateLoginProfile's `passwordResetRequired` (request, else response); null when not recorded. */
export function passwordResetRequired(e: NormalisedEvent): boolean | null {
  return (
    bool(e.requestParameters?.passwordResetRequired) ??
    bool(path(e.responseElements, 'loginProfile', 'passwordResetRequired'))
  );
}

/** DeactivateMFADevice / DeleteVirtualMFADevice: the device (`arn:aws:iam::A:mfa/NAME`, or a hardware serial). */
export function mfaSerialNumber(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.serialNumber);
}

/** DeactivateMFADevice: the user the device is taken from; null when the caller acts on itself. */
export function mfaDeviceUser(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.userName);
}

/** The trail a CloudTrail call names: `name` (Stop/Start/Delete/UpdateTrail) or `trailName` (Put*EventSelectors). */
export function trailName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.name) ?? nstr(e.requestParameters?.trailName);
}

/** PutEventSelectors' basic selectors as submitted (untrusted; an array when present). */
export function eventSelectors(e: NormalisedEvent): unknown[] | null {
  const v = e.requestParameters?.eventSelectors;
  return Array.isArray(v) ? v : null;
}

/** PutEventSelectors' (or PutAdvancedEventSelectors') advanced selectors as submitted (untrusted). */
export function advancedEventSelectors(e: NormalisedEvent): unknown[] | null {
  const v = e.requestParameters?.advancedEventSelectors;
  return Array.isArray(v) ? v : null;
}

/** The EventBridge rule a DisableRule/DeleteRule (`name`) or RemoveTargets (`rule`) call acts on. */
export function eventBridgeRuleName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.name) ?? nstr(e.requestParameters?.rule);
}

/** GuardDuty detector id of DeleteDetector / UpdateDetector. */
export function guardDutyDetectorId(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.detectorId);
}

/** GuardDuty UpdateDetector's `enable` flag; null when the call does not set it. */
export function guardDutyDetectorEnable(e: NormalisedEvent): boolean | null {
  return bool(e.requestParameters?.enable);
}

/** GetFederationToken: the federated user name the caller chose (attacker-controlled). */
export function federatedUserName(e: NormalisedEvent): string | null {
  return (
    nstr(e.requestParameters?.name) ?? nstr(path(e.responseElements, 'federatedUser', 'federatedUserId'))
  );
}

/** GetFederationToken: the inline session policy as submitted (raw JSON string), if any. */
export function federationSessionPolicy(e: NormalisedEvent): unknown {
  return e.requestParameters?.policy ?? null;
}

/**
 * The identity provider or Roles Anywhere resource a call changes: an OIDC/SAML provider ARN, an OIDC provider
 * URL (create), a SAML provider name (create), a trust anchor / profile ARN or id, or a CRL id.
 */
export function identityProviderRef(e: NormalisedEvent): string | null {
  const req = e.requestParameters;
  const res = e.responseElements;
  return (
    nstr(req?.openIDConnectProviderArn) ??
    nstr(req?.sAMLProviderArn) ??
    nstr(res?.openIDConnectProviderArn) ??
    nstr(res?.sAMLProviderArn) ??
    nstr(path(res, 'trustAnchor', 'trustAnchorArn')) ??
    nstr(path(res, 'profile', 'profileArn')) ??
    nstr(path(res, 'crl', 'crlArn')) ??
    nstr(req?.trustAnchorId) ??
    nstr(req?.profileId) ??
    nstr(req?.crlId) ??
    nstr(req?.url) ??
    nstr(req?.name)
  );
}

/** Roles Anywhere Create/UpdateProfile: the roles the profile lets certificate holders assume. */
export function rolesAnywhereProfileRoles(e: NormalisedEvent): string[] {
  const v = e.requestParameters?.roleArns ?? path(e.responseElements, 'profile', 'roleArns');
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

/** CreateRole's trust policy as the response echoes it (URL-encoded); a fallback when the request copy is unusable. */
export function createdRoleTrustPolicy(e: NormalisedEvent): unknown {
  return e.eventName === 'CreateRole'
    ? (path(e.responseElements, 'role', 'assumeRolePolicyDocument') ?? null)
    : null;
}

/** CreatePolicyVersion's `setAsDefault` (the new version takes effect at once); null when not recorded. */
export function policyVersionSetAsDefault(e: NormalisedEvent): boolean | null {
  return bool(e.requestParameters?.setAsDefault);
}

/** Put{User,Role}PermissionsBoundary: the boundary policy ARN being set. */
export function permissionsBoundaryArn(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.permissionsBoundary);
}

/**
 * True when CloudTrail left the request parameters out as too large. AWS: "CloudTrail truncates a field if the
 * field's contents exceeds the maximum field size. If a field is truncated, omitted is present with a value of
 * true." (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
 * The page does not say at which level `omitted` sits and no public sample shows one, so both the record and
 * `requestParameters` are read. A successful write whose `requestParameters` is null is treated the same way by
 * callers that need the document.
 */
export function requestParametersOmitted(e: NormalisedEvent): boolean {
  return bool(e.raw.omitted) === true || bool(e.requestParameters?.omitted) === true;
}

/** A string request parameter by name (null when absent or not a non-empty string). */
export function requestString(e: NormalisedEvent, key: string): string | null {
  return nstr(e.requestParameters?.[key]);
}

/** ConsoleLogin's outcome (`responseElements.ConsoleLogin`: "Success" / "Failure"), null when not recorded. */
export function consoleLoginResult(e: NormalisedEvent): string | null {
  return nstr(e.responseElements?.ConsoleLogin);
}

/** A role as a compute call names it: an ARN, or (Glue, EC2 instance profiles) a bare name. */
export interface PassedRole {
  /** The role ARN (built from the account and name when the call gives a name). */
  arn: string;
  /** Where in the request it was found, e.g. `role`, `taskRoleArn`, `iamInstanceProfile`. */
  field: string;
  /** True when the call names an EC2 instance profile and the role is assumed to share its name. */
  viaInstanceProfile: boolean;
}

/** Request fields that carry the role passed to a compute service, per `eventSource|eventName`. */
const PASS_ROLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'lambda.amazonaws.com': ['role'],
  'glue.amazonaws.com': ['roleArn', 'role'],
  'sagemaker.amazonaws.com': ['roleArn'],
  'codebuild.amazonaws.com': ['serviceRole'],
  'cloudformation.amazonaws.com': ['roleARN'],
  'ecs.amazonaws.com': ['taskRoleArn', 'executionRoleArn'],
  'bedrock-agentcore.amazonaws.com': ['roleArn', 'executionRoleArn'],
};

/**
 * The roles a compute call passes (`iam:PassRole` without `AssumeRole`): Lambda `role`, Glue `roleArn`/`role`,
 * SageMaker `roleArn`, CodeBuild `serviceRole`, CloudFormation `roleARN`, ECS `taskRoleArn`/`executionRoleArn`,
 * Bedrock AgentCore `roleArn`/`executionRoleArn`,
 * EC2 instance profiles (RunInstances `iamInstanceProfile`, Associate/ReplaceIamInstanceProfileAssociation).
 * CloudTrail shows an EC2 call's instance profile, not its role: the role is taken to share the profile's
 * name (what the console and most IaC modules create), and marked `viaInstanceProfile`.
 */
export function passedRoles(e: NormalisedEvent): PassedRole[] {
  const rp = e.requestParameters;
  if (rp === null) return [];
  const out: PassedRole[] = [];
  const add = (value: unknown, field: string, viaInstanceProfile: boolean): void => {
    const v = nstr(value);
    if (v === null) return;
    const arn = roleArnOf(v, e.account);
    if (arn !== null && !out.some((p) => p.arn === arn)) out.push({ arn, field, viaInstanceProfile });
  };
  if (e.eventSource === 'ec2.amazonaws.com') {
    const profile =
      path(rp, 'iamInstanceProfile') ??
      path(rp, 'AssociateIamInstanceProfileRequest', 'IamInstanceProfile') ??
      path(rp, 'ReplaceIamInstanceProfileAssociationRequest', 'IamInstanceProfile');
    add(path(profile, 'arn') ?? path(profile, 'Arn'), 'iamInstanceProfile', true);
    if (out.length === 0) add(path(profile, 'name') ?? path(profile, 'Name'), 'iamInstanceProfile', true);
    // A launch template or fleet names the profile only in the response.
    const items = path(e.responseElements, 'instancesSet', 'items');
    if (out.length === 0 && Array.isArray(items)) {
      for (const it of items)
        add(path(it, 'iamInstanceProfile', 'arn'), 'instancesSet.iamInstanceProfile', true);
    }
    return out;
  }
  for (const field of PASS_ROLE_FIELDS[e.eventSource] ?? []) add(rp[field], field, false);
  return out;
}

function roleArnOf(value: string, account: string): string | null {
  if (value.startsWith('arn:')) {
    // An instance profile carries the role of the same name here (what the console creates).
    const p = parseArn(value);
    const type = p?.resource.slice(0, p.resource.indexOf('/'));
    const name = resourceName(value);
    if (p === null || p.service !== 'iam' || p.region !== '' || p.partition === '') return null;
    if (!/^\d{12}$/.test(p.account) || (type !== 'role' && type !== 'instance-profile') || name === null)
      return null;
    return iamArn(p.partition, p.account, 'role', name);
  }
  if (!/^[\w+=,.@/-]+$/.test(value)) return null;
  const name = value.slice(value.lastIndexOf('/') + 1);
  return `arn:aws:iam::${account}:role/${name}`;
}

/** S3 bucket a CreateTrail/UpdateTrail call points the trail at (`s3BucketName`), or PutBucketLifecycle's `bucketName`. */
export function s3BucketName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.s3BucketName) ?? nstr(e.requestParameters?.bucketName);
}

/** CloudWatch Logs log group of DeleteLogGroup / PutRetentionPolicy. */
export function logGroupName(e: NormalisedEvent): string | null {
  return nstr(e.requestParameters?.logGroupName);
}

/** CloudWatch Logs PutRetentionPolicy's `retentionInDays`. */
export function retentionInDays(e: NormalisedEvent): number | null {
  const v = e.requestParameters?.retentionInDays;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
