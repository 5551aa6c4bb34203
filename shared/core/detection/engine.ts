import type { BaselineView } from '../baseline/view.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { EventSession } from '../session/lineage.js';
import type { Rule, RuleContext, RuleHit } from './rule.js';

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

  constructor(rules: readonly Rule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const a = rule.meta.appliesTo;
      if (a === 'any') {
        this.anyRules.push(rule);
        continue;
      }
      for (const src of a.eventSources) {
        for (const name of a.eventNames) {
          const key = `${src}|${name}`;
          const list = this.byPair.get(key) ?? [];
          list.push(rule);
          this.byPair.set(key, list);
        }
      }
    }
  }

  /** `eventSource|eventName` pairs some rule reads (not counting rules that read every event). */
  pairs(): Set<string> {
    return new Set(this.byPair.keys());
  }

  applicable(e: NormalisedEvent): Rule[] {
    const specific = this.byPair.get(`${e.eventSource}|${e.eventName}`);
    if (!specific) return this.anyRules;
    if (this.anyRules.length === 0) return specific;
    // Keep catalogue order so output is stable.
    const set = new Set([...specific, ...this.anyRules]);
    return this.rules.filter((r) => set.has(r));
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
      for (const hit of Array.isArray(out) ? out : [out]) findings.push({ rule, hit });
    }
    return { findings, failures, context };
  }
}

function errorText(err: unknown): string {
  const s = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
