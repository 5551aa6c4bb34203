/**
 * Session records: what a credential-issuing CloudTrail event tells about the session it created — whose
 * key, which role, how it was obtained (OIDC, SAML, a parent session, a user's key, root, an AWS service),
 * the parent session's key, and where and when it was issued. Pure.
 */
import { parseArn, roleArnFromSession } from '../arn.js';
import { nstr, obj, path, str } from '../cloudtrail/fields.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import { utcMs } from '../utc.js';

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
  /**
   * Session tags (attacker-influenced text): the tags passed at issue (`tags`, or `principalTags` from a SAML
   * assertion or OIDC token) plus the transitive tags of the parent session. Absent when none.
   */
  tags?: Record<string, string>;
  /** Tag keys passed on to the sessions this one chains into (its own transitive keys and the incoming ones). */
  transitiveTagKeys?: string[];
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
  /**
   * Set by the store when an alert was raised on this session. Records built here hold the key from the start
   * (undefined), so that a marked copy has the same shape.
   */
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
  return e.actor.accessKeyId;
}

/**
 * The session an event issued, or null when the event issues none. A failed issuing call still gives a record
 * (key null) so that an alert on it can show where the attempt came from.
 */
export function sessionFromEvent(e: NormalisedEvent): SessionRecord | null {
  if (e.eventSource !== 'sts.amazonaws.com' || !ISSUING_EVENTS.has(e.eventName)) return null;
  const res = e.responseElements;
  const req = e.requestParameters;
  // Read here by name, not through `path` (whose keyed loads are shared by every caller: megamorphic, and
  // the most expensive loads of replay's per-record path); the same values `path` gives.
  const credentials = res === null ? null : obj(res.credentials);
  const key = credentials === null ? null : nstr(credentials.accessKeyId);
  const expiresMs = parseExpiry(credentials === null ? null : credentials.expiration, e.eventTimeMs);
  const a = e.actor;
  const usedKey = a.accessKeyId;
  let identity: string | null = e.target?.arn ?? null;
  const assumed = res === null ? null : obj(res.assumedRoleUser);
  let sessionArn = assumed === null ? null : nstr(assumed.arn);
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
    caller = a.invokedBy ?? a.sourceIp;
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
  if (identity === null && sessionArn) identity = roleArnFromSession(sessionArn);
  // Tags are rare: the readers (and their allocations) run only when the request carries any.
  const tagged =
    req !== null &&
    (req.tags !== undefined ||
      req.principalTags !== undefined ||
      req.incomingTransitiveTags !== undefined ||
      req.transitiveTagKeys !== undefined);
  const tags = tagged ? tagsOf(req) : null;
  const transitive = tagged ? transitiveKeysOf(req) : null;
  const sourceIdentity = nstr(req?.sourceIdentity) ?? a.sourceIdentity ?? nstr(path(res, 'sourceIdentity'));
  // One object literal of one shape (replay builds one per issuing event); the rare tagged record keeps
  // `tags` and `transitiveTagKeys` first, as it always had them. `alerted` is there from the start
  // (undefined: JSON and DynamoDB writes leave it out), so that the copy a store marks alerted keeps the
  // record's shape, and code optimised for session records is not thrown away at the first alert.
  const rec: SessionRecord = {
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
    sourceIdentity,
    sharedEventId: e.sharedEventId,
    sourceIp: a.sourceIp,
    userAgent: a.userAgent,
    issuedAt: e.eventTime,
    issuedMs: e.eventTimeMs,
    expiresMs,
    rank,
    alerted: undefined,
  };
  if (!tags && !transitive) return rec;
  return { ...(tags ? { tags } : {}), ...(transitive ? { transitiveTagKeys: transitive } : {}), ...rec };
}

/** At most this many tags per session (AWS allows 50 session tags). */
const MAX_TAGS = 50;

/**
 * Tags of an issuing call: `tags` (AssumeRole, GetFederationToken: `[{key, value}]`), `principalTags`
 * (AssumeRoleWithSAML/WebIdentity: `{key: value}`) and `incomingTransitiveTags` (a chained AssumeRole: the
 * parent's transitive tags, `{key: value}`). Null when none.
 */
