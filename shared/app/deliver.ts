/**
 * Use case: deliver alerts once each, to every sink, losing none.
 *
 * For each alert the dedupe state decides: `new` → publish to all sinks; `repeat` → do not publish (the
 * store already counted it); `unavailable` → publish anyway, marked `degraded: ['dedupe-unavailable']`
 * (fail open: a duplicate is better than a lost alert). A sink that fails after its own retries does not
 * stop the others; the whole alert goes to the dead-letter sink with the reason. If even the dead-letter
 * sink fails, a {@link DeliveryError} is thrown after every alert was tried, so Lambda's retry and
 * on-failure destination take over.
 *
 * Reasons are scrubbed of URLs and tokens ({@link scrubSecrets}) before they reach the log or a dead letter.
 * An alert a sink did not even attempt (its circuit breaker was open, `heldBack` on the error) is parked
 * the same way and counted apart, so a summary can tell "failed" from "not tried".
 */

import type { Alert } from '../core/alert/alert.js';
import { type DeadLetter, type DeadLetterSink, scrubSecrets } from '../core/alert/dead-letter.js';
import { type CountThreshold, raiseForCount } from '../core/detection/aggregate.js';
import type { AlertSink, Clock, DedupeDecision, DedupeStore, Log } from '../ports.js';
import { AppError } from './errors.js';

export interface DeliverDeps {
  /** Absent: no dedupe (e.g. `replay --no-dedupe`, or slack-notify where dedupe happened upstream). */
  dedupe?: DedupeStore;
  /** The rule's dedupe window in minutes (RuleMeta.dedupWindowMinutes). */
  windowMinutes: (ruleId: string) => number;
  /**
   * The rule's count thresholds (DetectionPipeline.countThresholds). When the store's count of a repeat
   * crosses one that raises the severity, the repeat is published raised, with the count (as replay's
   * folded alert is). Absent: repeats are only counted.
   */
  countThresholds?: (ruleId: string) => readonly CountThreshold[] | Promise<readonly CountThreshold[]>;
  sinks: AlertSink[];
  log: Log;
  /** Where failed deliveries are parked. A {@link DeadLetterSink} also receives the reason. */
  deadLetter: AlertSink | DeadLetterSink;
  /** For `failedAt`; default the system clock. */
  clock?: Clock;
}

/** What happened to one alert. */
export interface AlertOutcome {
  alertId: string;
  decision: DedupeDecision['kind'] | 'no-dedupe';
  /** Sinks that accepted the alert. */
  delivered: string[];
  /** Sinks that failed, with the reason; the alert was parked for each. `heldBack`: not attempted. */
  deadLettered: Array<{ sink: string; reason: string; heldBack?: true }>;
}

export interface DeliveryReport {
  /** Alerts handed to the sinks (new, dedupe unavailable, or no dedupe). */
  published: number;
  /** Alerts folded into an earlier one (not published). */
  repeats: number;
  /** Alerts published without dedupe because the store was unavailable. */
  degraded: number;
  /** Dead letters written (one per failed alert × sink), held-back ones included. */
  deadLettered: number;
  /**
   * Of `deadLettered`, those parked without an attempt because the sink's circuit breaker was open.
   * Always set by {@link deliverAlerts} (optional only for reports built elsewhere, e.g. test doubles).
   */
  heldBack?: number;
  /** Per sink name: alerts it accepted. Always set by {@link deliverAlerts}. */
  delivered?: Record<string, number>;
  outcomes: AlertOutcome[];
}

/** The dead-letter sink itself failed: alerts may be lost unless the invocation is retried. */
export class DeliveryError extends AppError {
  readonly retryable = true;
  readonly failures: Array<{ alertId: string | null; sink: string; reason: string }>;
  constructor(failures: DeliveryError['failures'], cause?: unknown) {
    super(
      `could not deliver or dead-letter ${failures.length} alert(s); first: ${failures[0]?.reason ?? '?'}`,
      { cause },
    );
    this.name = 'DeliveryError';
    this.failures = failures;
  }
}

function isDeadLetterSink(s: AlertSink | DeadLetterSink): s is DeadLetterSink {
  return typeof (s as DeadLetterSink).park === 'function';
}

