/**
 * Session records: what a credential-issuing CloudTrail event tells about the session it created — whose
 * key, which role, how it was obtained (OIDC, SAML, a parent session, a user's key, root, an AWS service),
 * the parent session's key, and where and when it was issued. Pure.
 */
import { parseArn } from '../cloudtrail/arn.js';
import { nstr, obj, path, str } from '../cloudtrail/fields.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';

/** How a session was obtained (the `via` of an alert's `origin` chain entry). */
export type SessionVia = 'oidc' | 'saml' | 'caller' | 'user-key' | 'root' | 'service';

/** One session, from the event that issued it. */
export interface SessionRecord {
  /** The session's access key id (`ASIA…`); null when the event issued none (a failed assumption). */
  key: string | null;
  eventId: string;
  eventName: string;
  account: string;
  /** The role (or user, for GetSessionToken; federated user, for GetFederationToken) the session acts as. */
  identity: string | null;
  /** `arn:aws:sts::…:assumed-role/ROLE/NAME` or `…:federated-user/NAME`, when the record shows it. */
  sessionArn: string | null;
  /** Role session name (attacker-controlled). For IAM Identity Center sessions it is the user. */
  sessionName: string | null;
  via: SessionVia;
  /** OIDC token subject or SAML subject. */
  subject: string | null;
  /** OIDC provider host or SAML provider ARN. */
  provider: string | null;
  audience: string | null;
  /** The caller that made the issuing call: session ARN, role, account id or AWS service name. */
  caller: string | null;
  /** IAM user (or root) whose long-term key made the issuing call. */
  user: string | null;
  /** Access key of the session that made the issuing call (role chaining); null at the first hop. */
  parentKey: string | null;
  /** `sourceIdentity` set at the first hop and propagated through the chain. */
  sourceIdentity: string | null;
  /** `sharedEventID` of a cross-account copy of the same call. */
  sharedEventId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  issuedAt: string;
  issuedMs: number;
  /** Expiry of the credentials (ms since epoch); issue time + 1 h when the record does not show it. */
  expiresMs: number;
  /**
   * How much the record knows about the caller: 2 with a parent key or a first-hop principal, 1 with only a
   * caller account (the role account's copy of a cross-account call), 0 for a failed call. Of two copies of
   * one issuance (one per account), the store keeps the richer.
   */
  rank: number;
  /** Set by the store when an alert was raised on this session. */
  alerted?: boolean;
}

/** An alert raised on a session's call, as the session log keeps it (a summary of the alert). */
export interface SessionAlertMark {
  id: string;
  rule: string;
  severity: string;
  title: string;
}

/**
 * A call a session made, as the store's per-session log keeps it for `iamwatch trace`: in the Lambda, the
 * calls alerts were raised on (see README "Tracing a session" for why not every call).
 */
export interface SessionAction {
  /** The session that made the call (or, for an alerted first hop made without a session, the one issued). */
  key: string;
  eventId: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  sourceIp: string | null;
  errorCode: string | null;
  alerts: SessionAlertMark[];
}

/** Events that return temporary credentials. */
export const ISSUING_EVENTS: ReadonlySet<string> = new Set([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'GetSessionToken',
  'GetFederationToken',
  'AssumeRoot',
]);

const HOUR_MS = 3_600_000;

/** True when a key is a temporary (session) key: `ASIA…`. Long-term user keys are `AKIA…`. */
export function isSessionKey(key: string | null | undefined): key is string {
  return typeof key === 'string' && key.startsWith('ASIA') && key.length >= 16;
}

/** The access key the event's caller used, when the record shows one. */
export function callerKey(e: NormalisedEvent): string | null {
  return nstr(path(e.raw, 'userIdentity', 'accessKeyId'));
}

/**
 * The session an event issued, or null when the event issues none. A failed issuing call still gives a record
 * (key null) so that an alert on it can show where the attempt came from.
 */
