import type { Alert } from '../alert/alert.js';
import type { RuleOverride } from '../baseline/types.js';
import { maxSeverity, type Severity, severityRank } from '../severity.js';

/**
 * A count threshold of a folding rule: once `atLeast` events fold into one alert (same dedupe key, one
 * window), the alert is raised to `severity`. Thresholds only raise, never lower.
 */
export interface CountThreshold {
  atLeast: number;
  severity: Severity;
}

/**
 * The count thresholds in force for a rule: those of the last baseline `rules:` entry for the rule that sets
 * `count_thresholds` (an empty list turns them off), else the rule's defaults (`RuleMeta.countThresholds`).
 */
export function countThresholdsFor(
  ruleId: string,
  defaults: readonly CountThreshold[] | undefined,
  overrides: readonly RuleOverride[],
): readonly CountThreshold[] {
  let found: readonly CountThreshold[] | undefined;
  for (const o of overrides)
    if (o.rule === ruleId && o.countThresholds !== undefined) found = o.countThresholds;
  return found ?? defaults ?? [];
}

/**
 * The threshold an alert crosses when its count becomes `count` (counts grow one by one, so each threshold
 * is crossed exactly once), or null. Of several thresholds at the same count, the highest severity.
 */
export function thresholdCrossedAt(
  count: number,
  thresholds: readonly CountThreshold[],
): CountThreshold | null {
  let hit: CountThreshold | null = null;
  for (const t of thresholds)
    if (t.atLeast === count && (hit === null || severityRank(t.severity) > severityRank(hit.severity)))
      hit = t;
  return hit;
}

/**
 * The alert as it stands with `count` events folded in: when `count` crosses a threshold that raises its
 * severity, a copy with the raised severity, the count and a reason saying why; otherwise the alert as is.
 * Replay (the {@link Aggregator}) and the Lambda (the dedupe store's count) both call this, so they agree.
 */
export function raiseForCount(
  alert: Alert,
  count: number,
  thresholds: readonly CountThreshold[],
  windowMinutes: number,
): Alert {
  const t = thresholdCrossedAt(count, thresholds);
  if (t === null || severityRank(t.severity) <= severityRank(alert.severity)) return alert;
  return {
    ...alert,
    count,
    severity: maxSeverity(alert.severity, t.severity),
    reasons: [
      ...alert.reasons,
      `${count} events folded into this alert within ${windowMinutes} minutes reach the count threshold of ${t.atLeast}: raised to ${t.severity}`,
    ],
  };
}

interface Group {
  alert: Alert;
  startMs: number;
  lastMs: number;
  windowMs: number;
  seq: number;
}

/**
 * Folds repeats of the same dedupe key inside a rule's window (event time) into one alert with
 * a count. Groups are emitted once the event-time watermark has passed their window plus a
 * grace period (CloudTrail files arrive slightly out of order), so memory holds only open windows.
 */
export class Aggregator {
  private readonly open = new Map<string, Group>();
  private watermark = 0;
  /**
   * No open group's window closes before this time (the earliest `startMs + windowMs` when last computed; a
   * lower bound, since groups only leave): until the watermark passes it plus the grace period, `advance`
   * has nothing to look at — the common case, a record that raises nothing and moves the watermark.
   */
  private earliestEndMs = Number.POSITIVE_INFINITY;
  private seq = 0;
  private readonly graceMs: number;

  private readonly thresholds: (ruleId: string) => readonly CountThreshold[];

  /** `thresholds`: the count thresholds of a rule (see {@link countThresholdsFor}); default none. */
  constructor(
    opts: { graceMinutes?: number; thresholds?: (ruleId: string) => readonly CountThreshold[] } = {},
  ) {
    this.graceMs = (opts.graceMinutes ?? 15) * 60_000;
    this.thresholds = opts.thresholds ?? (() => []);
  }

  /** Adds an alert; returns alerts whose windows closed. */
  add(alert: Alert, eventTimeMs: number, windowMinutes: number): Alert[] {
    const windowMs = Math.max(0, windowMinutes) * 60_000;
    const g = this.open.get(alert.dedupeKey);
    if (g && eventTimeMs >= g.startMs - windowMs && eventTimeMs < g.startMs + g.windowMs) {
      g.alert.count += 1;
      if (eventTimeMs > g.lastMs) {
        g.lastMs = eventTimeMs;
        g.alert.lastEventTime = alert.eventTime;
      }
      if (rank(alert.severity) > rank(g.alert.severity)) g.alert.severity = alert.severity;
      g.alert = raiseForCount(g.alert, g.alert.count, this.thresholds(alert.rule), windowMinutes);
    } else {
      const closed: Alert[] = [];
      if (g) {
        this.open.delete(alert.dedupeKey);
        closed.push(g.alert);
      }
      this.open.set(alert.dedupeKey, {
        alert,
        startMs: eventTimeMs,
        lastMs: eventTimeMs,
        windowMs,
        seq: this.seq++,
      });
      if (eventTimeMs + windowMs < this.earliestEndMs) this.earliestEndMs = eventTimeMs + windowMs;
      if (closed.length > 0) return [...closed, ...this.advance(eventTimeMs)];
    }
    return this.advance(eventTimeMs);
  }

  /** Moves the watermark; returns groups whose window plus grace lies behind it. */
  advance(eventTimeMs: number): Alert[] {
    if (eventTimeMs <= this.watermark) return [];
    this.watermark = eventTimeMs;
    if (!(this.earliestEndMs + this.graceMs < eventTimeMs)) return [];
    const due: Group[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, g] of this.open) {
      if (g.startMs + g.windowMs + this.graceMs < this.watermark) {
        due.push(g);
        this.open.delete(key);
      } else if (g.startMs + g.windowMs < earliest) earliest = g.startMs + g.windowMs;
    }
    this.earliestEndMs = earliest;
    return sortGroups(due);
  }

  /** Emits everything still open (end of input). */
  flush(): Alert[] {
    const all = [...this.open.values()];
    this.open.clear();
    this.earliestEndMs = Number.POSITIVE_INFINITY;
    return sortGroups(all);
  }

  get openGroups(): number {
    return this.open.size;
  }
}

const ORDER = ['info', 'low', 'medium', 'high', 'critical'];
function rank(s: string): number {
  return ORDER.indexOf(s);
}

function sortGroups(groups: Group[]): Alert[] {
  return groups.sort((a, b) => a.startMs - b.startMs || a.seq - b.seq).map((g) => g.alert);
}
