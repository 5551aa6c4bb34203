import { createHash } from 'node:crypto';
import {
  iamArn,
  parseIdentityArn,
  partitionOf,
  providerHost,
  resourceName,
  roleArnFromSession,
} from '../arn.js';
import { parseSubject } from '../oidc/subject.js';
import { utcMs } from '../utc.js';
import { bool, isObj, nstr, type Obj, obj, path, str } from './fields.js';
import type { Actor, NormalisedEvent, OidcInfo, RawRecord, Target } from './types.js';

export type NormaliseResult = { ok: true; event: NormalisedEvent } | { ok: false; reason: string };

const ASSUME_EVENTS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);
const TRAIL_EVENT = /Trail|Logging|EventSelectors/;
const SELF_SERVICE_EVENT = /AccessKey|LoginProfile|MFADevice/;

/**
 * Parses one untrusted CloudTrail record into the event model rules read. Total: every input
 * gives a result; a record that cannot be used gives `{ ok: false, reason }` with a short reason.
 */
export function normaliseRecord(raw: unknown): NormaliseResult {
  if (!isObj(raw)) return { ok: false, reason: `record is ${describe(raw)}, not an object` };
  const eventName = raw.eventName;
  const eventSource = raw.eventSource;
  if (typeof eventName !== 'string' || eventName.length === 0) {
    return { ok: false, reason: `eventName is ${describe(eventName)}, expected a string` };
  }
  if (typeof eventSource !== 'string' || eventSource.length === 0) {
    return { ok: false, reason: `eventSource is ${describe(eventSource)}, expected a string` };
  }
  // Each field read once, by name, here (a loop over the names costs a generic keyed lookup each, per record).
  // JSON.parse gives records of different field sets different maps: every site that reads a raw record is
  // compiled for the maps it saw and thrown away when another comes, so there is one site per field.
  const userIdentity = raw.userIdentity;
  const requestParameters = raw.requestParameters;
  const responseElements = raw.responseElements;
  const additionalEventData = raw.additionalEventData;
  const rawTime = raw.eventTime;
  const rawId = raw.eventID;
  const rawRegion = raw.awsRegion;
  const rawAccount = raw.recipientAccountId;
  const rawError = raw.errorCode;
  const wrongType =
    notObject('userIdentity', userIdentity) ??
    notObject('requestParameters', requestParameters) ??
    notObject('responseElements', responseElements) ??
    notObject('additionalEventData', additionalEventData) ??
    notString('eventTime', rawTime) ??
    notString('eventID', rawId) ??
    notString('awsRegion', rawRegion) ??
    notString('recipientAccountId', rawAccount) ??
    notString('errorCode', rawError);
  if (wrongType !== null) return { ok: false, reason: wrongType };

  const ui = obj(userIdentity) ?? {};
  const req = obj(requestParameters);
  const res = obj(responseElements);
  const add = obj(additionalEventData);
  const time = readEventTime(rawTime, raw);
  // No usable time: kept for callers that judge one record on its own (the detect Lambda, eval);
  // replay reports it instead (see eventTimeProblem).
  const { eventTime, eventTimeMs } = time.ok ? time : { eventTime: '', eventTimeMs: 0 };
  const eventId = nstr(rawId) ?? syntheticId(raw);
  if (eventId === null) {
    return { ok: false, reason: 'record has no eventID and is nested too deeply to identify' };
  }
  const assume = ASSUME_EVENTS.has(eventName);
  const actor = readActor(ui, nstr(raw.sourceIPAddress), nstr(raw.userAgent), assume, req);
  const account = nstr(rawAccount) ?? actor.accountId ?? '';
  const errorCode = nstr(rawError);
  const consoleResult = str(res?.ConsoleLogin);
  const event: NormalisedEvent = {
    eventId,
    eventName,
    eventSource,
    eventTime,
    eventTimeMs,
    account,
    region: nstr(rawRegion) ?? '',
    eventType: nstr(raw.eventType),
    readOnly: bool(raw.readOnly),
    actor,
    target: readTarget(eventName, assume, req, res, raw, actor, account),
    oidc: eventName === 'AssumeRoleWithWebIdentity' ? readOidc(ui, res, req) : null,
    errorCode,
    errorMessage: str(raw.errorMessage),
    success: errorCode === null && consoleResult !== 'Failure',
    requestParameters: req,
    responseElements: res,
    additionalEventData: add,
    sharedEventId: nstr(raw.sharedEventID),
    raw: raw as RawRecord,
  };
  return { ok: true, event };
}