/** Park one entry in `sink`: through `park` when it has one, else `publish(alert)`. */
export async function parkDeadLetter(sink: AlertSink | DeadLetterSink, entry: DeadLetter): Promise<void> {
  if (isDeadLetterSink(sink)) await sink.park(entry);
  else if (entry.alert) await sink.publish(entry.alert);
  else throw new Error(`dead-letter sink ${sink.name} cannot store an unparsed input`);
}

interface FailureInfo {
  alert: Alert;
  reason: string;
  attempts: number;
  heldBack?: boolean;
}

/** Failures carried by an error: a batch error lists several alerts, any other error belongs to `alert`. */
function failuresOf(err: unknown, alert: Alert | null): FailureInfo[] {
  const e = err as {
    failures?: Array<{ alert: Alert; reason: string; attempts: number }>;
    reason?: string;
    attempts?: number;
    message?: string;
    heldBack?: unknown;
  };
  if (Array.isArray(e?.failures))
    return e.failures.map((f) => ({ alert: f.alert, reason: f.reason, attempts: f.attempts }));
  if (!alert) return [];
  const reason =
    typeof e?.reason === 'string'
      ? e.reason
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
  return [
    {
      alert,
      reason: reason.slice(0, 500),
      attempts: typeof e?.attempts === 'number' ? e.attempts : 1,
      ...(e?.heldBack === true ? { heldBack: true } : {}),
    },
  ];
}

const withDegraded = (alert: Alert, what: string): Alert => ({
  ...alert,
  degraded: [...new Set([...(alert.degraded ?? []), what])],
});

