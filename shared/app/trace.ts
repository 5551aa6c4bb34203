/**
 * `iamwatch trace`: a session's chain up to its origin, what its sessions did (IAM, STS, sign-in calls, in
 * time order) and the alerts raised on them — from archives replayed through the same pipeline as `replay`,
 * or, for a key, from the session records in the store.
 */

import { MemorySessionStore } from '../adapters/memory-sessions.js';
import type { Alert } from '../core/alert/alert.js';
import type { BaselineView } from '../core/baseline/view.js';
import { normaliseRecord } from '../core/cloudtrail/normalise.js';
import { resolveLineage } from '../core/session/lineage.js';
import { type AlertOrigin, originOf } from '../core/session/origin.js';
import { callerKey, isSessionKey, type SessionRecord, sessionFromEvent } from '../core/session/record.js';
import type { SessionIndex, SessionStore } from '../ports.js';
import { DetectionPipeline } from './detect.js';
import { type RawItem, replay } from './replay.js';

/** One call a session made. */
export interface TraceAction {
  key: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  sourceIp: string | null;
  errorCode: string | null;
  eventId: string;
}

/** An alert in a trace: at least these fields (archives give the whole {@link Alert}). */
export interface TraceAlert {
  id: string;
  rule: string;
  severity: string;
  title: string;
  eventId: string;
  eventName: string;
  eventTime: string;
}

export interface TraceReport {
  /** What was asked (key, event id or session ARN). */
  query: string;
  /** The session key the query resolved to, or null. */
  key: string | null;
  origin: AlertOrigin | null;
  /** Calls made with the chain's sessions, in time order (from the store: see {@link traceFromStore}). */
  actions: TraceAction[] | null;
  /**
   * Alerts raised on those calls or on issuing the chain's sessions: whole alerts from archives, the
   * log's summaries from the store.
   */
  alerts: TraceAlert[] | null;
  /** Why something could not be answered. */
  notes: string[];
}

const TRACED_SOURCES = new Set(['iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com']);

/** Trace from archives: every record is read (no relevance filter), evaluated as replay does. */
export async function traceFromRecords(
  query: string,
  source: AsyncIterable<RawItem[]>,
  view: BaselineView,
  onProblem: (p: { path: string; line: number | null; reason: string }) => void,
): Promise<TraceReport> {
  const sessions = new MemorySessionStore();
  const actions = new Map<string, TraceAction[]>();
  const byEvent = new Map<string, string>();
  const bySessionArn = new Map<string, string>();
  const alerts: Alert[] = [];
  let lastMs = 0;
  async function* observed(): AsyncIterable<RawItem[]> {
    for await (const batch of source) {
      for (const item of batch) {
        const n = normaliseRecord(item.raw);
        if (!n.ok) continue;
        const e = n.event;
        lastMs = Math.max(lastMs, e.eventTimeMs);
        const used = callerKey(e);
        const issued = sessionFromEvent(e);
        if (issued?.key) {
          byEvent.set(e.eventId, issued.key);
          if (issued.sessionArn) bySessionArn.set(issued.sessionArn, issued.key);
        } else if (isSessionKey(used)) byEvent.set(e.eventId, used);
        if (isSessionKey(used) && TRACED_SOURCES.has(e.eventSource)) {
          const list = actions.get(used) ?? [];
          list.push({
            key: used,
            eventTime: e.eventTime,
            eventName: e.eventName,
            eventSource: e.eventSource,
            sourceIp: e.actor.sourceIp,
            errorCode: e.errorCode,
            eventId: e.eventId,
          });
          actions.set(used, list);
        }
        if (isSessionKey(used) && e.actor.sessionArn && !bySessionArn.has(e.actor.sessionArn))
          bySessionArn.set(e.actor.sessionArn, used);
      }
      yield batch;
    }
  }
  await replay({
    source: observed(),
    view,
    pipeline: new DetectionPipeline(),
    dedupe: false,
    skipDuplicates: true,
    sessions,
    emit: (a) => {
      alerts.push(a);
    },
    onProblem,
  });
  const key = resolveQuery(query, byEvent, bySessionArn);
  const notes: string[] = [];
  if (!key) {
    notes.push(`no session key found for ${query} in the archives`);
    return { query, key: null, origin: null, actions: [], alerts: [], notes };
  }
  const lineage = await resolveLineage(key, lastMs, (k, at) => sessions.get(k, at));
  const keys = new Set(lineage.chain.map((r) => r.key).filter((k): k is string => k !== null));
  keys.add(key);
  const chainEvents = new Set(lineage.chain.map((r) => r.eventId));
  const acts = [...keys].flatMap((k) => actions.get(k) ?? []).sort(byTime);
  const actEvents = new Set(acts.map((a) => a.eventId));
  const raised = alerts
    .filter((a) => actEvents.has(a.eventId) || chainEvents.has(a.eventId))
    .sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.rule.localeCompare(b.rule));
  return { query, key, origin: originOf(lineage), actions: acts, alerts: raised, notes };
}

