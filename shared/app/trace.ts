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
import type { SessionStore } from '../ports.js';
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

export interface TraceReport {
  /** What was asked (key, event id or session ARN). */
  query: string;
  /** The session key the query resolved to, or null. */
  key: string | null;
  origin: AlertOrigin | null;
  /** Calls made with the chain's sessions, in time order (archives only). */
  actions: TraceAction[] | null;
  /** Alerts raised on those calls or on issuing the chain's sessions (archives only). */
  alerts: Alert[] | null;
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

/** Trace from the store: a key only (no index by event id or session ARN); no actions or alerts. */
export async function traceFromStore(
  query: string,
  store: SessionStore,
  nowMs: number,
): Promise<TraceReport> {
  const notes = ['the store keeps session records only: run with --from ARCHIVE... for actions and alerts'];
  if (!/^A[SK]IA[A-Z0-9]{12,}$/.test(query)) {
    notes.push(
      'the store is looked up by access key; pass --from ARCHIVE... to trace an event id or a session ARN',
    );
    return { query, key: null, origin: null, actions: null, alerts: null, notes };
  }
  const lineage = await resolveLineage(query, nowMs, (k, at) => store.get(k, at));
  return { query, key: query, origin: originOf(lineage), actions: null, alerts: null, notes };
}

function resolveQuery(
  q: string,
  byEvent: Map<string, string>,
  bySessionArn: Map<string, string>,
): string | null {
  if (/^A[SK]IA[A-Z0-9]{12,}$/.test(q)) return q;
  if (q.startsWith('arn:')) return bySessionArn.get(q) ?? null;
  return byEvent.get(q) ?? null;
}

function byTime(a: TraceAction, b: TraceAction): number {
  return a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId);
}

export type { SessionRecord };
