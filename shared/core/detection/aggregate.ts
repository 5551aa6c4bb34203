import type { Alert } from '../alert/alert.js';

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
  private seq = 0;
  private readonly graceMs: number;

  constructor(opts: { graceMinutes?: number } = {}) {
    this.graceMs = (opts.graceMinutes ?? 15) * 60_000;
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
      if (closed.length > 0) return [...closed, ...this.advance(eventTimeMs)];
    }
    return this.advance(eventTimeMs);
  }

  /** Moves the watermark; returns groups whose window plus grace lies behind it. */
  advance(eventTimeMs: number): Alert[] {
    if (eventTimeMs <= this.watermark) return [];
    this.watermark = eventTimeMs;
    const due: Group[] = [];
    for (const [key, g] of this.open) {
      if (g.startMs + g.windowMs + this.graceMs < this.watermark) {
        due.push(g);
        this.open.delete(key);
      }
    }
    return sortGroups(due);
  }

  /** Emits everything still open (end of input). */
  flush(): Alert[] {
    const all = [...this.open.values()];
    this.open.clear();
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
