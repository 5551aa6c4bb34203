/**
 * CloudTrail record primitives: who made a call (userIdentity fragments, cached as JSON
 * text), a record draft, and its serialisation. Serialisation concatenates pre-encoded
 * fragments in the field order CloudTrail uses, so constant parts (a session's
 * userIdentity, tlsDetails) are encoded once, not once per record.
 */
import type { Account, Role, User } from './org.js';
import type { Prng } from './prng.js';

/** The caller of an API call, with its userIdentity already encoded as JSON. */
export interface Principal {
  /** JSON text of `userIdentity`. */
  ui: string;
  /** JSON text of `sourceIPAddress`. */
  ip: string;
  /** JSON text of `userAgent`. */
  ua: string;
  /** Role or user ARN behind the call (null for AWS services and unknown callers). */
  arn: string | null;
}

/** One record before it gets its place in an object. All `…Json` fields are JSON text. */
export interface Draft {
  /** Seconds since epoch. */
  t: number;
  account: string;
  region: string;
  eventId: string;
  eventVersion: string;
  who: Principal;
  eventSource: string;
  eventName: string;
  errorCode?: string;
  errorMessage?: string;
  reqJson: string;
  respJson: string;
  addJson?: string;
  requestId: string;
  readOnly: boolean;
  resourcesJson?: string;
  eventType: string;
  management: boolean;
  sharedEventId?: string;
  category: 'Management' | 'Data';
  tlsJson?: string;
  /** Recipient account when it differs from `account` (never in this generator). */
  recipient?: string;
}

const q = JSON.stringify;

const PAD2: string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let isoDay = Number.NaN;
let isoPrefix = '';

/** ISO-8601 `YYYY-MM-DDTHH:MM:SSZ` (CloudTrail's eventTime format) of a second since epoch. */
export function iso(t: number): string {
  const day = Math.floor(t / 86400);
  if (day !== isoDay) {
    isoDay = day;
    isoPrefix = new Date(day * 86400000).toISOString().slice(0, 11);
  }
  const s = t - day * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${isoPrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s - h * 3600 - m * 60]}Z`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** AWS's display date in responses: `Apr 16, 2025, 3:46:56 AM` (STS) or `Jul 30, 2024 9:53:13 PM` (IAM). */
export function awsDate(t: number, commaAfterYear: boolean): string {
  const d = new Date(t * 1000);
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}${commaAfterYear ? ',' : ''} ${h12}:${mm}:${ss} ${h < 12 ? 'AM' : 'PM'}`;
}

const tlsCache = new Map<string, string>();

/** tlsDetails for a call to `host` (TLS 1.3 from SDKs and the console). */
export function tls(host: string): string {
  let v = tlsCache.get(host);
  if (v === undefined) {
    v = `{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":${q(host)}}`;
    tlsCache.set(host, v);
  }
  return v;
}

const endpointTlsCache = new Map<string, Map<string, string>>();

/** tlsDetails for the regional endpoint of a service (cached per service and region). */
function endpointTls(service: string, region: string): string {
  let m = endpointTlsCache.get(service);
  if (!m) {
    m = new Map();
    endpointTlsCache.set(service, m);
  }
  let v = m.get(region);
  if (v === undefined) {
    v = tls(endpoint(service, region));
    m.set(region, v);
  }
  return v;
}

/** The regional endpoint host of a service (`ec2.eu-west-1.amazonaws.com`); IAM is global. */
export function endpoint(service: string, region: string): string {
  if (service === 'iam') return 'iam.amazonaws.com';
  if (service === 'cloudfront') return 'cloudfront.amazonaws.com';
  return `${service}.${region}.amazonaws.com`;
}

/** Session of a role: principalId, ARN and key id as a caller will see them. */
export interface RoleSession {
  role: Role;
  sessionName: string;
  accessKeyId: string;
  /** Seconds since epoch. */
  created: number;
  /** OIDC provider ARN for web-identity sessions. */
  webIdProvider?: string;
  mfa?: boolean;
}

/** New role session (ASIA… key id from the PRNG). */
export function newSession(
  rng: Prng,
  role: Role,
  sessionName: string,
  created: number,
  extra?: Partial<Pick<RoleSession, 'webIdProvider' | 'mfa'>>,
): RoleSession {
  return { role, sessionName, accessKeyId: `ASIA${rng.upper(16)}`, created, ...extra };
}

export function sessionArn(s: RoleSession): string {
  return `arn:aws:sts::${s.role.account.id}:assumed-role/${s.role.name}/${s.sessionName}`;
}

/** userIdentity of calls made with a role session (`AssumedRole`, with sessionContext.sessionIssuer). */
export function assumedRolePrincipal(s: RoleSession, ip: string, ua: string, invokedBy?: string): Principal {
  const r = s.role;
  const web = s.webIdProvider ? `{"federatedProvider":${q(s.webIdProvider)},"attributes":{}}` : '{}';
  const ui =
    `{"type":"AssumedRole","principalId":${q(`${r.roleId}:${s.sessionName}`)},"arn":${q(sessionArn(s))},` +
    `"accountId":"${r.account.id}","accessKeyId":"${s.accessKeyId}","sessionContext":{"sessionIssuer":` +
    `{"type":"Role","principalId":"${r.roleId}","arn":${q(r.arn)},"accountId":"${r.account.id}","userName":${q(r.name)}},` +
    `"webIdFederationData":${web},"attributes":{"creationDate":"${iso(s.created)}","mfaAuthenticated":"${s.mfa ? 'true' : 'false'}"}}` +
    (invokedBy ? `,"invokedBy":${q(invokedBy)}` : '') +
    '}';
  return { ui, ip: q(invokedBy ?? ip), ua: q(invokedBy ?? ua), arn: r.arn };
}

