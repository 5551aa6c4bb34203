/**
 * The in-memory session store replay uses: a bounded map (oldest issued first out), with the same
 * retention rule as the DynamoDB items, so replay and the Lambda give the same lineage on the same records.
 */
import { alertedCopy, type SessionAction, type SessionRecord } from '../core/session/record.js';
import type { SessionIndex, SyncSessionStore } from '../ports.js';

/** How long a session record is kept after its credentials expire (both stores). */
export const SESSION_RETENTION_MS = 30 * 24 * 3_600_000;

/** Default bound: about 300 bytes a record, so ~60 MB. */
export const DEFAULT_MAX_SESSIONS = 200_000;

/** Logged calls kept per session (both stores: the Lambda's per instance, trace reads the newest). */
export const MAX_LOGGED_ACTIONS = 100;

/** True when `rec` is still retained at `atMs` (event time). */
export function retainedAt(rec: Pick<SessionRecord, 'expiresMs'>, atMs: number): boolean {
  return rec.expiresMs + SESSION_RETENTION_MS >= atMs;
}

export class MemorySessionStore implements SyncSessionStore, SessionIndex {
  readonly sync = true as const;
  private readonly map = new Map<string, SessionRecord>();
  private readonly logs = new Map<string, SessionAction[]>();
  /** Writes and reads, as a DynamoDB store would count them (for the bench). */
  readonly counts = { puts: 0, gets: 0, evicted: 0, logs: 0 };

  constructor(private readonly max = DEFAULT_MAX_SESSIONS) {}

  get(key: string, atMs: number): SessionRecord | null {
    this.counts.gets += 1;
    const r = this.map.get(key);
    return r && retainedAt(r, atMs) ? r : null;
  }

  put(rec: SessionRecord): void {
    if (!rec.key) return;
    this.counts.puts += 1;
    const cur = this.map.get(rec.key);
    if (cur && cur.rank >= rec.rank) return;
    this.map.set(rec.key, cur?.alerted ? alertedCopy(rec) : rec);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) {
        this.map.delete(oldest);
        this.counts.evicted += 1;
      }
    }
  }

  markAlerted(key: string): void {
    const r = this.map.get(key);
    if (r) this.map.set(key, alertedCopy(r));
  }

  logAction(action: SessionAction): void {
    const list = this.logs.get(action.key) ?? [];
    if (list.length >= MAX_LOGGED_ACTIONS || list.some((a) => a.eventId === action.eventId)) return;
    this.counts.logs += 1;
    list.push(action);
    this.logs.set(action.key, list);
  }

  /** Scans the logs (trace only, not the hot path): the session whose logged call `eventId` is. */
  async keyOfEvent(eventId: string): Promise<string | null> {
    for (const [key, list] of this.logs) if (list.some((a) => a.eventId === eventId)) return key;
    return null;
  }

  /** Scans the records (trace only). */
  async keysOfSessionArn(arn: string, atMs: number, limit = 20): Promise<string[]> {
    return [...this.map.values()]
      .filter((r) => r.sessionArn === arn && r.key !== null && r.issuedMs <= atMs)
      .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt) || String(b.key).localeCompare(String(a.key)))
      .slice(0, limit)
      .map((r) => r.key as string);
  }

  async actionsOf(key: string): Promise<SessionAction[]> {
    return [...(this.logs.get(key) ?? [])].sort(
      (a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId),
    );
  }

  /** Every record, oldest first (for `iamwatch trace --from`). */
  all(): IterableIterator<SessionRecord> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}