export function sessionFromEvent(e: NormalisedEvent): SessionRecord | null {
  if (e.eventSource !== 'sts.amazonaws.com' || !ISSUING_EVENTS.has(e.eventName)) return null;
  const res = e.responseElements;
  const req = e.requestParameters;
  const ui = obj(e.raw.userIdentity) ?? {};
  const key = nstr(path(res, 'credentials', 'accessKeyId'));
  const expiresMs = parseExpiry(path(res, 'credentials', 'expiration'), e.eventTimeMs);
  const usedKey = nstr(ui.accessKeyId);
  const a = e.actor;
  let identity: string | null = e.target?.arn ?? null;
  let sessionArn = nstr(path(res, 'assumedRoleUser', 'arn'));
  let sessionName = nstr(req?.roleSessionName);
  let via: SessionVia;
  let subject: string | null = null;
  let provider: string | null = null;
  let audience: string | null = null;
  let caller: string | null = null;
  let user: string | null = null;
  let parentKey: string | null = null;
  let rank = key ? 2 : 0;
  if (e.eventName === 'AssumeRoleWithWebIdentity') {
    via = 'oidc';
    subject = e.oidc?.subject ?? null;
    provider = e.oidc?.provider ?? null;
    audience = e.oidc?.audience ?? null;
  } else if (e.eventName === 'AssumeRoleWithSAML') {
    via = 'saml';
    subject = nstr(res?.subject) ?? a.userName;
    provider = nstr(req?.principalArn) ?? nstr(res?.issuer);
  } else if (a.type === 'Root') {
    via = 'root';
    user = a.arn ?? (a.accountId ? `arn:aws:iam::${a.accountId}:root` : null);
  } else if (a.type === 'AWSService') {
    via = 'service';
    caller = a.invokedBy ?? nstr(ui.invokedBy) ?? e.actor.sourceIp;
  } else if (a.type === 'IAMUser') {
    via = 'user-key';
    user = a.arn;
  } else {
    via = 'caller';
    caller = a.sessionArn ?? a.arn ?? a.accountId;
    parentKey = isSessionKey(usedKey) ? usedKey : null;
    if (!parentKey && key) rank = 1;
  }
  if (e.eventName === 'GetSessionToken') {
    identity = a.arn;
    sessionArn = null;
    sessionName = null;
  } else if (e.eventName === 'GetFederationToken') {
    sessionArn = nstr(path(res, 'federatedUser', 'arn'));
    identity = sessionArn;
    sessionName = nstr(req?.name);
  } else if (e.eventName === 'AssumeRoot') {
    identity = nstr(req?.targetPrincipal);
    identity = identity && /^\d{12}$/.test(identity) ? `arn:aws:iam::${identity}:root` : identity;
  }
  if (identity === null && sessionArn) identity = roleOfSession(sessionArn);
  return {
    key,
    eventId: e.eventId,
    eventName: e.eventName,
    account: e.account,
    identity,
    sessionArn,
    sessionName,
    via,
    subject,
    provider,
    audience,
    caller,
    user,
    parentKey,
    sourceIdentity:
      nstr(req?.sourceIdentity) ??
      nstr(path(ui, 'sessionContext', 'sourceIdentity')) ??
      nstr(path(res, 'sourceIdentity')),
    sharedEventId: nstr(e.raw.sharedEventID),
    sourceIp: a.sourceIp,
    userAgent: a.userAgent,
    issuedAt: e.eventTime,
    issuedMs: e.eventTimeMs,
    expiresMs,
    rank,
  };
}

/** `Oct 2, 2019, 11:12:29 PM`: how CloudTrail writes most expirations (UTC). */
const AWS_DATE = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}), (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `credentials.expiration` is an ISO time in some records and `Oct 2, 2019, 11:12:29 PM` (UTC) in others;
 * either parses. Issue time + 1 hour (the default duration) when absent or unreadable.
 */
function parseExpiry(v: unknown, issuedMs: number): number {
  const s = str(v);
  if (s) {
    const m = AWS_DATE.exec(s);
    if (m) {
      const [, mon = '', d = '', y = '', h = '', mi = '', sec = '', ampm = ''] = m;
      const month = MONTHS.indexOf(mon);
      const hour = (Number(h) % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
      if (month >= 0) return Date.UTC(Number(y), month, Number(d), hour, Number(mi), Number(sec));
    }
    const iso = Date.parse(s);
    if (!Number.isNaN(iso)) return iso;
    const utc = Date.parse(`${s} UTC`);
    if (!Number.isNaN(utc)) return utc;
  }
  return issuedMs + HOUR_MS;
}

/** `arn:aws:sts::1:assumed-role/R/S` → `arn:aws:iam::1:role/R`. */
function roleOfSession(sessionArn: string): string | null {
  const p = parseArn(sessionArn);
  if (!p?.resource.startsWith('assumed-role/')) return null;
  const role = p.resource.split('/')[1];
  return role ? `arn:${p.partition}:iam::${p.account}:role/${role}` : null;
}

/** Short display name of an identity ARN: the role or user name, `root`, or the ARN as given. */
export function shortIdentity(arn: string | null): string {
  if (!arn) return 'unknown';
  const p = parseArn(arn);
  if (!p) return arn;
  if (p.resource === 'root') return `root (${p.account})`;
  return p.resource.split('/').slice(1).join('/') || p.resource;
}
