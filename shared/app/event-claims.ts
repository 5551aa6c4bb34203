/**
 * "Each event judged once" when two paths carry it (ingestMode `both`): before a record is judged, the
 * path claims `<recipientAccountId>/<eventID>` (EventClaimStore, a conditional write with a lease); after
 * its alerts were delivered and its observations written, the claims are settled. The path that comes
 * second finds the claim settled and skips the record entirely: no alert, no observation, no session
 * write. A path that died after claiming leaves a pending claim; once its lease ran out the next path
 * (or a retry) claims and judges the event. An attempt that fails cleanly (delivery and dead-letter queue
 * down) gives its claims back, so the function's own retry judges the records at once.
 *
 * Which path does what on `busy` (a live lease held by another attempt): the ingest function fails the
 * object so its notification comes back after the queue's visibility timeout (longer than any lease);
 * the detect function skips the record, because in `both` mode the trail object always follows and the
 * ingest function judges it then if nobody settled it.
 */

import type { EventClaimOutcome, EventClaimStore } from '../ports.js';
import { AppError } from './errors.js';

/** The claim key of a raw record, or null when it lacks `recipientAccountId`/`eventID` (judged unclaimed). */
export function eventClaimKey(raw: unknown): string | null {
  const r = raw as { eventID?: unknown; recipientAccountId?: unknown } | null;
  return typeof r?.eventID === 'string' && typeof r.recipientAccountId === 'string'
    ? `${r.recipientAccountId}/${r.eventID}`
    : null;
}

/** One attempt's claims: claim records as they come, then settle those whose work is done. */
export class EventClaimSession {
  private won: string[] = [];

  constructor(
    private readonly store: EventClaimStore,
    /** Unique per attempt (an invocation): a claim is settled only by the attempt holding it. */
    readonly owner: string,
  ) {}

  /** Claims `raw`'s event; a record without a key is `won` (judged, nothing to settle). */
  async claim(raw: unknown): Promise<EventClaimOutcome> {
    const key = eventClaimKey(raw);
    if (key === null) return 'won';
    const r = raw as { eventTime?: unknown };
    const out = await this.store.claim(key, typeof r.eventTime === 'string' ? r.eventTime : '', this.owner);
    if (out === 'won') this.won.push(key);
    return out;
  }

  /** The keys won since the last call (their work is not settled yet). */
  take(): string[] {
    const keys = this.won;
    this.won = [];
    return keys;
  }

  /** Gives back `keys` (from {@link take}) after this attempt failed: a retry claims them at once. */
  release(keys: readonly string[]): Promise<void> {
    return keys.length === 0 ? Promise.resolve() : this.store.release(keys, this.owner);
  }

  /** Settles `keys` (from {@link take}): the other path skips them from now on. Never throws. */
  settle(keys: readonly string[]): Promise<void> {
    return keys.length === 0 ? Promise.resolve() : this.store.settle(keys, this.owner);
  }
}

/** Raised for an object holding records another attempt is still judging: retry it after the lease. */
export class EventClaimBusyError extends AppError {
  constructor(readonly busy: number) {
    super(`${busy} record(s) claimed by another attempt whose lease has not run out; retried later`);
    this.name = 'EventClaimBusyError';
  }
}
