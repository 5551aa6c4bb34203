/**
 * Lineage around one event, for the detect Lambda and replay alike: look the chain up, record the session the
 * event issued (when worth a write), and after evaluation mark the acting session as alerted on.
 */
import type { Alert } from '../core/alert/alert.js';
import type { BaselineView } from '../core/baseline/view.js';
import { normaliseRecord } from '../core/cloudtrail/normalise.js';
import { primingRecords } from '../core/cloudtrail/prime.js';
import type { NormalisedEvent } from '../core/cloudtrail/types.js';
import { type EventSession, lineageOfEvent, lineageOfEventSync } from '../core/session/lineage.js';
import { callerKey, isSessionKey, type SessionAction, type SessionRecord } from '../core/session/record.js';
import { atLeast } from '../core/severity.js';
import type { SessionStore, SyncSessionStore } from '../ports.js';

/**
 * Whether an issued session is worth a write. Not: a failed call (no key), or a session an AWS service
 * obtained for a role without a baseline — service sessions (Lambda execution roles, EC2 instance profiles,
 * service-linked roles) are the bulk of STS traffic, are never chained from by CI, and their origin is the
 * service itself.
 */
export function worthWriting(rec: SessionRecord, view: BaselineView): boolean {
  return worthWritingWithoutBaseline(rec) ?? baselined(view, rec.identity);
}

/**
 * {@link worthWriting} when the answer does not depend on the baseline (every session but one an AWS
 * service obtained); null when it does. The detector writes such a record without waiting for the baseline.
 */
export function worthWritingWithoutBaseline(rec: SessionRecord): boolean | null {
  if (!rec.key) return false;
  return rec.via === 'service' ? null : true;
}

/** Whether `arn` has a baseline, memoised per view (service sessions repeat a few roles endlessly). */
const memo = new WeakMap<BaselineView, Map<string, boolean>>();
function baselined(view: BaselineView, arn: string | null): boolean {
  if (!arn) return false;
  let m = memo.get(view);
  if (!m) {
    m = new Map();
    memo.set(view, m);
  }
  let v = m.get(arn);
  if (v === undefined) {
    v = view.lookup(arn) !== null;
    if (m.size < 10_000) m.set(arn, v);
  }
  return v;
}

/** Session facts of `e` (lineage before the write, so a record is never its own parent), then the write. */
export async function trackSession(
  e: NormalisedEvent,
  view: BaselineView,
  store: SessionStore,
): Promise<EventSession> {
  const facts = await lineageOfEvent(e, (k, at) => store.get(k, at));
  if (facts.issued && worthWriting(facts.issued, view)) await store.put(facts.issued);
  return facts;
}

/**
 * Runs {@link trackSessionSync} over the priming records (see prime.ts), with `view` and `store` (a store of
 * its own, of the class replay uses): each step of the lineage (an issuing call, a first hop, a call with a
 * key not in the state, one with a parent) has feedback before the step is optimised, so that the first
 * chained session of a replay does not throw the optimised code away. `store` is left holding the priming
 * sessions; `view` keeps at most a memoised answer for the priming role.
 */
export function primeSessionTracking(view: BaselineView, store: SyncSessionStore): void {
  for (const raw of primingRecords()) {
    const n = normaliseRecord(raw);
    if (n.ok) trackSessionSync(n.event, view, store);
  }
}

/** {@link trackSession} over the in-memory store: no promise. */
export function trackSessionSync(
  e: NormalisedEvent,
  view: BaselineView,
  store: SyncSessionStore,
): EventSession {
  const facts = lineageOfEventSync(e, (k, at) => store.get(k, at));
  if (facts.issued && worthWriting(facts.issued, view)) store.put(facts.issued);
  return facts;
}

/** True for a store that answers at once. */
export function isSyncStore(store: SessionStore): store is SyncSessionStore {
  return (store as Partial<SyncSessionStore>).sync === true;
}

/**
 * Sessions to mark after alerts were raised on `e`: its acting session and the session it issued — when one
 * of the alerts is at least medium (a low alert, such as break-glass use inside a declared incident, does
 * not make the rest of the session more urgent).
 */
export function keysToMark(e: NormalisedEvent, facts: EventSession, alerts: readonly Alert[]): string[] {
  if (!alerts.some((a) => atLeast(a.severity, 'medium'))) return [];
  const keys: string[] = [];
  const used = callerKey(e);
  if (isSessionKey(used)) keys.push(used);
  if (facts.issued?.key) keys.push(facts.issued.key);
  return keys;
}

/**
 * Waits for every write, then throws the first failure: the writes run together (one round trip, not one
 * each), a failed one does not stop the others, and nothing is still in flight when this returns.
 */
async function settleAll(writes: Array<void | Promise<void> | undefined>): Promise<void> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Sources whose calls a session's log keeps (what the rules select: IAM, STS, sign-in). */
export const LOGGED_SOURCES: ReadonlySet<string> = new Set([
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'signin.amazonaws.com',
]);

/**
 * The log entry of a call for the session's log: every IAM/STS/sign-in call made with a session whose lineage
 * is known (a recorded session, or an IAM Identity Center one), and any call alerts were raised on. Null
 * otherwise. The Lambda writes it (one PutItem per such call: see README "Tracing a session" for the cost).
 */
export function actionToLog(
  e: NormalisedEvent,
  facts: EventSession,
  alerts: readonly Alert[],
): SessionAction | null {
  if (alerts.length > 0) return alertedAction(e, facts, alerts);
  const used = callerKey(e);
  if (!isSessionKey(used) || !LOGGED_SOURCES.has(e.eventSource)) return null;
  const acting = facts.issued ? facts.acting : (facts.lineage?.chain.at(-1) ?? null);
  if (acting?.key !== used) return null;
  return sessionAction(used, e, []);
}

/**
 * The log entry of a call alerts were raised on, in the log of the session that made it — or, for a first
 * hop made without a session (an OIDC or SAML assumption, a user key's AssumeRole), of the session it issued.
 * Null when there is no session to file it under, or no alert.
 */
export function alertedAction(
  e: NormalisedEvent,
  facts: EventSession,
  alerts: readonly Alert[],
): SessionAction | null {
  if (alerts.length === 0) return null;
  const used = callerKey(e);
  const key = isSessionKey(used) ? used : (facts.issued?.key ?? null);
  if (!key) return null;
  return sessionAction(key, e, alerts);
}

/** The entry of call `e` in the log of session `key`, with the alerts raised on it. */
function sessionAction(key: string, e: NormalisedEvent, alerts: readonly Alert[]): SessionAction {
  return {
    key,
    eventId: e.eventId,
    eventTime: e.eventTime,
    eventName: e.eventName,
    eventSource: e.eventSource,
    sourceIp: e.actor.sourceIp,
    errorCode: e.errorCode,
    alerts: alerts.map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, title: a.title })),
  };
}

/** Marks the sessions of {@link keysToMark} and logs the call ({@link actionToLog}), the writes together. */
export async function recordAlerts(
  e: NormalisedEvent,
  facts: EventSession,
  store: SessionStore,
  alerts: readonly Alert[],
): Promise<void> {
  const writes: Array<void | Promise<void> | undefined> = [];
  if (alerts.length > 0 && store.markAlerted)
    for (const k of keysToMark(e, facts, alerts)) writes.push(store.markAlerted(k));
  const action = store.logAction ? actionToLog(e, facts, alerts) : null;
  if (action) writes.push(store.logAction?.(action));
  await settleAll(writes);
}
