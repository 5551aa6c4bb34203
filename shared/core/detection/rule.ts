import type { BaselineIdentity } from '../baseline/types.js';
import type { BaselineView } from '../baseline/view.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { EventSession } from '../session/lineage.js';
import type { Severity } from '../severity.js';
import type { CountThreshold } from './aggregate.js';

/** Which events a rule reads. Drives fast pre-filtering in replay and the EventBridge patterns. */
export interface AppliesTo {
  /** e.g. iam.amazonaws.com; several sources when the same eventName exists in more than one. */
  eventSources: string[];
  eventNames: string[];
  /**
   * The exact eventSource → eventNames pairs read, when the rule reads different names from different
   * services (sources × names would select, and deploy patterns for, calls no rule reads). `eventSources` and
   * `eventNames` stay the unions, for display.
   */
  pairs?: Readonly<Record<string, readonly string[]>>;
}

/** The (eventSource, eventNames) pairs a rule reads: `pairs` when given, else every source × every name. */
export function appliesPairs(a: AppliesTo): Array<{ eventSource: string; eventNames: readonly string[] }> {
  if (a.pairs !== undefined) {
    return Object.entries(a.pairs).map(([eventSource, eventNames]) => ({ eventSource, eventNames }));
  }
  return a.eventSources.map((eventSource) => ({ eventSource, eventNames: a.eventNames }));
}

/** AppliesTo from exact pairs (unions filled in). */
export function appliesToPairs(pairs: Readonly<Record<string, readonly string[]>>): AppliesTo {
  return {
    eventSources: Object.keys(pairs).sort(),
    eventNames: [...new Set(Object.values(pairs).flat())].sort(),
    pairs,
  };
}

export interface RuleMeta {
  /** Stable id, equal to the rule's folder name. */
  id: string;
  title: string;
  description: string;
  /** Default severity; `severity()` may raise or lower it per event. */
  severity: Severity;
  /** `'any'` for rules that look at every event (root-activity, break-glass-used). */
  appliesTo: AppliesTo | 'any';
  /** MITRE ATT&CK technique ids. */
  attack: string[];
  /** Stratus Red Team technique ids that exercise the rule. */
  emulatedBy: string[];
  falsePositives: string[];
  /** What the responder runs next; names an `iamwatch` command. */
  runbook: string;
  /** Repeats with the same dedupe key within this many minutes (event time) fold into one alert. */
  dedupWindowMinutes: number;
  /**
   * Default count thresholds: once this many repeats fold into one alert, raise it (replay and the Lambda
   * alike; see detection/aggregate.ts). The baseline's `rules:` `count_thresholds` replaces them.
   */
  countThresholds?: readonly CountThreshold[];
}

/** What a rule knows beyond the event: the baseline, resolved for the event's actor and target. */
export interface RuleContext {
  baseline: BaselineView;
  /** Baseline entry of the target identity (role assumed, user edited), if any. */
  target: BaselineIdentity | null;
  /** Baseline entry of the actor (session issuer role, IAM user), if any. */
  actor: BaselineIdentity | null;
  /**
   * Session lineage of the event (shared/core/session): the session it issued, the session that acted and its
   * chain to the origin. Absent when lineage is not tracked (single-record evaluation).
   */
  session?: EventSession | null;
}

/** One thing a rule found in one event. */
export interface RuleHit {
  severity: Severity;
  /** Human sentences; attacker-controlled text appears as data, never as markup. */
  reasons: string[];
  /** Groups repeats; defaults to rule id + target + actor. */
  dedupeKey?: string;
  /** Overrides the rule title (rarely). */
  title?: string;
  /**
   * The identity the finding is about when it is not the event's target (the role passed to compute): the
   * `rules:` tuning's `environment` and `identity` conditions consider it too.
   */
  identityArn?: string;
}

export interface Rule {
  meta: RuleMeta;
  /** Pure: no I/O, no clock. Returns nothing, one hit, or several. */
  evaluate(event: NormalisedEvent, ctx: RuleContext): RuleHit | RuleHit[] | null;
}

/** The short form most rules use: match, then severity and reasons. */
export interface RuleSpec {
  meta: RuleMeta;
  match: (e: NormalisedEvent, ctx: RuleContext) => boolean;
  severity?: (e: NormalisedEvent, ctx: RuleContext) => Severity;
  reasons: (e: NormalisedEvent, ctx: RuleContext) => string[];
  dedupeKey?: (e: NormalisedEvent, ctx: RuleContext) => string;
}

export function defineRule(spec: RuleSpec | Rule): Rule {
  if ('evaluate' in spec) return spec;
  const { meta, match, severity, reasons, dedupeKey } = spec;
  return {
    meta,
    evaluate(e, ctx) {
      if (!match(e, ctx)) return null;
      const hit: RuleHit = {
        severity: severity ? severity(e, ctx) : meta.severity,
        reasons: reasons(e, ctx),
      };
      if (dedupeKey) hit.dedupeKey = dedupeKey(e, ctx);
      return hit;
    },
  };
}

/** True when the rule reads events with this source and name. */
export function ruleApplies(meta: RuleMeta, eventSource: string, eventName: string): boolean {
  if (meta.appliesTo === 'any') return true;
  return appliesPairs(meta.appliesTo).some(
    (p) => p.eventSource === eventSource && p.eventNames.includes(eventName),
  );
}
