/**
 * The detection use case: one normalised event in, alerts out. Shared by `iamwatch replay`
 * and the detect Lambda; depends only on core and ports.
 */
import type { Alert } from '../core/alert/alert.js';
import { buildAlert } from '../core/alert/build.js';
import { principalExpected, principalOfEvent } from '../core/baseline/expected.js';
import { buildIndex, emptyBaseline } from '../core/baseline/in-memory-view.js';
import type { BaselineView } from '../core/baseline/view.js';
import { normaliseRecord } from '../core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../core/cloudtrail/types.js';
import { type CountThreshold, countThresholdsFor } from '../core/detection/aggregate.js';
import { Engine, type RuleFailure } from '../core/detection/engine.js';
import type { Rule, RuleContext } from '../core/detection/rule.js';
import { findSuppression } from '../core/detection/suppress.js';
import { RULES } from '../core/rules/index.js';
import { type EventSession, lineageOfEvent } from '../core/session/lineage.js';
import { lineageConcerns } from '../core/session/origin.js';
import { maxSeverity, SEVERITIES, type Severity } from '../core/severity.js';
import type { Log, ObservationSink, SessionStore, SyncSessionStore } from '../ports.js';
import {
  alertedAction,
  keysToMark,
  recordAlerts,
  trackSessionSync,
  worthWriting,
  worthWritingWithoutBaseline,
} from './sessions.js';

export interface EvaluateResult {
  alerts: Alert[];
  failures: RuleFailure[];
  /** Alerts dropped by a baseline suppression (counted, not silent). */
  suppressed: Array<{ rule: string; reason: string }>;
}

export class DetectionPipeline {
  readonly engine: Engine;
  private readonly windows: Map<string, number>;
  private readonly thresholds: Map<string, readonly CountThreshold[] | undefined>;

  constructor(rules: readonly Rule[] = RULES) {
    this.engine = new Engine(rules);
    this.windows = new Map(rules.map((r) => [r.meta.id, r.meta.dedupWindowMinutes]));
    this.thresholds = new Map(rules.map((r) => [r.meta.id, r.meta.countThresholds]));
  }

  /** Dedupe window of a rule, in minutes. */
  windowMinutes(ruleId: string): number {
    return this.windows.get(ruleId) ?? 60;
  }

  /** Count thresholds of a rule: the baseline's `rules:` `count_thresholds`, else the rule's defaults. */
  countThresholds(ruleId: string, view: BaselineView): readonly CountThreshold[] {
    return countThresholdsFor(ruleId, this.thresholds.get(ruleId), view.ruleOverrides());
  }

  /**
   * @param session lineage facts of the event (./sessions.ts); when given, every alert carries `origin` and
   *   its runbook ends with `iamwatch trace`, and a worrying origin raises the severity.
   */
  evaluate(
    e: NormalisedEvent,
    view: BaselineView,
    observations?: ObservationSink,
    session?: EventSession | null,
  ): EvaluateResult {
    const { findings, failures, context } = this.engine.evaluate(e, view, session);
    if (observations) recordObservation(e, context, observations);
    const alerts: Alert[] = [];
    const suppressed: EvaluateResult['suppressed'] = [];
    // Most events raise nothing, and their lineage needs no verdict.
    if (findings.length === 0) return { alerts, failures, suppressed };
    const concerns = session ? originConcerns(session, view) : [];
    for (const f of findings) {
      let alert = buildAlert(e, f, context, view);
      if (concerns.length > 0) {
        alert = { ...alert, severity: raise(alert.severity), reasons: [...alert.reasons, ...concerns] };
      }
      const s = findSuppression(alert, e.eventTimeMs, view.suppressions());
      if (s) suppressed.push({ rule: alert.rule, reason: s.reason });
      else alerts.push(alert);
    }
    return { alerts, failures, suppressed };
  }
}

/**
 * Records who used an identity: OIDC subjects (with provider and audience) and AssumeRole callers of
 * successful assumptions. `expected` is the shared verdict (shared/core/baseline/expected.ts) — the one the
 * rules and `baseline show|seen` use; an identity without a baseline is recorded as not expected, and a
 * baseline that sets no expectation (a role without `oidc` and without `callers`) as expected.
 */
