/**
 * Builders for the CloudTrail records the generator emits, each shaped after public records
 * (see README.md): STS assumptions (web identity, SAML, AssumeRole by services and by
 * sessions), S3 data events, KMS calls made by services, EC2/CloudWatch/Logs reads, IAM reads
 * and writes, and the attack events (access keys, login profiles, trail changes, …).
 */
import {
  assumedRolePrincipal,
  awsDate,
  call,
  type Draft,
  iso,
  newSession,
  type Principal,
  type RoleSession,
  sessionArn,
} from './cloudtrail.js';
import { type Account, AUDIENCE, type Role, type User } from './org.js';
import type { Prng } from './prng.js';

const q = JSON.stringify;

function roleResource(r: Role): string {
  return `[{"accountId":"${r.account.id}","type":"AWS::IAM::Role","ARN":${q(r.arn)}}]`;
}

function credentials(s: RoleSession, t: number, duration: number, token: string): string {
  return `{"accessKeyId":"${s.accessKeyId}","sessionToken":${q(token)},"expiration":"${awsDate(t + duration, true)}"}`;
}

function assumedRoleUser(s: RoleSession): string {
  return `{"assumedRoleId":${q(`${s.role.roleId}:${s.sessionName}`)},"arn":${q(sessionArn(s))}}`;
}

/** A fake session token (base64-looking; CloudTrail often logs it, sometimes empty). */
function sessionToken(rng: Prng): string {
  return `IQoJb3JpZ2luX2VjE${rng.base64(40)}//////////wEaCXVzLWVhc3QtMSJH${rng.base64(48)}==`;
}

export interface WebIdentityCall {
  t: number;
  region: string;
  role: Role;
  provider: string;
  subject: string;
  sessionName: string;
  ip: string;
  ua: string;
  /** Audience; default the provider's usual audience. */
  audience?: string;
  duration?: number;
  /** Failed assumption (responseElements null). */
  error?: { code: string; message: string; roleArnNull?: boolean };
}

/** OIDC provider ARN of a provider host in an account. */
export function providerArn(account: Account, provider: string): string {
  return `arn:aws:iam::${account.id}:oidc-provider/${provider}`;
}

/**
 * AssumeRoleWithWebIdentity, shaped exactly like the public GitHub Actions record
 * (userIdentity WebIdentityUser, principalId `<provider-arn>:<aud>:<sub>`, credentials,
 * subjectFromWebIdentityToken, audience, provider, additionalEventData, resources, tlsDetails).
 * Returns the draft and, on success, the new session.
 */
export function assumeRoleWithWebIdentity(
  rng: Prng,
  c: WebIdentityCall,
): { draft: Draft; session: RoleSession | null } {
  const acct = c.role.account;
  const pArn = providerArn(acct, c.provider);
  const aud = c.audience ?? AUDIENCE[c.provider] ?? 'sts.amazonaws.com';
  const duration = c.duration ?? 3600;
  const who: Principal = {
    ui: `{"type":"WebIdentityUser","principalId":${q(`${pArn}:${aud}:${c.subject}`)},"userName":${q(c.subject)},"identityProvider":${q(pArn)}}`,
    ip: q(c.ip),
    ua: q(c.ua),
    arn: null,
  };
  const session = c.error ? null : newSession(rng, c.role, c.sessionName, c.t, { webIdProvider: pArn });
  const roleArn = c.error?.roleArnNull ? null : c.role.arn;
  const req = `{"roleArn":${q(roleArn)},"roleSessionName":${q(c.sessionName)},"durationSeconds":${duration}}`;
  const resp = session
    ? `{"credentials":${credentials(session, c.t, duration, '')},"subjectFromWebIdentityToken":${q(c.subject)},` +
      `"assumedRoleUser":${assumedRoleUser(session)},"provider":${q(pArn)},"audience":${q(aud)}}`
    : 'null';
  const draft = call(rng, {
    t: c.t,
    account: acct.id,
    region: c.region,
    who,
    service: 'sts',
    name: 'AssumeRoleWithWebIdentity',
    readOnly: true,
    req,
    resp,
    add: `{"identityProviderConnectionVerificationMethod":"IAMTrustStore","RequestDetails":{"awsServingRegion":"${c.region}","endpointType":"regional"}}`,
    resources: roleArn ? roleResource(c.role) : undefined,
    eventVersion: '1.08',
    ...(c.error ? { errorCode: c.error.code, errorMessage: c.error.message } : {}),
  });
  return { draft, session };
}