function tagsOf(req: Record<string, unknown> | null): Record<string, string> | null {
  if (!req) return null;
  // A Map, then fromEntries: a tag key such as `__proto__` stays an own property.
  const out = new Map<string, string>();
  const add = (k: unknown, v: unknown) => {
    if (typeof k !== 'string' || k === '' || out.size >= MAX_TAGS || out.has(k)) return;
    out.set(k, typeof v === 'string' ? v : String(v ?? ''));
  };
  for (const field of ['incomingTransitiveTags', 'principalTags']) {
    const m = obj(req[field]);
    if (m) for (const [k, v] of Object.entries(m)) add(k, v);
  }
  const list = req.tags;
  if (Array.isArray(list)) for (const t of list) add(obj(t)?.key, obj(t)?.value);
  else {
    const m = obj(list);
    if (m) for (const [k, v] of Object.entries(m)) add(k, v);
  }
  return out.size > 0 ? Object.fromEntries(out) : null;
}

/** `transitiveTagKeys` plus the keys of `incomingTransitiveTags` (they stay transitive down the chain). */
function transitiveKeysOf(req: Record<string, unknown> | null): string[] | null {
  if (!req) return null;
  const keys = new Set<string>();
  const incoming = obj(req.incomingTransitiveTags);
  if (incoming) for (const k of Object.keys(incoming)) keys.add(k);
  if (Array.isArray(req.transitiveTagKeys))
    for (const k of req.transitiveTagKeys) if (typeof k === 'string' && k !== '') keys.add(k);
  return keys.size > 0 ? [...keys].slice(0, MAX_TAGS).sort() : null;
}

/**
 * What a chained session inherits from its parent, as AWS passes it: the parent's transitive tags (and their
 * keys stay transitive) and the parent's `sourceIdentity`, which cannot change along a chain. What the
 * issuing record shows itself wins (CloudTrail writes `incomingTransitiveTags` on a chained call). Pure; the
 * record is returned unchanged when nothing is inherited.
 */
export function inheritFromParent(rec: SessionRecord, parent: SessionRecord): SessionRecord {
  const inherited = new Map<string, string>();
  for (const k of parent.transitiveTagKeys ?? []) {
    const v = parent.tags && Object.hasOwn(parent.tags, k) ? parent.tags[k] : undefined;
    if (v !== undefined && !(rec.tags && Object.hasOwn(rec.tags, k))) inherited.set(k, v);
  }
  const newKeys = [...inherited.keys()];
  const sourceIdentity = rec.sourceIdentity ?? parent.sourceIdentity;
  if (newKeys.length === 0 && sourceIdentity === rec.sourceIdentity) return rec;
  if (newKeys.length === 0) return sessionCopy(rec, sourceIdentity, rec.alerted);
  const out: SessionRecord = { ...rec, sourceIdentity };
  out.tags = { ...Object.fromEntries(inherited), ...(rec.tags ?? {}) };
  out.transitiveTagKeys = [...new Set([...(rec.transitiveTagKeys ?? []), ...newKeys])].sort();
  return out;
}

/** A copy of `rec` marked alerted (see {@link sessionCopy}). */
export function alertedCopy(rec: SessionRecord): SessionRecord {
  return sessionCopy(rec, rec.sourceIdentity, true);
}

/**
 * A copy of `rec` with `sourceIdentity` and `alerted` set: the same keys in the same order (so the same JSON).
 * Built as the object literal {@link sessionFromEvent} builds, so that the copy has the hidden class (map) of
 * the records it issues: a spread copy (`{ ...rec, alerted: true }`) gets a map of its own, and code optimised
 * for session records (the lineage walk) is thrown away the first time such a copy is read. A tagged record
 * (rare; its tag keys come first) is copied by spreading.
 */
