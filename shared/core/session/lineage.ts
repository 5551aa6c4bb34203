/**
 * Session lineage: from a session's key back, through the parent sessions that issued it, to the origin —
 * an OIDC token, a SAML assertion, an IAM user's key, root, an AWS service — within a bounded number of
 * hops. "Origin unknown" (a parent older than retained state, or not seen yet) is a normal answer. Pure: the
 * lookup is passed in (a Map in replay, DynamoDB in the Lambda) and answers for a moment in event time.
 */
import { parseIdentityArn } from '../arn.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import {
  callerKey,
  ISSUING_EVENTS,
  inheritFromParent,
  isSessionKey,
  type SessionRecord,
  sessionFromEvent,
} from './record.js';

/** Looks a session up as of `atMs` (event time): null when never seen or no longer retained at `atMs`. */
export type SessionLookup = (
  key: string,
  atMs: number,
) => SessionRecord | null | Promise<SessionRecord | null>;

/** Default bound on parent hops (AWS itself limits role chaining sessions to one hour, not to a depth). */
export const MAX_HOPS = 10;

export interface Lineage {
  /** Sessions from the origin (first hop) to the session in question (last). */
  chain: SessionRecord[];
  /** True when the walk reached a first hop (OIDC, SAML, user key, root, service) without a gap. */
  complete: boolean;
  /** Why the chain is incomplete, or how it starts. */
  why: string;
  /**
   * The key the walk looked up and did not find (not seen yet, or past retention), when that is why the chain
   * is incomplete: replay asks again once more records are read (shared/app/replay-lineage.ts). Every lineage
   * built here holds the key (undefined when nothing is missing): one shape, whether or not a key is missing.
   */
  missing?: string;
}

/**
 * The walk as a generator: it yields each key it needs and is sent back the record (or null). Driven
 * synchronously over a Map ({@link runSync}, replay: no promise per event) or asynchronously over DynamoDB
 * ({@link runAsync}, the Lambda) — one walk, two drivers, the same answers.
 */
type Walk<T> = Generator<string, T, SessionRecord | null>;

function* walkFrom(key: string, maxHops: number): Walk<Lineage> {
  const first = yield key;
  if (!first) {
    return {
      chain: [],
      complete: false,
      why: `origin unknown: session ${key} was issued before the retained state or has not been seen`,
      missing: key,
    };
  }
  return yield* extend([first], maxHops);
}

/** Completes a chain whose first element is the most recent session, walking its parents. */
function* extend(newestFirst: SessionRecord[], maxHops: number): Walk<Lineage> {
  let cur = newestFirst[newestFirst.length - 1] as SessionRecord;
  for (;;) {
    const parentKey = cur.parentKey;
    if (!parentKey) break;
    if (newestFirst.some((r) => r.key === parentKey)) {
      return done(
        newestFirst,
        false,
        `loop: session ${parentKey} is its own ancestor; the walk stopped there`,
      );
    }
    if (newestFirst.length > maxHops) {
      return done(newestFirst, false, `more than ${maxHops} hops; the walk stopped at ${parentKey}`);
    }
    const parent =
      (yield parentKey) ?? identityCenterSession(cur.caller, parentKey, cur.issuedAt, cur.eventId);
    if (!parent) {
      const l = done(
        newestFirst,
        false,
        `origin unknown: parent session ${parentKey} was issued before the retained state or has not been seen`,
      );
      l.missing = parentKey;
      return l;
    }
    newestFirst.push(parent);
    cur = parent;
  }
  return firstHopReached(newestFirst, cur);
}

/** The lineage of a chain whose oldest session `first` has no parent key: an origin, or a caller unseen. */
function firstHopReached(newestFirst: SessionRecord[], first: SessionRecord): Lineage {
  if (first.via === 'caller') {
    return done(
      newestFirst,
      false,
      `origin unknown: the first visible hop was made by ${first.caller ?? 'an unseen caller'} without a visible session key`,
    );
  }
  return done(newestFirst, true, originSentence(first));
}