function recordObservation(e: NormalisedEvent, ctx: RuleContext, sink: ObservationSink): void {
  if (!e.success || !e.target?.arn || !e.eventName.startsWith('AssumeRole')) return;
  const principal = principalOfEvent(e);
  if (principal === null) return;
  const expected = ctx.target ? principalExpected(ctx.target, principal).expected !== false : false;
  const base = { identity: e.target.arn, eventId: e.eventId, eventTime: e.eventTime, expected };
  if (principal.kind === 'oidc') {
    if (!principal.subject) return;
    sink.record({
      ...base,
      principal: `subject:${principal.subject}`,
      kind: 'oidc-subject',
      provider: principal.provider ?? null,
      audience: principal.audience ?? null,
    });
    return;
  }
  const caller = principal.kind === 'saml' ? principal.provider : principal.caller;
  if (!caller) return;
  sink.record({
    ...base,
    principal: `caller:${caller}`,
    kind: principal.kind === 'saml' ? 'saml' : 'caller',
  });
}

/**
 * What the lineage adds to an alert's reasons (raising its severity one step): only about hops before this
 * event — an OIDC assumption's own subject is the business of the OIDC rules.
 */
function originConcerns(session: EventSession, view: BaselineView): string[] {
  const lineage = session.lineage;
  if (!lineage || lineage.chain.length === 0) return [];
  if (session.issued && lineage.chain.length === 1) return [];
  return lineageConcerns(lineage, view);
}

function raise(s: Severity): Severity {
  const i = SEVERITIES.indexOf(s);
  return maxSeverity(s, SEVERITIES[Math.min(i + 1, SEVERITIES.length - 1)] ?? s);
}

/** What the lineage lookup of an event found: its session facts, or why the session store failed. */
export interface SessionLookup {
  facts: EventSession;
  problem: string | null;
  /** The issued session's record was written already (its write did not depend on the baseline). */
  written: boolean;
}

/**
 * The lineage of `e` ({@link lineageOfEvent}: one GetItem per hop), then the write of the session it issued
 * when that does not depend on the baseline ({@link worthWritingWithoutBaseline}). Neither needs the
 * baseline, so the detector starts this with the baseline read (a cold container's first event pays its
 * round trips once, not one after the other). Never rejects: trouble is the `problem` (origin unknown).
 */
export async function lookupSession(e: NormalisedEvent, store: SessionStore): Promise<SessionLookup> {
  try {
    const facts = await lineageOfEvent(e, (k, at) => store.get(k, at));
    const write = facts.issued ? worthWritingWithoutBaseline(facts.issued) : false;
    if (write && facts.issued) await store.put(facts.issued);
    return { facts, problem: null, written: write === true };
  } catch (err) {
    const problem = describeProblem(err);
    return { facts: unknownOrigin(problem), problem, written: false };
  }
}

const describeProblem = (err: unknown) =>
  err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : String(err);

const unknownOrigin = (problem: string): EventSession => ({
  issued: null,
  acting: null,
  lineage: { chain: [], complete: false, why: `origin unknown: session store unavailable (${problem})` },
});

/**
 * Lineage, evaluation and the alerted mark for one event; lineage trouble fails open (origin unknown).
 * `looked`: the lineage lookup already started ({@link lookupSession}); otherwise it is made here.
 */
export async function evaluateWithSessions(
  pipeline: DetectionPipeline,
  e: NormalisedEvent,
  view: BaselineView,
  store: SessionStore,
  observations?: ObservationSink,
  log?: Log,
  looked?: Promise<SessionLookup>,
): Promise<EvaluateResult & { sessionProblem: string | null }> {
  let { facts, problem, written } = await (looked ?? lookupSession(e, store));
  if (problem === null && !written && facts.issued && worthWriting(facts.issued, view)) {
    // The issued session's record (as trackSession writes it); a failed write is a session store failure.
    try {
      await store.put(facts.issued);
    } catch (err) {
      problem = describeProblem(err);
    }
  }
  if (problem !== null) {
    log?.warn('session store unavailable; origin unknown', { eventId: e.eventId, error: problem });
    facts = unknownOrigin(problem);
  }
  const out = pipeline.evaluate(e, view, observations, facts);
  if (problem === null) {
    try {
      await recordAlerts(e, facts, store, out.alerts);
    } catch (err) {
      log?.warn('session log or alerted mark not written', {
        eventId: e.eventId,
        error: String(err).slice(0, 200),
      });
    }
  }
  return { ...out, sessionProblem: problem };
}

