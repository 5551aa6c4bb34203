/**
 * Replay use case: a stream of raw CloudTrail records through the detection pipeline, with
 * event-time aggregation so repeats fold into one alert and a second run gives the same output.
 */

import { MemorySessionStore } from '../adapters/memory-sessions.js';
import type { Alert } from '../core/alert/alert.js';
import type { BaselineView } from '../core/baseline/view.js';
import { eventTimeProblem, normaliseRecord } from '../core/cloudtrail/normalise.js';
import { primeRecordReaders } from '../core/cloudtrail/prime.js';
import type { NormalisedEvent } from '../core/cloudtrail/types.js';
import { Aggregator } from '../core/detection/aggregate.js';
import type { RuleFailure } from '../core/detection/engine.js';
import type { ObservationSink, SessionStore } from '../ports.js';
import {
  type DetectionPipeline,
  type EvaluateResult,
  evaluateWithSessions,
  evaluateWithSessionsSync,
} from './detect.js';
import { LateLineage } from './replay-lineage.js';
import { isSyncStore, primeSessionTracking } from './sessions.js';

export interface RawItem {
  raw: Record<string, unknown>;
  path: string;
  line: number;
}

export interface ReplayProblem {
  path: string;
  line: number | null;
  reason: string;
}

export interface ReplayCounters {
  /**
   * Records handed to the pipeline (after the reader's relevance pre-filter), including the
   * `invalid` and `duplicates` ones that were not evaluated.
   */
  evaluated: number;
  /** Records that could not be normalised (reported through onProblem). */
  invalid: number;
  alerts: number;
  suppressed: number;
  ruleFailures: number;
  /** rule → severity → count (alerts after folding). */
  byRule: Record<string, Record<string, number>>;
  /** Events folded into earlier alerts. */
  folded: number;
  /**
   * Records skipped because a record with the same recipientAccountId and eventID was already
   * evaluated in this run (an Organization trail and an account trail overlap; CloudTrail may
   * deliver an event twice; `x.json` beside `x.json.gz`).
   */
  duplicates: number;
  /** True when `signal` stopped the run before the source was exhausted. */
  interrupted: boolean;
}

export interface ReplayDeps {
  source: AsyncIterable<RawItem[]>;
  view: BaselineView;
  pipeline: DetectionPipeline;
  /** Fold repeats within each rule's window (default true; --no-dedupe turns it off). */
  dedupe: boolean;
  observations?: ObservationSink;
  /** Session lineage state (an in-memory bounded map); alerts then carry `origin`. */
  sessions?: SessionStore;
  emit: (alert: Alert) => void | Promise<void>;
  onProblem: (p: ReplayProblem) => void;
  onRuleFailure?: (f: RuleFailure) => void;
  /** Called after every batch (progress display). */
  onBatch?: (c: ReplayCounters) => void;
  /**
   * Skip a record whose recipientAccountId and eventID were already evaluated in this run (default
   * false: `iamwatch eval` judges each labelled record on its own, ids or not).
   */
  skipDuplicates?: boolean;
  /**
   * Report a record without a usable eventTime (missing, not ISO-8601) as a problem instead of
   * evaluating it at epoch 0 (default false).
   */
  requireEventTime?: boolean;
  /** Stops reading (Ctrl-C): what was read is still folded, flushed and counted. */
  signal?: AbortSignal;
}

const STOPPED = Symbol('stopped');