/** SAML provider of IAM Identity Center in an account. */
export function ssoSamlProvider(account: Account): string {
  return `arn:aws:iam::${account.id}:saml-provider/AWSSSO_${account.id.slice(0, 4)}a1b2c3d4e5f6_DO_NOT_DELETE`;
}

/** AssumeRoleWithSAML by IAM Identity Center for `email` into an SSO permission-set role. */
export function assumeRoleWithSaml(
  rng: Prng,
  t: number,
  role: Role,
  email: string,
  ip: string,
  ua: string,
): { draft: Draft; session: RoleSession } {
  const acct = role.account;
  const qualifier = `${acct.id.slice(0, 6)}Ukh1i4+ExamplexL/jEvs=`;
  const saml = ssoSamlProvider(acct);
  const session = newSession(rng, role, email, t);
  const who: Principal = {
    ui: `{"type":"SAMLUser","principalId":${q(`${qualifier}:${email}`)},"userName":${q(email)},"identityProvider":${q(qualifier)}}`,
    ip: q(ip),
    ua: q(ua),
    arn: null,
  };
  const draft = call(rng, {
    t,
    account: acct.id,
    region: 'us-east-1',
    who,
    service: 'sts',
    name: 'AssumeRoleWithSAML',
    readOnly: true,
    req:
      `{"sAMLAssertionID":"_${rng.hex(16)}","roleSessionName":${q(email)},"durationSeconds":43200,` +
      `"roleArn":${q(role.arn)},"principalArn":${q(saml)}}`,
    resp:
      `{"subjectType":"persistent","issuer":"https://portal.sso.us-east-1.amazonaws.com/saml/assertion/${acct.id.slice(0, 8)}EXAMPLE",` +
      `"credentials":${credentials(session, t, 43200, sessionToken(rng))},"nameQualifier":${q(qualifier)},` +
      `"assumedRoleUser":${assumedRoleUser(session)},"subject":${q(email)},"audience":"https://signin.aws.amazon.com/saml"}`,
    resources:
      `[{"ARN":${q(role.arn)},"accountId":"${acct.id}","type":"AWS::IAM::Role"},` +
      `{"ARN":${q(saml)},"accountId":"${acct.id}","type":"AWS::IAM::SAMLProvider"}]`,
    eventVersion: '1.08',
  });
  return { draft, session };
}

/** AssumeRole made by an AWS service (lambda/ecs-tasks/ec2/s3) for a workload role. */
export function assumeRoleByService(
  rng: Prng,
  t: number,
  region: string,
  role: Role,
  service: string,
  sessionName: string,
): { draft: Draft; session: RoleSession } {
  const who = {
    ui: `{"type":"AWSService","invokedBy":${q(service)}}`,
    ip: q(service),
    ua: q(service),
    arn: null,
  };
  const assumed = assumeRole(rng, t, region, who, role, sessionName, true);
  assumed.draft.sharedEventId = rng.uuid();
  return assumed;
}

/** AssumeRole made by a role session (role chaining, e.g. into break-glass). */
export function assumeRoleBySession(
  rng: Prng,
  t: number,
  region: string,
  caller: Principal,
  role: Role,
  sessionName: string,
): { draft: Draft; session: RoleSession } {
  return assumeRole(rng, t, region, caller, role, sessionName, false);
}

/**
 * An AssumeRole of `role` by `who` for one hour: the new session and the call. An AWS service's call
 * names no host, no duration and no assumed-role user.
 */
function assumeRole(
  rng: Prng,
  t: number,
  region: string,
  who: Principal,
  role: Role,
  sessionName: string,
  byService: boolean,
): { draft: Draft; session: RoleSession } {
  const session = newSession(rng, role, sessionName, t);
  const creds = credentials(session, t, 3600, sessionToken(rng));
  const draft = call(rng, {
    t,
    account: role.account.id,
    region,
    who,
    service: 'sts',
    name: 'AssumeRole',
    readOnly: true,
    req: byService
      ? `{"roleArn":${q(role.arn)},"roleSessionName":${q(sessionName)}}`
      : `{"roleArn":${q(role.arn)},"roleSessionName":${q(sessionName)},"durationSeconds":3600}`,
    resp: byService
      ? `{"credentials":${creds}}`
      : `{"credentials":${creds},"assumedRoleUser":${assumedRoleUser(session)}}`,
    resources: roleResource(role),
    ...(byService ? { host: null } : {}),
    eventVersion: '1.08',
  });
  return { draft, session };
}