function sessionCopy(
  rec: SessionRecord,
  sourceIdentity: string | null,
  alerted: boolean | undefined,
): SessionRecord {
  if (rec.tags !== undefined || rec.transitiveTagKeys !== undefined)
    return { ...rec, sourceIdentity, alerted };
  return {
    key: rec.key,
    eventId: rec.eventId,
    eventName: rec.eventName,
    account: rec.account,
    identity: rec.identity,
    sessionArn: rec.sessionArn,
    sessionName: rec.sessionName,
    via: rec.via,
    subject: rec.subject,
    provider: rec.provider,
    audience: rec.audience,
    caller: rec.caller,
    user: rec.user,
    parentKey: rec.parentKey,
    sourceIdentity,
    sharedEventId: rec.sharedEventId,
    sourceIp: rec.sourceIp,
    userAgent: rec.userAgent,
    issuedAt: rec.issuedAt,
    issuedMs: rec.issuedMs,
    expiresMs: rec.expiresMs,
    rank: rec.rank,
    alerted,
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
    const fast = parseAwsDate(s);
    if (fast >= 0) return fast;
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

/**
 * The UTF-16 code units of the text {@link parseAwsDate} reads, copied by one loop: each `charCodeAt` written
 * out is compiled into its own dispatch over string representations, and a parser of two dozen of them cost
 * the optimising compiler more than most of replay's per-record path (about 15 ms of background compile).
 */
const CODES = new Uint16Array(32);

/** The value of the ASCII digit at index `i` of {@link CODES}, or -1. */
function digitAt(i: number): number {
  const c = CODES[i]! - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Three ASCII code units as one number (-1 when one is not ASCII): a month looked up without a slice. */
function code3(a: number, b: number, c: number): number {
  return a < 128 && b < 128 && c < 128 ? (a << 14) | (b << 7) | c : -1;
}
const MONTH_INDEX: ReadonlyMap<number, number> = new Map(
  MONTHS.map((m, i) => [code3(m.charCodeAt(0), m.charCodeAt(1), m.charCodeAt(2)), i]),
);

/**
 * `am` / `pm` (two lower-cased UTF-16 code units as one number: the first shifted past any code unit, so no
 * other pair can spell the same key) → the hours they add to the 12-hour clock.
 */
const MERIDIEM: ReadonlyMap<number, number> = new Map([
  [97 * 0x10000 + 109, 0],
  [112 * 0x10000 + 109, 12],
]);

/**
 * {@link AWS_DATE} without the regular expression (one per issuing event in replay): the same time when `s`
 * has that shape and one of {@link MONTHS} as written, else -1 (the caller then takes the general path).
 * Straight-line code: the one- or two-digit day and hour are read as arithmetic on both forms (`two` is 0 or
 * 1) and AM/PM by a lookup, not by a branch per form — a branch first taken late (the first two-digit hour,
 * the first PM) would throw the optimised code of replay's per-record path away.
 */
function parseAwsDate(s: string): number {
  const n = s.length;
  if (n < 23 || n > 25) return -1;
  for (let i = 0; i < n; i++) CODES[i] = s.charCodeAt(i);
  if (CODES[3] !== 32) return -1;
  const month = MONTH_INDEX.get(code3(CODES[0]!, CODES[1]!, CODES[2]!));
  if (month === undefined) return -1;
  // Day at 4: one or two digits, then ", "; the year (four digits, then ", ") at y; the hour (one or two
  // digits) at h; then ":MM:SS AM" or ":MM:SS PM" (any case) to the end, the minutes at m.
  const d0 = digitAt(4);
  const d1 = digitAt(5);
  const twoDay = d1 >= 0 ? 1 : 0;
  const y = 7 + twoDay;
  const h = y + 6;
  const h0 = digitAt(h);
  const h1 = digitAt(h + 1);
  const twoHour = h1 >= 0 ? 1 : 0;
  const m = h + 2 + twoHour;
  if (d0 < 0 || CODES[y - 2] !== 44 || CODES[y - 1] !== 32 || n !== m + 8) return -1;
  const y0 = digitAt(y);
  const y1 = digitAt(y + 1);
  const y2 = digitAt(y + 2);
  const y3 = digitAt(y + 3);
  if ((y0 | y1 | y2 | y3) < 0 || CODES[y + 4] !== 44 || CODES[y + 5] !== 32 || h0 < 0) return -1;
  if (CODES[m - 1] !== 58 || CODES[m + 2] !== 58 || CODES[m + 5] !== 32) return -1;
  const mi0 = digitAt(m);
  const mi1 = digitAt(m + 1);
  const s0 = digitAt(m + 3);
  const s1 = digitAt(m + 4);
  if ((mi0 | mi1 | s0 | s1) < 0) return -1;
  const half = MERIDIEM.get((CODES[m + 6]! | 32) * 0x10000 + (CODES[m + 7]! | 32));
  if (half === undefined) return -1;
  const day = d0 + twoDay * (d0 * 9 + d1);
  const hour = h0 + twoHour * (h0 * 9 + h1);
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  return utcMs(year, month, day, (hour % 12) + half, mi0 * 10 + mi1, s0 * 10 + s1);
}

/** Short display name of an identity ARN: the role or user name, `root`, or the ARN as given. */
export function shortIdentity(arn: string | null): string {
  if (!arn) return 'unknown';
  const p = parseArn(arn);
  if (!p) return arn;
  if (p.resource === 'root') return `root (${p.account})`;
  return p.resource.split('/').slice(1).join('/') || p.resource;
}