/** Why top-level field `key` is unusable when present and not an object (an array is not one), else null. */
function notObject(key: string, v: unknown): string | null {
  return v === undefined || v === null || isObj(v) ? null : `${key} is ${describe(v)}, expected an object`;
}

/** Why top-level field `key` is unusable when present and not a string, else null. */
function notString(key: string, v: unknown): string | null {
  return v === undefined || v === null || typeof v === 'string'
    ? null
    : `${key} is ${describe(v)}, expected a string`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** An ISO-8601 date-time, as CloudTrail writes it (`2026-03-01T12:00:00Z`), with or without zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Why a record's time is unusable, or null when it is an ISO-8601 time. A record without one is
 * normalised with `eventTime: ''` and `eventTimeMs: 0`; replay reports it with this reason instead,
 * because evaluating it at epoch 0 would fold unrelated events into one alert and break every window.
 */
export function eventTimeProblem(raw: unknown): string | null {
  if (!isObj(raw)) return 'eventTime is missing';
  const t = readEventTime(raw.eventTime, raw);
  return t.ok ? null : t.reason;
}

/** The event time: `eventTime` (its value `own`, read by the caller), else `@timestamp`, as ISO-8601. */
function readEventTime(
  own: unknown,
  raw: Obj,
): { ok: true; eventTime: string; eventTimeMs: number } | { ok: false; reason: string } {
  const has = own !== undefined && own !== null;
  const key = has ? 'eventTime' : '@timestamp';
  const v = has ? own : raw['@timestamp'];
  if (v === undefined || v === null) return { ok: false, reason: 'eventTime is missing' };
  if (typeof v !== 'string') return { ok: false, reason: `${key} is ${describe(v)}, expected a string` };
  const fast = isoSecondsUtc(v);
  if (fast >= 0) return { ok: true, eventTime: v, eventTimeMs: fast };
  const m = ISO_TIME.exec(v);
  // A time without a zone (seen in hand-written logs) is UTC, never the machine's local time.
  const ms = m === null ? Number.NaN : Date.parse(m[1] === undefined ? `${v.replace(' ', 'T')}Z` : v);
  if (Number.isNaN(ms)) return { ok: false, reason: `${key} is not an ISO-8601 time (${quote(v)})` };
  return { ok: true, eventTime: v, eventTimeMs: ms };
}

/**
 * The UTF-16 code units of the time {@link isoSecondsUtc} reads, copied by one loop: each `charCodeAt` written
 * out is compiled into its own dispatch over string representations (about half of that function's compile).
 */
const CODES = new Uint16Array(20);

/** The value of the two ASCII digits at index `i` of {@link CODES}, or -1. */
function twoDigits(i: number): number {
  const a = CODES[i]! - 48;
  const b = CODES[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * CloudTrail's own shape, `YYYY-MM-DDTHH:MM:SSZ`, read without a regular expression or `Date.parse` (once per
 * record in replay): the same milliseconds `Date.parse` gives, or -1 for any other text or any field it
 * might judge differently (years before 1000, days after the 28th, out-of-range times) — the caller then
 * takes the general path.
 */
function isoSecondsUtc(v: string): number {
  if (v.length !== 20) return -1;
  for (let i = 0; i < 20; i++) CODES[i] = v.charCodeAt(i);
  if (CODES[4] !== 45 || CODES[7] !== 45 || CODES[10] !== 84) return -1;
  if (CODES[13] !== 58 || CODES[16] !== 58 || CODES[19] !== 90) return -1;
  const hi = twoDigits(0);
  const lo = twoDigits(2);
  const month = twoDigits(5);
  const day = twoDigits(8);
  const hour = twoDigits(11);
  const minute = twoDigits(14);
  const second = twoDigits(17);
  if (hi < 10 || lo < 0 || month < 1 || month > 12 || day < 1 || day > 28) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return utcMs(hi * 100 + lo, month - 1, day, hour, minute, second);
}

/** A short, single-line rendering of untrusted text for a reason. */
function quote(v: string): string {
  const head = v.length > 40 ? `${v.slice(0, 39)}…` : v;
  return JSON.stringify(head);
}

/**
 * Records without eventID (hand-written test logs) get a stable id from their content; null when the
 * record is nested too deeply to serialise (JSON.stringify would overflow the stack).
 */
function syntheticId(raw: Obj): string | null {
  let text: string;
  try {
    text = JSON.stringify(raw);
  } catch {
    return null;
  }
  return `sha256-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/**
 * The userIdentity types CloudTrail writes, each as this module's one copy of the text. JSON.parse makes a
 * new string per record for a long value (`AssumedRole`) and a shared internal one for a short value (`Root`);
 * comparisons in the rules (`actor.type === 'Root'`) are optimised for the kinds they have seen and start
 * over when the other kind comes. With one copy per known type, every known type compares alike.
 */
const ACTOR_TYPES: ReadonlyMap<string, string> = new Map(
  [
    'IAMUser',
    'AssumedRole',
    'Root',
    'WebIdentityUser',
    'SAMLUser',
    'AWSAccount',
    'AWSService',
    'FederatedUser',
    'IdentityCenterUser',
    'Directory',
    'Unknown',
  ].map((t) => [t, t]),
);

/** `assume`: the event is one of {@link ASSUME_EVENTS}; `sourceIp`, `userAgent`: the record's, read by the caller. */
function readActor(
  ui: Obj,
  sourceIp: string | null,
  userAgent: string | null,
  assume: boolean,
  req: Obj | null,
): Actor {
  // Each userIdentity field read once, here (see normaliseRecord).
  const given = nstr(ui.type);
  const type = given === null ? 'Unknown' : (ACTOR_TYPES.get(given) ?? given);
  const uiArn = nstr(ui.arn);
  const sessionContext = obj(ui.sessionContext);
  const accountId = nstr(ui.accountId);
  const principalId = nstr(ui.principalId);
  const uiUserName = nstr(ui.userName);
  const issuer = obj(sessionContext?.sessionIssuer);
  const issuerArn = nstr(issuer?.arn);
  let arn: string | null = uiArn;
  let sessionArn: string | null = null;
  let sessionName: string | null = null;
  if (type === 'AssumedRole') {
    sessionArn = uiArn;
    arn = issuerArn ?? roleArnFromSession(uiArn);
    const s = parseIdentityArn(uiArn);
    if (s?.kind === 'assumed-role') sessionName = s.session || null;
  } else if (type === 'FederatedUser') {
    sessionArn = uiArn;
    arn = issuerArn ?? uiArn;
  }
  if (assume) sessionName = str(req?.roleSessionName) ?? sessionName;
  const isWeb = type === 'WebIdentityUser';
  const mfa = str(obj(sessionContext?.attributes)?.mfaAuthenticated);
  return {
    type,
    arn,
    sessionArn,
    accountId,
    principalId,
    userName: uiUserName ?? (type === 'AssumedRole' ? nstr(issuer?.userName) : null),
    sessionName,
    sourceIp,
    userAgent,
    invokedBy: nstr(ui.invokedBy),
    subject: isWeb ? (uiUserName ?? subjectFromPrincipalId(principalId)?.sub ?? null) : null,
    provider: isWeb ? providerHost(nstr(ui.identityProvider) ?? principalId) : null,
    mfaAuthenticated: mfa === null ? null : mfa === 'true',
    accessKeyId: nstr(ui.accessKeyId),
    sourceIdentity: nstr(sessionContext?.sourceIdentity),
  };
}

/** principalId of a WebIdentityUser is `<provider ARN>:<aud>:<sub>`; the sub may itself contain `:`. */
function subjectFromPrincipalId(pid: string | null): { provider: string; aud: string; sub: string } | null {
  if (!pid) return null;
  const m = /^(arn:[^:]*:iam::[^:]*:oidc-provider\/[^:]+):([^:]*):(.*)$/.exec(pid);
  if (!m) return null;
  return { provider: m[1]!, aud: m[2]!, sub: m[3]! };
}

function readOidc(ui: Obj, res: Obj | null, req: Obj | null): OidcInfo {
  const fromPid = subjectFromPrincipalId(nstr(ui.principalId));
  const providerArn = nstr(res?.provider) ?? nstr(ui.identityProvider) ?? fromPid?.provider ?? null;
  const subject = nstr(res?.subjectFromWebIdentityToken) ?? nstr(ui.userName) ?? fromPid?.sub ?? null;
  const provider = providerHost(providerArn) ?? providerHost(nstr(req?.providerId));
  return {
    provider,
    providerArn,
    audience: nstr(res?.audience) ?? fromPid?.aud ?? null,
    subject,
    claims: subject ? parseSubject(subject, provider) : null,
  };
}

function readTarget(
  eventName: string,
  assume: boolean,
  req: Obj | null,
  res: Obj | null,
  raw: Obj,
  actor: Actor,
  account: string,
): Target | null {
  if (assume) {
    const arn =
      nstr(req?.roleArn) ??
      roleResourceArn(raw.resources) ??
      roleArnFromSession(str(path(res, 'assumedRoleUser', 'arn')));
    return arn ? { type: 'role', arn, name: resourceName(arn) } : { type: 'role', arn: null, name: null };
  }
  const partition = partitionOf(actor.arn ?? actor.sessionArn);
  const userName = nstr(req?.userName) ?? nstr(path(res, 'accessKey', 'userName'));
  if (userName && account) {
    return { type: 'user', arn: iamArn(partition, account, 'user', userName), name: userName };
  }
  const roleName = nstr(req?.roleName);
  if (roleName && account)
    return { type: 'role', arn: iamArn(partition, account, 'role', roleName), name: roleName };
  const groupName = nstr(req?.groupName);
  if (groupName && account) {
    return { type: 'group', arn: iamArn(partition, account, 'group', groupName), name: groupName };
  }
  const policyArn = nstr(req?.policyArn) ?? nstr(path(res, 'policy', 'arn'));
  if (policyArn) return { type: 'policy', arn: policyArn, name: resourceName(policyArn) };
  const providerArn =
    nstr(req?.openIDConnectProviderArn) ?? nstr(req?.sAMLProviderArn) ?? nstr(res?.openIDConnectProviderArn);
  if (providerArn) return { type: 'provider', arn: providerArn, name: providerHost(providerArn) };
  if (eventName === 'CreateOpenIDConnectProvider') {
    const url = nstr(req?.url);
    return { type: 'provider', arn: null, name: providerHost(url) };
  }
  const trail = nstr(req?.name) ?? nstr(req?.trailName);
  if (trail && TRAIL_EVENT.test(eventName))
    return { type: 'trail', arn: trail.startsWith('arn:') ? trail : null, name: trail };
  // Self-service calls without a userName act on the caller (e.g. CreateAccessKey for oneself, or root).
  if (SELF_SERVICE_EVENT.test(eventName) && actor.arn) {
    return { type: 'user', arn: actor.arn, name: actor.userName ?? resourceName(actor.arn) };
  }
  return null;
}

function roleResourceArn(resources: unknown): string | null {
  if (!Array.isArray(resources)) return null;
  for (const r of resources) {
    if (isObj(r) && r.type === 'AWS::IAM::Role') {
      const arn = nstr(r.ARN) ?? nstr(r.arn);
      if (arn) return arn;
    }
  }
  return null;
}