/** An S3 data event (GetObject/PutObject/HeadObject) on a bucket of `account`. */
export function s3Object(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  who: Principal,
  name: 'GetObject' | 'PutObject' | 'HeadObject',
  bucket: string,
  key: string,
): Draft {
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  const bytes = rng.int(180, 2_000_000);
  const out = name === 'GetObject' ? bytes : 0;
  const inn = name === 'PutObject' ? bytes : 0;
  return call(rng, {
    t,
    account: account.id,
    region,
    who,
    service: 's3',
    name,
    readOnly: name !== 'PutObject',
    category: 'Data',
    eventVersion: '1.10',
    req: `{"bucketName":${q(bucket)},"Host":${q(host)},"key":${q(key)}}`,
    resp: name === 'PutObject' ? '{"x-amz-server-side-encryption":"aws:kms"}' : 'null',
    add:
      `{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${inn},` +
      `"SSEApplied":"SSE_KMS","AuthenticationMethod":"AuthHeader","x-amz-id-2":"${rng.base64(56)}=","bytesTransferredOut":${out}}`,
    resources:
      `[{"type":"AWS::S3::Object","ARN":${q(`arn:aws:s3:::${bucket}/${key}`)}},` +
      `{"accountId":"${account.id}","type":"AWS::S3::Bucket","ARN":${q(`arn:aws:s3:::${bucket}`)}}]`,
    requestId: rng.upper(16),
    host,
  });
}

/**
 * A KMS Decrypt/GenerateDataKey made by S3 on behalf of a role session (SSE-KMS): `who` is the
 * session's principal with invokedBy s3.amazonaws.com (see {@link assumedRolePrincipal}).
 */
export function kmsForS3(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  who: Principal,
  name: 'Decrypt' | 'GenerateDataKey',
  keyArn: string,
  bucket: string,
  key: string,
): Draft {
  const ctx = `{"aws:s3:arn":${q(`arn:aws:s3:::${bucket}/${key}`)}}`;
  const req =
    name === 'Decrypt'
      ? `{"encryptionContext":${ctx},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`
      : `{"keyId":${q(keyArn)},"encryptionContext":${ctx},"keySpec":"AES_256"}`;
  return call(rng, {
    t,
    account: account.id,
    region,
    who,
    service: 'kms',
    name,
    readOnly: true,
    req,
    resources: `[{"accountId":"${account.id}","type":"AWS::KMS::Key","ARN":${q(keyArn)}}]`,
    host: null,
    eventVersion: '1.08',
  });
}

/** A KMS call made by an AWS service for itself (CloudTrail encrypting log files, …). */
export function kmsByService(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  service: string,
  name: 'Decrypt' | 'GenerateDataKey',
  keyArn: string,
  context: string,
): Draft {
  const d = call(rng, {
    t,
    account: account.id,
    region,
    who: { ui: `{"type":"AWSService","invokedBy":${q(service)}}`, ip: q(service), ua: q(service), arn: null },
    service: 'kms',
    name,
    readOnly: true,
    req:
      name === 'Decrypt'
        ? `{"encryptionContext":${context},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`
        : `{"keyId":${q(keyArn)},"encryptionContext":${context},"keySpec":"AES_256"}`,
    resources: `[{"accountId":"${account.id}","type":"AWS::KMS::Key","ARN":${q(keyArn)}}]`,
    host: null,
    eventVersion: '1.08',
  });
  d.sharedEventId = rng.uuid();
  return d;
}

/** A generic management call with optional parameters (Describe*, List*, Get*, …). */
export function simple(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  who: Principal,
  service: string,
  name: string,
  readOnly: boolean,
  req?: string,
  resp?: string,
): Draft {
  const iamLike =
    service === 'iam' || service === 'organizations' || service === 'cloudfront' || service === 'ce';
  return call(rng, {
    t,
    account: account.id,
    region: iamLike ? 'us-east-1' : region,
    who,
    service,
    name,
    readOnly,
    req,
    resp,
  });
}