/** Drives a walk over a synchronous lookup. */
function runSync<T>(walk: Walk<T>, atMs: number, get: SyncSessionLookup): T {
  let step = walk.next();
  while (!step.done) step = walk.next(get(step.value, atMs));
  return step.value;
}

/** Drives a walk over an asynchronous lookup. */
async function runAsync<T>(walk: Walk<T>, atMs: number, get: SessionLookup): Promise<T> {
  let step = walk.next();
  while (!step.done) step = walk.next(await get(step.value, atMs));
  return step.value;
}

/** A lookup that answers at once (the in-memory map). */
export type SyncSessionLookup = (key: string, atMs: number) => SessionRecord | null;

/** Walks parents from `key` to the origin. */
export function resolveLineage(
  key: string,
  atMs: number,
  get: SessionLookup,
  maxHops = MAX_HOPS,
): Promise<Lineage> {
  return runAsync(walkFrom(key, maxHops), atMs, get);
}

/** {@link resolveLineage} over a synchronous lookup. */
export function resolveLineageSync(
  key: string,
  atMs: number,
  get: SyncSessionLookup,
  maxHops = MAX_HOPS,
): Lineage {
  return runSync(walkFrom(key, maxHops), atMs, get);
}

function done(newestFirst: SessionRecord[], complete: boolean, why: string): Lineage {
  return { chain: newestFirst.slice().reverse(), complete, why, missing: undefined };
}

function originSentence(r: SessionRecord): string {
  switch (r.via) {
    case 'oidc':
      return `origin: OIDC token ${r.subject ?? '(no subject)'} from ${r.provider ?? 'an unknown provider'}`;
    case 'saml':
      if (r.provider === 'IAM Identity Center')
        return `origin: IAM Identity Center user ${r.subject ?? '(unknown)'} (session issued outside this trail)`;
      return `origin: SAML subject ${r.subject ?? '(none)'} through ${r.provider ?? 'an unknown provider'}`;
    case 'user-key':
      return `origin: long-term access key of ${r.user ?? 'an IAM user'}`;
    case 'root':
      return `origin: root of ${r.account}`;
    case 'service':
      return `origin: AWS service ${r.caller ?? '(unknown)'}`;
    default:
      return `origin: ${r.caller ?? 'unknown caller'}`;
  }
}

/** What lineage tells about one event. */
export interface EventSession {
  /** The session the event issued, when it is an issuing event. */
  issued: SessionRecord | null;
  /** Lineage of the session the event issued, else of the session that made the call; null when neither. */
  lineage: Lineage | null;
  /** The record of the session that made the call (the last hop before `issued`), when known. */
  acting: SessionRecord | null;
}

/** The walk for one event (see {@link lineageOfEvent}). */
function* eventWalk(e: NormalisedEvent, maxHops: number): Walk<EventSession> {
  const fromEvent = sessionFromEvent(e);
  if (fromEvent) {
    const lineage = yield* extend([fromEvent], maxHops);
    const acting = lineage.chain.length >= 2 ? (lineage.chain.at(-2) ?? null) : null;
    // Transitive tags and sourceIdentity flow from the parent (the record written carries them on).
    const issued = acting ? inheritFromParent(fromEvent, acting) : fromEvent;
    if (issued !== fromEvent) lineage.chain[lineage.chain.length - 1] = issued;
    return { issued, lineage, acting };
  }
  const used = callerKey(e);
  if (!isSessionKey(used)) return NO_SESSION;
  let lineage = yield* walkFrom(used, maxHops);
  if (lineage.chain.length === 0) {
    const sso = identityCenterSession(e.actor.sessionArn, used, e.eventTime, e.eventId);
    if (sso) lineage = { chain: [sso], complete: true, why: originSentence(sso), missing: undefined };
  }
  return { issued: null, lineage, acting: lineage.chain.at(-1) ?? null };
}

/**
 * An IAM Identity Center session (`assumed-role/AWSReservedSSO_<set>_<id>/<user>`) whose issuing event is not
 * in the session state: CLI credentials come from `sso:GetRoleCredentials`, which CloudTrail logs in the
 * Identity Center account without the key. Its origin is the Identity Center user its session name names;
 * issue time and address are unknown (the hop carries the time and id of the event that showed it).
 */