/** {@link evaluateWithSessions} over the in-memory store (replay): the same steps, no promise per event. */
export function evaluateWithSessionsSync(
  pipeline: DetectionPipeline,
  e: NormalisedEvent,
  view: BaselineView,
  store: SyncSessionStore,
  observations?: ObservationSink,
): EvaluateResult & { facts: EventSession } {
  const facts = trackSessionSync(e, view, store);
  const out = pipeline.evaluate(e, view, observations, facts);
  if (out.alerts.length > 0) {
    for (const k of keysToMark(e, facts, out.alerts)) store.markAlerted(k);
    const action = store.logAction ? alertedAction(e, facts, out.alerts) : null;
    if (action) store.logAction?.(action);
  }
  return { alerts: out.alerts, failures: out.failures, suppressed: out.suppressed, facts };
}

export interface DetectorDeps {
  /** The current baseline. When it fails, the detector fails open (see {@link createDetector}). */
  baseline: () => Promise<BaselineView>;
  observations?: ObservationSink;
  /** Session lineage state; without it alerts carry no `origin`. */
  sessions?: SessionStore;
  log?: Log;
  rules?: readonly Rule[];
}

export interface DetectorResult extends EvaluateResult {
  /** Why the record could not be evaluated, when it could not. */
  problem: string | null;
  event: NormalisedEvent | null;
}

/** Marker in `Alert.degraded` when the baseline could not be read. */
export const BASELINE_UNAVAILABLE = 'baseline-unavailable';

const EMPTY_BASELINE = buildIndex(emptyBaseline());

/**
 * One raw CloudTrail record → alerts (the Lambda path). Fails open: when the baseline cannot be read
 * (store refused, timed out, throttled, denied), the record is judged against the last baseline read
 * successfully by this detector, or an empty one, and every alert carries `degraded:
 * ["baseline-unavailable"]` and a reason saying so (a finding such as `oidc-role-without-baseline` may
 * only mean the baseline was unavailable).
 */
export function createDetector(deps: DetectorDeps) {
  const pipeline = new DetectionPipeline(deps.rules);
  let lastGood: { view: BaselineView; atMs: number } | null = null;
  return {
    pipeline,
    async evaluate(raw: unknown): Promise<DetectorResult> {
      const n = normaliseRecord(raw);
      if (!n.ok) return { alerts: [], failures: [], suppressed: [], problem: n.reason, event: null };
      // The lineage lookup needs no baseline: both start now (the first event's round trips overlap).
      const looked = deps.sessions ? lookupSession(n.event, deps.sessions) : undefined;
      let view: BaselineView;
      let unavailable: string | null = null;
      try {
        view = await deps.baseline();
        lastGood = { view, atMs: Date.now() };
      } catch (err) {
        const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        unavailable = lastGood
          ? `baseline unavailable (${why.slice(0, 160)}); judged against the baseline last read at ${new Date(lastGood.atMs).toISOString()}`
          : `baseline unavailable (${why.slice(0, 160)}); judged against an empty baseline`;
        deps.log?.warn('baseline unavailable; failing open', {
          eventId: n.event.eventId,
          error: why.slice(0, 300),
          using: lastGood ? 'last good baseline' : 'empty baseline',
        });
        view = lastGood?.view ?? EMPTY_BASELINE;
      }
      const out = deps.sessions
        ? await evaluateWithSessions(
            pipeline,
            n.event,
            view,
            deps.sessions,
            deps.observations,
            deps.log,
            looked,
          )
        : pipeline.evaluate(n.event, view, deps.observations);
      for (const f of out.failures)
        deps.log?.error('rule failed', { rule: f.rule, eventId: f.eventId, error: f.error });
      if (unavailable) {
        const note = unavailable;
        out.alerts = out.alerts.map((a) => ({
          ...a,
          reasons: [...a.reasons, note],
          degraded: [...new Set([...(a.degraded ?? []), BASELINE_UNAVAILABLE])],
        }));
      }
      return { ...out, problem: null, event: n.event };
    },
  };
}