export async function replay(deps: ReplayDeps): Promise<ReplayCounters> {
  // Generic loads in the record readers from the start: no recompiling them at each new field set (prime.ts).
  primeRecordReaders();
  const c: ReplayCounters = {
    evaluated: 0,
    invalid: 0,
    alerts: 0,
    suppressed: 0,
    ruleFailures: 0,
    byRule: {},
    folded: 0,
    duplicates: 0,
    interrupted: false,
  };
  // Identity of a record for duplicate detection: recipientAccountId → eventIDs evaluated (one Set entry per
  // record that passed the relevance pre-filter, ~80 bytes each; no joined key string built per record).
  const seen = new Map<string, Set<string>>();
  let lastAccount = '';
  let lastIds: Set<string> | undefined;
  const sessions = deps.sessions;
  const agg = deps.dedupe
    ? new Aggregator({ thresholds: (rule) => deps.pipeline.countThresholds(rule, deps.view) })
    : null;
  // Alerts whose origin waits for a session record read later (cross-account/region path order).
  const late = sessions && isSyncStore(sessions) ? new LateLineage(sessions, deps.pipeline, deps.view) : null;
  // The lineage steps too (a store of their own): no recompiling at the first chained session.
  if (sessions instanceof MemorySessionStore) primeSessionTracking(deps.view, new MemorySessionStore());
  const out = async (produced: Alert[], final = false) => {
    const alerts = late ? late.push(produced, final) : produced;
    for (const a of alerts) {
      c.alerts += 1;
      c.folded += a.count - 1;
      const bySev = c.byRule[a.rule] ?? {};
      bySev[a.severity] = (bySev[a.severity] ?? 0) + 1;
      c.byRule[a.rule] = bySev;
      await deps.emit(a);
    }
  };
  /**
   * The event of a record, or null when it is not evaluated: it cannot be normalised, has no usable time
   * (`requireEventTime`), or was evaluated already (`skipDuplicates`). Counted and reported here.
   */
  const admit = (item: RawItem): NormalisedEvent | null => {
    c.evaluated += 1;
    const n = normaliseRecord(item.raw);
    if (!n.ok) {
      c.invalid += 1;
      deps.onProblem({ path: item.path, line: item.line, reason: n.reason });
      return null;
    }
    const e = n.event;
    if (deps.requireEventTime && e.eventTimeMs === 0) {
      c.invalid += 1;
      const reason = eventTimeProblem(item.raw) ?? 'eventTime is the epoch';
      deps.onProblem({ path: item.path, line: item.line, reason });
      return null;
    }
    if (deps.skipDuplicates) {
      // Records come in runs of one account (an S3 object holds one account's records): its set is kept at
      // hand, and the map of accounts (a hash of the fresh account string) is asked only when it changes.
      let ids = lastIds;
      if (ids === undefined || e.account !== lastAccount) {
        ids = seen.get(e.account);
        if (ids === undefined) {
          ids = new Set();
          seen.set(e.account, ids);
        }
        lastAccount = e.account;
        lastIds = ids;
      }
      // One look-up, not has() then add(): the set grows only with an id it did not hold.
      const held = ids.size;
      ids.add(e.eventId);
      if (ids.size === held) {
        c.duplicates += 1;
        return null;
      }
    }
    return e;
  };
  /**
   * Counts an evaluated event's result and folds its alerts: the batches to hand to `out`, in order (each as
   * it became ready), or null when there are none — most records raise nothing, and an await per record costs
   * a promise and a microtask turn (LateLineage.push ignores an empty, non-final batch anyway).
   */
  const settle = (e: NormalisedEvent, r: EvaluateResult): Alert[][] | null => {
    c.suppressed += r.suppressed.length;
    for (const f of r.failures) {
      c.ruleFailures += 1;
      deps.onRuleFailure?.(f);
    }
    if (!agg) return r.alerts.length > 0 ? [r.alerts] : null;
    if (r.alerts.length === 0) {
      if (e.eventTimeMs <= 0) return null;
      const ready = agg.advance(e.eventTimeMs);
      return ready.length > 0 ? [ready] : null;
    }
    const outs: Alert[][] = [];
    for (const a of r.alerts) {
      const ready = agg.add(a, e.eventTimeMs, deps.pipeline.windowMinutes(a.rule));
      if (ready.length > 0) outs.push(ready);
    }
    return outs.length > 0 ? outs : null;
  };
  // One record, start to end, when nothing needs an await: no session store, or the in-memory one.
  const syncStep =
    sessions === undefined
      ? (item: RawItem) => {
          const e = admit(item);
          return e === null ? null : settle(e, deps.pipeline.evaluate(e, deps.view, deps.observations));
        }
      : isSyncStore(sessions)
        ? (item: RawItem) => {
            const e = admit(item);
            if (e === null) return null;
            const s = evaluateWithSessionsSync(deps.pipeline, e, deps.view, sessions, deps.observations);
            late?.note(e, s.facts, s.alerts);
            return settle(e, s);
          }
        : null;
  const it = deps.source[Symbol.asyncIterator]();
  const signal = deps.signal;
  // The next batch, or STOPPED as soon as the signal aborts (the source may wait on stdin or a FIFO
  // forever). One listener per wait, removed when the batch comes: racing every batch against one
  // long-lived promise would keep every batch reachable from that promise's reactions until the end.
  const nextOrStop = (): Promise<IteratorResult<RawItem[]> | typeof STOPPED> => {
    if (signal === undefined) return it.next();
    if (signal.aborted) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const onAbort = () => resolve(STOPPED);
      signal.addEventListener('abort', onAbort, { once: true });
      it.next().then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  };
  for (;;) {
    const next = await nextOrStop();
    if (next === STOPPED) {
      c.interrupted = true;
      // Not awaited: the source may be waiting on stdin or a FIFO that never ends.
      void it.return?.(undefined).catch(() => {});
      break;
    }
    if (next.done) break;
    for (const item of next.value) {
      // Everything up to the output is synchronous (one call per record, whole when the store is): the await
      // below comes only with alerts to send, or for a store that answers asynchronously.
      let outs: Alert[][] | null;
      if (syncStep) outs = syncStep(item);
      else {
        const e = admit(item);
        if (e === null) continue;
        const r = sessions
          ? await evaluateWithSessions(deps.pipeline, e, deps.view, sessions, deps.observations)
          : deps.pipeline.evaluate(e, deps.view, deps.observations);
        outs = settle(e, r);
      }
      if (outs !== null) for (const alerts of outs) await out(alerts);
    }
    deps.onBatch?.(c);
  }
  await out(agg ? agg.flush() : [], true);
  await deps.observations?.flush();
  return c;
}