/** Deliver `alerts` (see module comment). Flushes batching sinks at the end. */
export async function deliverAlerts(alerts: Alert[], deps: DeliverDeps): Promise<DeliveryReport> {
  const clock = deps.clock ?? { nowMs: () => Date.now() };
  const report: Required<DeliveryReport> = {
    published: 0,
    repeats: 0,
    degraded: 0,
    deadLettered: 0,
    heldBack: 0,
    delivered: {},
    outcomes: [],
  };
  const byId = new Map<string, AlertOutcome>();
  const sent = new Map<string, Alert>();
  const unparked: DeliveryError['failures'] = [];
  const pending: DeliveryError['failures'] = [];
  let lastParkError: unknown;

  const park = async (sink: AlertSink, failure: FailureInfo) => {
    const f = { ...failure, reason: scrubSecrets(failure.reason) };
    const outcome = byId.get(f.alert.id);
    outcome?.deadLettered.push({
      sink: sink.name,
      reason: f.reason,
      ...(f.heldBack ? { heldBack: true } : {}),
    });
    const idx = outcome ? outcome.delivered.indexOf(sink.name) : -1;
    if (outcome && idx >= 0) outcome.delivered.splice(idx, 1);
    deps.log.error('alert delivery failed; dead-lettering', {
      alertId: f.alert.id,
      rule: f.alert.rule,
      sink: sink.name,
      reason: f.reason,
      attempts: f.attempts,
    });
    try {
      await parkDeadLetter(deps.deadLetter, {
        alert: f.alert,
        reason: f.reason,
        sink: sink.name,
        attempts: f.attempts,
        failedAt: new Date(clock.nowMs()).toISOString(),
      });
      report.deadLettered++;
      if (f.heldBack) report.heldBack++;
    } catch (err) {
      lastParkError = err;
      deps.log.error('dead-letter sink failed', {
        alertId: f.alert.id,
        sink: sink.name,
        deadLetter: deps.deadLetter.name,
        error: scrubSecrets(String(err)).slice(0, 300),
      });
      unparked.push({ alertId: f.alert.id, sink: sink.name, reason: f.reason });
    }
  };
  const deliveredTo = (sinkName: string, n: number) => {
    report.delivered[sinkName] = (report.delivered[sinkName] ?? 0) + n;
  };

  for (const original of alerts) {
    let decision: DedupeDecision | null = null;
    if (deps.dedupe) {
      try {
        decision = await deps.dedupe.claim(original, deps.windowMinutes(original.rule));
      } catch (err) {
        // The port promises not to throw; if an implementation does, fail open all the same.
        decision = { kind: 'unavailable', reason: String(err).slice(0, 200) };
      }
    }
    const outcome: AlertOutcome = {
      alertId: original.id,
      decision: decision?.kind ?? 'no-dedupe',
      delivered: [],
      deadLettered: [],
    };
    report.outcomes.push(outcome);
    if (decision?.kind === 'pending') {
      // Another attempt holds this alert's claim unsettled: fail this attempt after the others, so that
      // Lambda's retry (or the next replay) finds it settled or claims it once the lease runs out.
      deps.log.warn('alert claim pending in another attempt; retrying later', {
        alertId: original.id,
        leaseUntil: decision.leaseUntil,
      });
      pending.push({
        alertId: original.id,
        sink: 'dedupe',
        reason: `claim pending until ${decision.leaseUntil} (an earlier attempt did not settle it)`,
      });
      continue;
    }
    let raised: Alert | null = null;
    if (decision?.kind === 'repeat' && !decision.redelivery && deps.countThresholds) {
      const thresholds = await deps.countThresholds(original.rule);
      const r = raiseForCount(original, decision.count, thresholds, deps.windowMinutes(original.rule));
      if (r !== original) raised = r;
    }
    if (decision?.kind === 'repeat' && raised === null) {
      report.repeats++;
      deps.log.debug(decision.redelivery ? 'redelivered alert ignored' : 'repeat folded into earlier alert', {
        alertId: original.id,
        firstAlertId: decision.firstAlertId,
        count: decision.count,
      });
      continue;
    }
    // A repeat that crossed a count threshold is published raised (its own id: one event, one alert).
    let alert = raised ?? original;
    if (decision?.kind === 'unavailable') {
      alert = withDegraded(original, 'dedupe-unavailable');
      report.degraded++;
      deps.log.warn('dedupe unavailable; publishing anyway', { alertId: alert.id, reason: decision.reason });
    }
    byId.set(alert.id, outcome);
    sent.set(alert.id, alert);
    report.published++;
    await Promise.all(
      deps.sinks.map(async (sink) => {
        try {
          outcome.delivered.push(sink.name);
          await sink.publish(alert);
        } catch (err) {
          const i = outcome.delivered.indexOf(sink.name);
          if (i >= 0) outcome.delivered.splice(i, 1);
          for (const f of failuresOf(err, alert)) await park(sink, f);
        }
      }),
    );
  }

  for (const sink of deps.sinks) {
    if (!sink.flush) continue;
    try {
      await sink.flush();
    } catch (err) {
      const fs = failuresOf(err, null);
      if (fs.length === 0) {
        // A flush error that names no alert: every alert handed to this sink may be affected.
        for (const o of report.outcomes) {
          const a = sent.get(o.alertId);
          if (a && o.delivered.includes(sink.name))
            await park(sink, { alert: a, reason: String(err).slice(0, 300), attempts: 1 });
        }
      } else for (const f of fs) await park(sink, f);
    }
  }

  for (const sink of deps.sinks) deliveredTo(sink.name, 0);
  for (const o of report.outcomes) for (const name of o.delivered) deliveredTo(name, 1);

  const lost = new Set(unparked.map((u) => u.alertId));
  if (deps.dedupe?.settle) {
    // Delivered or parked: a redelivery of the same event is now ignored.
    for (const a of alerts) {
      if (!lost.has(a.id) && byId.get(a.id)?.decision === 'new')
        await deps.dedupe.settle(a, deps.windowMinutes(a.rule));
    }
  }
  if (unparked.length > 0) {
    // Neither delivered nor parked: give the claims back, so that the retry this error triggers
    // (Lambda async retry, or the operator re-running replay) claims and delivers them again. A claim
    // that cannot be given back stays pending and is claimed again once its lease runs out.
    if (deps.dedupe?.release) {
      for (const a of alerts) {
        if (lost.has(a.id) && byId.get(a.id)?.decision === 'new')
          await deps.dedupe.release(a, deps.windowMinutes(a.rule));
      }
    }
  }
  if (unparked.length > 0 || pending.length > 0) {
    throw new DeliveryError([...unparked, ...pending], lastParkError);
  }
  return report;
}