function identityCenterSession(
  sessionArn: string | null,
  key: string,
  at: string,
  eventId: string,
): SessionRecord | null {
  const s = parseIdentityArn(sessionArn);
  if (s?.kind !== 'assumed-role' || !s.role.startsWith('AWSReservedSSO_') || s.session === '') return null;
  if (s.partition === '' || !/^\d{12}$/.test(s.account)) return null;
  const { partition, account, role, session: user } = s;
  return {
    key,
    eventId,
    eventName: 'GetRoleCredentials',
    account,
    identity: `arn:${partition}:iam::${account}:role/${role}`,
    sessionArn,
    sessionName: user,
    via: 'saml',
    subject: user,
    provider: 'IAM Identity Center',
    audience: null,
    caller: null,
    user: null,
    parentKey: null,
    sourceIdentity: null,
    sharedEventId: null,
    sourceIp: null,
    userAgent: null,
    issuedAt: at,
    issuedMs: 0,
    expiresMs: 0,
    rank: 0,
    alerted: undefined,
  };
}

/**
 * The answer for most events. Not frozen: a frozen object has a hidden class (map) of its own, and code that
 * reads the facts of events (optimised while it saw only this one) was thrown away at the first issuing event
 * or session call; as an ordinary literal it shares the map of every other answer. Read-only by type.
 */
const NO_SESSION: Readonly<EventSession> = { issued: null, lineage: null, acting: null };

/**
 * The lineage of an event: for an issuing event, the chain of the session it issued (ending with it); for any
 * other call made with a session key, the chain of that session. Null lineage for calls with a long-term key
 * or none (their origin is the actor itself).
 */
export function lineageOfEvent(
  e: NormalisedEvent,
  get: SessionLookup,
  maxHops = MAX_HOPS,
): Promise<EventSession> {
  return runAsync(eventWalk(e, maxHops), e.eventTimeMs, get);
}

/** {@link lineageOfEvent} over a synchronous lookup (replay). */
export function lineageOfEventSync(
  e: NormalisedEvent,
  get: SyncSessionLookup,
  maxHops = MAX_HOPS,
): EventSession {
  if (e.eventSource === 'sts.amazonaws.com' && ISSUING_EVENTS.has(e.eventName)) {
    // Most issuing calls are first hops (an AWS service, OIDC, SAML, a user's key): nothing to look up, so
    // no walk to drive — the lineage {@link eventWalk} would give, built directly (one per STS event).
    const issued = sessionFromEvent(e);
    if (issued && !issued.parentKey)
      return { issued, lineage: firstHopReached([issued], issued), acting: null };
  } else {
    const used = callerKey(e);
    // Most events neither issue a session nor use one: no walk to start (replay's per-record cost).
    if (!isSessionKey(used)) return NO_SESSION;
    // A call made with a session key: the walk {@link eventWalk} drives, without the generators, up to the
    // first parent to look up (most sessions are first hops, or not in the state at all).
    const first = get(used, e.eventTimeMs);
    let lineage: Lineage;
    if (!first) lineage = callerUnseen(e, used);
    else if (!first.parentKey) lineage = firstHopReached([first], first);
    else lineage = runSync(extend([first], maxHops), e.eventTimeMs, get);
    return { issued: null, lineage, acting: lineage.chain.at(-1) ?? null };
  }
  return runSync(eventWalk(e, maxHops), e.eventTimeMs, get);
}

/** The lineage of a call made with session key `used` that is not in the state: {@link eventWalk}'s answer. */
function callerUnseen(e: NormalisedEvent, used: string): Lineage {
  const sso = identityCenterSession(e.actor.sessionArn, used, e.eventTime, e.eventId);
  if (sso) return { chain: [sso], complete: true, why: originSentence(sso), missing: undefined };
  return {
    chain: [],
    complete: false,
    why: `origin unknown: session ${used} was issued before the retained state or has not been seen`,
    missing: used,
  };
}
