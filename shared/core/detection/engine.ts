import { matchArn } from '../baseline/patterns.js';
import type { BaselineIdentity, RuleOverride } from '../baseline/types.js';
import type { BaselineView } from '../baseline/view.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { EventSession } from '../session/lineage.js';
import { appliesPairs, type Rule, type RuleContext, type RuleHit } from './rule.js';

export interface Finding {
  rule: Rule;
  hit: RuleHit;
}

/** A rule that threw: reported, never allowed to hide the other rules' findings. */
export interface RuleFailure {
  rule: string;
  eventId: string;
  error: string;
}

export interface EngineResult {
  findings: Finding[];
  failures: RuleFailure[];
  context: RuleContext;
}

/**
 * Runs every applicable rule over an event. Rules are indexed by `eventSource|eventName`;
 * rules that apply to any event run on all.
 */
export class Engine {
  readonly rules: readonly Rule[];
  private readonly byPair = new Map<string, Rule[]>();
  private readonly anyRules: Rule[] = [];
  /** eventSource → eventName → the rules to run (pair rules and any-event rules, catalogue order). */
  private readonly bySource = new Map<string, Map<string, readonly Rule[]>>();

  constructor(rules: readonly Rule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const a = rule.meta.appliesTo;
      if (a === 'any') {
        this.anyRules.push(rule);
        continue;
      }
      for (const { eventSource: src, eventNames } of appliesPairs(a)) {
        for (const name of eventNames) {
          const key = `${src}|${name}`;
          const list = this.byPair.get(key) ?? [];
          list.push(rule);
          this.byPair.set(key, list);
        }
      }
    }
    // Each pair's rules merged with the any-event rules once, in catalogue order (so output is stable),
    // instead of per event; looked up by source then name, without building a key string per event.
    for (const [key, specific] of this.byPair) {
      const bar = key.indexOf('|');
      const src = key.slice(0, bar);
      const name = key.slice(bar + 1);
      const wanted = new Set([...specific, ...this.anyRules]);
      const merged = this.anyRules.length === 0 ? specific : this.rules.filter((r) => wanted.has(r));
      let byName = this.bySource.get(src);
      if (byName === undefined) {
        byName = new Map();
        this.bySource.set(src, byName);
      }
      byName.set(name, merged);
    }
  }

  /** `eventSource|eventName` pairs some rule reads (not counting rules that read every event). */
  pairs(): Set<string> {
    return new Set(this.byPair.keys());
  }

  /** The rules to run on `e`, in catalogue order (a shared list: do not change it). */
  applicable(e: NormalisedEvent): readonly Rule[] {
    // The fallback is read first, on every call: read only on the rare miss, it had no type feedback when
    // replay's per-record path was optimised, and the first miss threw that code away.
    const fallback = this.anyRules;
    return this.bySource.get(e.eventSource)?.get(e.eventName) ?? fallback;
  }

  contextFor(e: NormalisedEvent, baseline: BaselineView, session?: EventSession | null): RuleContext {
    const targetArn =
      e.target && (e.target.type === 'role' || e.target.type === 'user') ? e.target.arn : null;
    const ctx: RuleContext = {
      baseline,
      target: baseline.lookup(targetArn),
      actor: baseline.lookup(e.actor.arn),
    };
    if (session !== undefined) ctx.session = session;
    return ctx;
  }

  evaluate(e: NormalisedEvent, baseline: BaselineView, session?: EventSession | null): EngineResult {
    const context = this.contextFor(e, baseline, session);
    const findings: Finding[] = [];
    const failures: RuleFailure[] = [];
    for (const rule of this.applicable(e)) {
      let out: RuleHit | RuleHit[] | null;
      try {
        out = rule.evaluate(e, context);
      } catch (err) {
        failures.push({ rule: rule.meta.id, eventId: e.eventId, error: errorText(err) });
        continue;
      }
      if (!out) continue;
      for (const hit of Array.isArray(out) ? out : [out]) {
        const about = hit.identityArn === undefined ? null : baseline.lookup(hit.identityArn);
        const tuned = tune(
          rule.meta.id,
          hit,
          { ...context, about, arns: [e.target?.arn, e.actor.arn, hit.identityArn] },
          baseline.ruleOverrides(),
        );
        if (tuned !== null) findings.push({ rule, hit: tuned });
      }
    }
    return { findings, failures, context };
  }
}

/**
 * Applies the baseline's `rules:` tuning to one hit — the one place it happens, so the Lambda and replay
 * agree. Entries apply in file order, a later one winning: `enabled: false` drops the hit, `severity`
 * replaces its severity. An entry with `environment` or `identity` applies only when the event's target or
 * actor identity is in that environment, or when the target or actor (baselined or not, `arns`) matches that
 * ARN pattern (IAM `ArnLike`). Null: dropped.
 */
export function tune(
  ruleId: string,
  hit: RuleHit,
  context: Pick<RuleContext, 'target' | 'actor'> & {
    /** Baseline of the identity the hit is about (RuleHit.identityArn), when it has one. */
    about?: BaselineIdentity | null;
    arns?: ReadonlyArray<string | null | undefined>;
  },
  overrides: readonly RuleOverride[],
): RuleHit | null {
  let out = hit;
  let enabled = true;
  for (const o of overrides) {
    if (o.rule !== ruleId || !overrideApplies(o, context)) continue;
    if (o.enabled !== undefined) enabled = o.enabled;
    if (o.severity !== undefined && o.severity !== out.severity) out = { ...out, severity: o.severity };
  }
  return enabled ? out : null;
}

function overrideApplies(
  o: RuleOverride,
  c: {
    target: BaselineIdentity | null;
    actor: BaselineIdentity | null;
    about?: BaselineIdentity | null;
    arns?: ReadonlyArray<string | null | undefined>;
  },
): boolean {
  const ids = [c.target, c.actor, c.about ?? null].filter((i): i is BaselineIdentity => i !== null);
  if (o.environment !== undefined && !ids.some((i) => i.environment === o.environment)) return false;
  if (o.identity !== undefined) {
    const pattern = o.identity;
    const arns = [...ids.map((i) => i.arn), ...(c.arns ?? [])].filter(
      (a): a is string => typeof a === 'string' && a !== '',
    );
    if (!arns.some((a) => matchArn(pattern, a))) return false;
  }
  return true;
}

function errorText(err: unknown): string {
  const s = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
