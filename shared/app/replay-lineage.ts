/**
 * Late lineage for replay. Replay reads objects in path order (account, then region, then time), so a chain
 * that crosses accounts or regions can reach a call before the record of the session that issued its
 * credentials: the call's origin is then unknown where the detect Lambda, which sees events in about time
 * order, knows it. Alerts whose lineage stopped at a key not seen yet are held, in output order, and asked
 * again as more records are read; once the key is known (or at the end of input) the event is judged again
 * with its lineage — origin, severity, reasons, and any lineage rule (chained escalation) that now fires — and
 * the alerts go out in the order they were produced. Only alerts are held, never records; an output whose
 * origins do not change is the same, byte for byte and in order, as without this step.
 */
import type { Alert } from '../core/alert/alert.js';
import type { BaselineView } from '../core/baseline/view.js';
import type { NormalisedEvent } from '../core/cloudtrail/types.js';
import { type EventSession, lineageOfEventSync } from '../core/session/lineage.js';
import { maxSeverity } from '../core/severity.js';
import type { SyncSessionStore } from '../ports.js';
import type { DetectionPipeline } from './detect.js';

/** Alerts held at most (about 3 KB each): beyond it the oldest goes out as it is. */
export const MAX_HELD_ALERTS = 20_000;
/** Unalerted issuing events kept for a second look at the end (about 2 KB each); later ones are not. */
export const MAX_WATCHED_EVENTS = 20_000;

interface Pending {
  event: NormalisedEvent;
  /** Rules that fired on the event the first time. */
  rules: Set<string>;
}

export class LateLineage {
  private readonly pending = new WeakMap<Alert, Pending>();
  /** Alerts waiting to go out, in output order, from index `head` on. */
  private readonly queue: Alert[] = [];
  private head = 0;
  /** Events judged again (their new-rule alerts went out once). */
  private readonly extra = new WeakMap<NormalisedEvent, Alert[]>();
  private checkedAtSize = -1;
  /** Issuing events without alerts whose lineage was incomplete, in input order. */
  private readonly watched: NormalisedEvent[] = [];
  /** Alerts whose origin the late step completed (for counters and tests). */
  resolved = 0;

  constructor(
    private readonly store: SyncSessionStore & { readonly counts?: { readonly puts: number } },
    private readonly pipeline: DetectionPipeline,
    private readonly view: BaselineView,
  ) {}

  /**
   * Notes an event whose lineage stopped at a key not seen yet: its alerts are held; an issuing event without
   * alerts is kept for a second look at the end (a lineage rule — chained escalation — may fire on it then).
   */
  note(e: NormalisedEvent, facts: EventSession, alerts: readonly Alert[]): void {
    if (!facts.lineage?.missing) return;
    if (alerts.length === 0) {
      if (facts.issued && this.watched.length < MAX_WATCHED_EVENTS) this.watched.push(e);
      return;
    }
    const p: Pending = { event: e, rules: new Set(alerts.map((a) => a.rule)) };
    for (const a of alerts) this.pending.set(a, p);
  }

  private held(): number {
    return this.queue.length - this.head;
  }

  /**
   * Queues `alerts` behind what is held and returns what may go out now, in order: everything up to the
   * first held alert whose key is still unknown. `final`: the input is over; everything goes out.
   */
  push(alerts: readonly Alert[], final = false): Alert[] {
    // Asked again only when alerts come (or at the end): never once per record.
    if (alerts.length === 0 && !final) return [];
    for (const a of alerts) this.queue.push(a);
    const size = this.store.counts?.puts ?? -2;
    // Nothing new in the store since the head was last asked about: it is still unknown.
    if (!final && size === this.checkedAtSize && this.held() <= MAX_HELD_ALERTS) {
      const head = this.queue[this.head];
      if (head && this.pending.has(head)) return [];
    }
    this.checkedAtSize = size;
    const out: Alert[] = [];
    while (this.head < this.queue.length) {
      const head = this.queue[this.head] as Alert;
      const p = this.pending.get(head);
      if (p) {
        const again = lineageOfEventSync(p.event, (k, at) => this.store.get(k, at));
        const known = !again.lineage?.missing;
        if (!known && !final && this.held() <= MAX_HELD_ALERTS) break;
        this.pending.delete(head);
        this.head += 1;
        out.push(head);
        if (known) out.push(...this.apply(head, p, again));
        continue;
      }
      this.head += 1;
      out.push(head);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (final) {
      for (const e of this.watched.splice(0)) {
        const again = lineageOfEventSync(e, (k, at) => this.store.get(k, at));
        if (again.lineage?.missing) continue;
        const fresh = this.pipeline.evaluate(e, this.view, undefined, again).alerts;
        this.resolved += fresh.length;
        out.push(...fresh);
      }
    }
    return out;
  }

  /**
   * Judges the event again with its late lineage and updates `alert` in place (its count stays). Returns the
   * alerts of lineage rules that fire only now (once per event: out after its first alert, unfolded).
   */
  private apply(alert: Alert, p: Pending, facts: EventSession): Alert[] {
    const seen = this.extra.has(p.event);
    const fresh = this.pipeline.evaluate(p.event, this.view, undefined, facts).alerts;
    const same = fresh.find((f) => f.rule === alert.rule);
    if (same) {
      alert.origin = same.origin ?? null;
      alert.severity = maxSeverity(alert.severity, same.severity);
      alert.reasons = same.reasons;
      alert.runbook = same.runbook;
      this.resolved += 1;
    }
    if (seen) return [];
    const extra = fresh.filter((f) => !p.rules.has(f.rule));
    this.extra.set(p.event, extra);
    return extra;
  }
}