/**
 * Trace from the store (embedded or the stack's table): a key, a session ARN (the newest session recorded
 * under it) or the event id of an alerted call. Actions are what the store keeps: the chain's issuing calls
 * (from the session records) and the per-session log — the IAM/STS/sign-in calls of recorded sessions and the
 * calls alerts were raised on — in time order; the alerts are the log's summaries.
 */
export async function traceFromStore(
  query: string,
  store: SessionStore & SessionIndex,
  nowMs: number,
): Promise<TraceReport> {
  const notes: string[] = [];
  let key: string | null = null;
  if (KEY_RE.test(query)) key = query;
  else if (query.startsWith('arn:')) {
    const keys = await store.keysOfSessionArn(query, nowMs, 20);
    key = keys[0] ?? null;
    if (keys.length > 1)
      notes.push(
        `${keys.length} sessions recorded under ${query}: the newest is traced; the others: ${keys.slice(1).join(', ')}`,
      );
  } else key = await store.keyOfEvent(query);
  if (!key) {
    notes.push(
      query.startsWith('arn:')
        ? `no session recorded under ${query} (sessions of unbaselined service roles are not recorded; records are kept 30 days after expiry)`
        : `event ${query} is not in the store's log: it keeps the IAM/STS/sign-in calls of recorded sessions and the calls alerts were raised on; pass the access key (ASIA…) or --from ARCHIVE... for any other event`,
    );
    return { query, key: null, origin: null, actions: [], alerts: [], notes };
  }
  const lineage = await resolveLineage(key, nowMs, (k, at) => store.get(k, at));
  const keys = new Set(lineage.chain.map((r) => r.key).filter((k): k is string => k !== null));
  keys.add(key);
  const logged = (await Promise.all([...keys].map((k) => store.actionsOf(k)))).flat();
  const byEvent = new Map<string, TraceAction>();
  const alerts: TraceAlert[] = [];
  for (const r of lineage.chain) {
    // A chained hop's issuing call is a call of its parent session.
    if (r.parentKey)
      byEvent.set(r.eventId, {
        key: r.parentKey,
        eventTime: r.issuedAt,
        eventName: r.eventName,
        eventSource: 'sts.amazonaws.com',
        sourceIp: r.sourceIp,
        errorCode: null,
        eventId: r.eventId,
      });
  }
  for (const a of logged) {
    const { alerts: marks, ...act } = a;
    byEvent.set(a.eventId, act);
    for (const m of marks)
      alerts.push({ ...m, eventId: a.eventId, eventName: a.eventName, eventTime: a.eventTime });
  }
  notes.push(
    "from the store: the IAM/STS/sign-in calls of the chain's recorded sessions (at most 100 a session) and the calls alerts were raised on; --from ARCHIVE... lists every call of the archives",
  );
  return {
    query,
    key,
    origin: originOf(lineage),
    actions: [...byEvent.values()].sort(byTime),
    alerts: alerts.sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.rule.localeCompare(b.rule)),
    notes,
  };
}

const KEY_RE = /^A[SK]IA[A-Z0-9]{12,}$/;

function resolveQuery(
  q: string,
  byEvent: Map<string, string>,
  bySessionArn: Map<string, string>,
): string | null {
  if (KEY_RE.test(q)) return q;
  if (q.startsWith('arn:')) return bySessionArn.get(q) ?? null;
  return byEvent.get(q) ?? null;
}

function byTime(a: TraceAction, b: TraceAction): number {
  return a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId);
}

export type { SessionRecord };
