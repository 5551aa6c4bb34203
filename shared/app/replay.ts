/**
 * Replay use case: a stream of raw CloudTrail records through the detection pipeline, with
 * event-time aggregation so repeats fold into one alert and a second run gives the same output.
 */
import type { Alert } from '../core/alert/alert.js';
import type { BaselineView } from '../core/baseline/view.js';
import { normaliseRecord } from '../core/cloudtrail/normalise.js';
import { Aggregator } from '../core/detection/aggregate.js';
import type { RuleFailure } from '../core/detection/engine.js';
import type { ObservationSink } from '../ports.js';
import type { DetectionPipeline } from './detect.js';

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
  /** Records handed to the pipeline (after the reader's relevance pre-filter). */
  evaluated: number;
  /** Records that could not be normalised. */
  invalid: number;
  alerts: number;
  suppressed: number;
  ruleFailures: number;
  /** rule → severity → count (alerts after folding). */
  byRule: Record<string, Record<string, number>>;
  /** Events folded into earlier alerts. */
  folded: number;
}

export interface ReplayDeps {
  source: AsyncIterable<RawItem[]>;
  view: BaselineView;
  pipeline: DetectionPipeline;
  /** Fold repeats within each rule's window (default true; --no-dedupe turns it off). */
  dedupe: boolean;
  observations?: ObservationSink;
  emit: (alert: Alert) => void | Promise<void>;
  onProblem: (p: ReplayProblem) => void;
  onRuleFailure?: (f: RuleFailure) => void;
  /** Called after every batch (progress display). */
  onBatch?: (c: ReplayCounters) => void;
}

export async function replay(deps: ReplayDeps): Promise<ReplayCounters> {
  const c: ReplayCounters = {
    evaluated: 0,
    invalid: 0,
    alerts: 0,
    suppressed: 0,
    ruleFailures: 0,
    byRule: {},
    folded: 0,
  };
  const agg = deps.dedupe ? new Aggregator() : null;
  const out = async (alerts: Alert[]) => {
    for (const a of alerts) {
      c.alerts += 1;
      c.folded += a.count - 1;
      const bySev = c.byRule[a.rule] ?? {};
      bySev[a.severity] = (bySev[a.severity] ?? 0) + 1;
      c.byRule[a.rule] = bySev;
      await deps.emit(a);
    }
  };
  for await (const batch of deps.source) {
    for (const item of batch) {
      c.evaluated += 1;
      const n = normaliseRecord(item.raw);
      if (!n.ok) {
        c.invalid += 1;
        deps.onProblem({ path: item.path, line: item.line, reason: n.reason });
        continue;
      }
      const e = n.event;
      const r = deps.pipeline.evaluate(e, deps.view, deps.observations);
      c.suppressed += r.suppressed.length;
      for (const f of r.failures) {
        c.ruleFailures += 1;
        deps.onRuleFailure?.(f);
      }
      if (!agg) {
        await out(r.alerts);
        continue;
      }
      for (const a of r.alerts) await out(agg.add(a, e.eventTimeMs, deps.pipeline.windowMinutes(a.rule)));
      if (r.alerts.length === 0 && e.eventTimeMs > 0) await out(agg.advance(e.eventTimeMs));
    }
    deps.onBatch?.(c);
  }
  if (agg) await out(agg.flush());
  await deps.observations?.flush();
  return c;
}