/** userIdentity of an AWS service acting on its own (`AWSService`, invokedBy). */
export function servicePrincipal(service: string): Principal {
  return { ui: `{"type":"AWSService","invokedBy":${q(service)}}`, ip: q(service), ua: q(service), arn: null };
}

/** userIdentity of an IAM user calling with its long-lived key. */
export function userPrincipal(u: User, ip: string, ua: string): Principal {
  return {
    ui: `{"type":"IAMUser","principalId":"${u.userId}","arn":${q(u.arn)},"accountId":"${u.account.id}","accessKeyId":"${u.accessKeyId}","userName":${q(u.name)}}`,
    ip: q(ip),
    ua: q(ua),
    arn: u.arn,
  };
}

/** userIdentity of the account root user (console sign-in: empty accessKeyId). */
export function rootPrincipal(account: Account, ip: string, ua: string): Principal {
  return {
    ui: `{"type":"Root","principalId":"${account.id}","arn":"arn:aws:iam::${account.id}:root","accountId":"${account.id}","accessKeyId":""}`,
    ip: q(ip),
    ua: q(ua),
    arn: `arn:aws:iam::${account.id}:root`,
  };
}

/** Serialise a draft as one compact CloudTrail record (field order as CloudTrail writes it). */
export function serialise(d: Draft): string {
  let s =
    `{"eventVersion":"${d.eventVersion}","userIdentity":${d.who.ui},"eventTime":"${iso(d.t)}",` +
    `"eventSource":"${d.eventSource}","eventName":"${d.eventName}","awsRegion":"${d.region}",` +
    `"sourceIPAddress":${d.who.ip},"userAgent":${d.who.ua}`;
  if (d.errorCode !== undefined)
    s += `,"errorCode":${q(d.errorCode)},"errorMessage":${q(d.errorMessage ?? '')}`;
  s += `,"requestParameters":${d.reqJson},"responseElements":${d.respJson}`;
  if (d.addJson !== undefined) s += `,"additionalEventData":${d.addJson}`;
  s += `,"requestID":"${d.requestId}","eventID":"${d.eventId}","readOnly":${d.readOnly}`;
  if (d.resourcesJson !== undefined) s += `,"resources":${d.resourcesJson}`;
  s += `,"eventType":"${d.eventType}","managementEvent":${d.management},"recipientAccountId":"${d.recipient ?? d.account}"`;
  if (d.sharedEventId !== undefined) s += `,"sharedEventID":"${d.sharedEventId}"`;
  s += `,"eventCategory":"${d.category}"`;
  if (d.tlsJson !== undefined) s += `,"tlsDetails":${d.tlsJson}`;
  return s + '}';
}

/** Options of {@link call}: everything that varies between API calls. */
export interface CallSpec {
  t: number;
  account: string;
  region: string;
  who: Principal;
  /** Service prefix, e.g. `ec2` (eventSource becomes `ec2.amazonaws.com`). */
  service: string;
  name: string;
  readOnly: boolean;
  req?: string;
  resp?: string;
  add?: string;
  resources?: string;
  category?: 'Management' | 'Data';
  errorCode?: string;
  errorMessage?: string;
  eventVersion?: string;
  eventType?: string;
  /** tlsDetails host; default the service's regional endpoint; null = no tlsDetails (service-to-service). */
  host?: string | null;
  requestId?: string;
}

/** Build a draft API call with fresh eventID/requestID from the PRNG. */
export function call(rng: Prng, c: CallSpec): Draft {
  const category = c.category ?? 'Management';
  const d: Draft = {
    t: c.t,
    account: c.account,
    region: c.region,
    eventId: rng.uuid(),
    eventVersion: c.eventVersion ?? (category === 'Data' ? '1.10' : '1.09'),
    who: c.who,
    eventSource: `${c.service}.amazonaws.com`,
    eventName: c.name,
    reqJson: c.req ?? 'null',
    respJson: c.resp ?? 'null',
    requestId: c.requestId ?? rng.uuid(),
    readOnly: c.readOnly,
    eventType: c.eventType ?? 'AwsApiCall',
    management: category === 'Management',
    category,
  };
  if (c.errorCode !== undefined) {
    d.errorCode = c.errorCode;
    d.errorMessage = c.errorMessage ?? '';
  }
  if (c.add !== undefined) d.addJson = c.add;
  if (c.resources !== undefined) d.resourcesJson = c.resources;
  if (c.host === undefined) d.tlsJson = endpointTls(c.service, c.region);
  else if (c.host !== null) d.tlsJson = tls(c.host);
  return d;
}