/** IAM call (always logged in us-east-1, iam.amazonaws.com). */
export function iam(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  name: string,
  readOnly: boolean,
  req: string,
  resp?: string,
): Draft {
  return call(rng, {
    t,
    account: account.id,
    region: 'us-east-1',
    who,
    service: 'iam',
    name,
    readOnly,
    req,
    resp,
  });
}

/** PutRolePolicy with the policy document as the raw JSON string CloudTrail logs. */
export function putRolePolicy(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  roleName: string,
  policyName: string,
  doc: object,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'PutRolePolicy',
    false,
    `{"roleName":${q(roleName)},"policyName":${q(policyName)},"policyDocument":${q(JSON.stringify(doc))}}`,
  );
}

export function attachRolePolicy(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  roleName: string,
  policyArn: string,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'AttachRolePolicy',
    false,
    `{"roleName":${q(roleName)},"policyArn":${q(policyArn)}}`,
  );
}

export function createPolicyVersion(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  policyArn: string,
  doc: object,
  version: number,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'CreatePolicyVersion',
    false,
    `{"policyArn":${q(policyArn)},"policyDocument":${q(JSON.stringify(doc))},"setAsDefault":true}`,
    `{"policyVersion":{"versionId":"v${version}","isDefaultVersion":true,"createDate":"${awsDate(t, false)}"}}`,
  );
}

/** CreateAccessKey for `userName` (the response carries the new key's id). */
export function createAccessKey(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  userName: string,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'CreateAccessKey',
    false,
    `{"userName":${q(userName)}}`,
    `{"accessKey":{"userName":${q(userName)},"accessKeyId":"AKIA${rng.upper(16)}","status":"Active","createDate":"${awsDate(t, false)}"}}`,
  );
}

export function createLoginProfile(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  userName: string,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'CreateLoginProfile',
    false,
    `{"userName":${q(userName)},"passwordResetRequired":false}`,
    `{"loginProfile":{"userName":${q(userName)},"createDate":"${awsDate(t, false)}","passwordResetRequired":false}}`,
  );
}

export function updateAssumeRolePolicy(
  rng: Prng,
  t: number,
  account: Account,
  who: Principal,
  roleName: string,
  doc: object,
): Draft {
  return iam(
    rng,
    t,
    account,
    who,
    'UpdateAssumeRolePolicy',
    false,
    `{"roleName":${q(roleName)},"policyDocument":${q(JSON.stringify(doc, null, 2))}}`,
  );
}

/** ConsoleLogin (non-API event, eventType AwsConsoleSignIn). */
export function consoleLogin(rng: Prng, t: number, account: Account, who: Principal, mfa: boolean): Draft {
  return call(rng, {
    t,
    account: account.id,
    region: 'us-east-1',
    who,
    service: 'signin',
    name: 'ConsoleLogin',
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    resp: '{"ConsoleLogin":"Success"}',
    add: `{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAUsed":"${mfa ? 'Yes' : 'No'}"}`,
    host: 'signin.aws.amazon.com',
    eventVersion: '1.09',
  });
}

export function stopLogging(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  who: Principal,
  trailArn: string,
): Draft {
  return call(rng, {
    t,
    account: account.id,
    region,
    who,
    service: 'cloudtrail',
    name: 'StopLogging',
    readOnly: false,
    req: `{"name":${q(trailArn)}}`,
  });
}

/** GetFederationToken by an IAM user (with an inline session policy). */
export function getFederationToken(
  rng: Prng,
  t: number,
  account: Account,
  region: string,
  who: Principal,
  name: string,
  policy: object,
): Draft {
  const keyId = `ASIA${rng.upper(16)}`;
  return call(rng, {
    t,
    account: account.id,
    region,
    who,
    service: 'sts',
    name: 'GetFederationToken',
    readOnly: false,
    eventVersion: '1.08',
    req: `{"name":${q(name)},"policy":${q(JSON.stringify(policy, null, 2))}}`,
    resp:
      `{"credentials":{"accessKeyId":"${keyId}","expiration":"${awsDate(t + 43200, true)}","sessionToken":${q(sessionToken(rng))}},` +
      `"federatedUser":{"arn":"arn:aws:sts::${account.id}:federated-user/${name}","federatedUserId":"${account.id}:${name}"},"packedPolicySize":4}`,
  });
}

export type { User };
export { iso };
