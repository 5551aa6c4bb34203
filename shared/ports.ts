/**
 * Ports: what the use cases (shared/app) need from the outside world. Adapters in
 * shared/adapters implement them; composition roots (functions/*, shared/cli) pick which.
 */
import type { Alert } from './core/alert/alert.js';
import type { Baseline, BaselineIdentity, IncidentWindow } from './core/baseline/types.js';
import type { BaselineView } from './core/baseline/view.js';
import { IamwatchError } from './core/errors.js';
import type { SessionAction, SessionRecord } from './core/session/record.js';

/** Something that receives alerts: stdout, SNS, Slack, EventBridge. Must be idempotent by alert id. */
export interface AlertSink {
  readonly name: string;
  publish(alert: Alert): Promise<void>;
  /** Flush buffered alerts (batching sinks). */
  flush?(): Promise<void>;
}

/** What was observed using an identity: who assumed a role, with which subject, how often. */
export interface Observation {
  /** Role/user ARN that was used. */
  identity: string;
  /** `subject:<sub>` for OIDC, `caller:<arn|account>` for AssumeRole, `provider:<host>` … */
  principal: string;
  kind: 'oidc-subject' | 'caller' | 'saml';
  eventId: string;
  eventTime: string;
  /** Allowed by the baseline at the time of observation. */
  expected: boolean;
  /** OIDC observations: provider host and audience of the token (null when the record lacks them). */
  provider?: string | null;
  audience?: string | null;
}

export interface ObservationSink {
  record(obs: Observation): void;
  /** Write what is buffered (batched writes). */
  flush(): Promise<void>;
}

/** Outcome of asking the dedupe state about an alert. */
export type DedupeDecision =
  | { kind: 'new' }
  /** `redelivery`: the same alert (same id) claimed again, e.g. EventBridge redelivery or a Lambda retry. */
  | { kind: 'repeat'; count: number; firstAlertId: string; redelivery?: boolean }
  /**
   * The same alert (same id) was claimed by an attempt that has not settled it yet and whose lease has
   * not run out: either it is still running, or it died before delivering. Deliver nothing now and fail
   * the attempt, so that a later retry (after `leaseUntil`) either finds it settled or claims it anew.
   */
  | { kind: 'pending'; leaseUntil: string }
  | { kind: 'unavailable'; reason: string };

/** Shared alert/dedupe state (DynamoDB conditional writes in AWS). */
export interface DedupeStore {
  /** Claim (dedupeKey, window) for this alert, or count a repeat. Never throws: returns `unavailable`. */
  claim(alert: Alert, windowMinutes: number): Promise<DedupeDecision>;
  /**
   * Give back a claim this alert won, when it could be neither delivered nor parked, so that a retry
   * of the same event claims it again instead of folding it away. Never throws.
   */
  release?(alert: Alert, windowMinutes: number): Promise<void>;
  /**
   * Mark a claim this alert won as settled (delivered or parked), so that a redelivery of the same event
   * is ignored. Until then the claim is pending: a retry after its lease re-delivers instead of folding
   * the alert away (a claim whose release failed is not lost). Never throws.
   */
  settle?(alert: Alert, windowMinutes: number): Promise<void>;
}

/** The baseline as stored (DynamoDB), with live incident windows. */
export interface BaselineStore {
  /** A view for detection; implementations cache per identity for `cacheSeconds`. */
  view(): Promise<BaselineView>;
  getIdentity(arn: string): Promise<BaselineIdentity | null>;
  /** Replace the stored baseline with `baseline`; returns what changed. */
  sync(
    baseline: Baseline,
    opts: { prune: boolean; dryRun: boolean; sourceHash: string; sourceName: string },
  ): Promise<SyncReport>;
  openIncident(w: Omit<IncidentWindow, 'id' | 'source'>): Promise<IncidentWindow>;
  listIncidents(opts?: { includeClosed?: boolean }): Promise<IncidentWindow[]>;
  closeIncident(id: string): Promise<IncidentWindow | null>;
  /** Every stored identity (for stale/overdue reports). */
  listIdentities(): Promise<BaselineIdentity[]>;
  /** Routing targets from the synced baseline's `teams`, and its defaults. */
  teams(): Promise<{ teams: Baseline['teams']; defaultTeam?: string }>;
}

/** Alerts recorded by the dedupe state, for the daily digest. */
export interface AlertHistory {
  /** Alerts first seen at or after `sinceMs` (event time), with their folded counts. */
  since(sinceMs: number): Promise<Alert[]>;
}

export interface SyncReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
  dryRun: boolean;
}

/** Time, injected so core and use cases stay pure and replay stays reproducible. */
export interface Clock {
  nowMs(): number;
}

/** Structured log: one JSON object or one escaped line per call; never raw attacker text with newlines. */
export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Errors at adapter boundaries say whether a retry can help; the base of every adapter error class
 * (shared/adapters/errors.ts). The message starts `<adapter>: ` unless `prefix: false` (the message already
 * says where, e.g. a file path).
 */
export class AdapterError extends IamwatchError {
  readonly retryable: boolean;
  readonly adapter: string;
  constructor(
    adapter: string,
    message: string,
    opts: { retryable: boolean; cause?: unknown; prefix?: boolean },
  ) {
    super(opts.prefix === false ? message : `${adapter}: ${message}`, { cause: opts.cause });
    this.name = 'AdapterError';
    this.adapter = adapter;
    this.retryable = opts.retryable;
  }
}

/**
 * Issued sessions, for lineage (shared/core/session). `get` answers as of an event time: a record whose
 * retention ended before `atMs` is gone, so replay and the Lambda agree whatever the wall clock says.
 */
export interface SessionStore {
  get(key: string, atMs: number): SessionRecord | null | Promise<SessionRecord | null>;
  /** One conditional write: keeps the existing record unless `rec` knows more (higher `rank`). */
  put(rec: SessionRecord): void | Promise<void>;
  /**
   * Marks a session as alerted on: later `get`s return it with `alerted: true`, which raises alerts on its
   * descendants. Best effort.
   */
  markAlerted?(key: string): void | Promise<void>;
  /**
   * Adds a call to the session's log (`action.key`), with the alerts raised on it, kept as long as the
   * session record. Best effort.
   */
  logAction?(action: SessionAction): void | Promise<void>;
}

/** The store's read side for `iamwatch trace`: from an event id or a session ARN to a key, and a key's log. */
export interface SessionIndex {
  /** The session an event id belongs to: a logged call's session. Null when not indexed. */
  keyOfEvent(eventId: string): Promise<string | null>;
  /** Keys of the sessions recorded under a session ARN issued at or before `atMs`, newest first (at most `limit`). */
  keysOfSessionArn(arn: string, atMs: number, limit?: number): Promise<string[]>;
  /** The session's logged calls, in time order. */
  actionsOf(key: string): Promise<SessionAction[]>;
}

/** A session store that answers at once (the in-memory map replay uses): no promise per event. */
export interface SyncSessionStore extends SessionStore {
  readonly sync: true;
  get(key: string, atMs: number): SessionRecord | null;
  put(rec: SessionRecord): void;
  markAlerted(key: string): void;
  logAction?(action: SessionAction): void;
}

/**
 * Who judges a CloudTrail event when two paths carry it (ingestMode `both`: EventBridge → detect and the
 * trail object → ingest). `won`: judge it, then {@link EventClaimStore.settle}; `judged`: another path did,
 * skip it; `busy`: another attempt holds an unexpired lease (still running, or died: after the lease
 * anyone may claim again); `unavailable`: the store failed, judge anyway (a duplicate beats a loss).
 */
export type EventClaimOutcome = 'won' | 'judged' | 'busy' | 'unavailable';

/** Per-event claims with a lease (DynamoDB conditional writes). Never throws. */
export interface EventClaimStore {
  /** Claim `key` (`<recipientAccountId>/<eventID>`) for `owner` (one attempt's token). */
  claim(key: string, eventTime: string, owner: string): Promise<EventClaimOutcome>;
  /** Mark `keys` judged (only those `owner` still holds), so the other path skips them for good. */
  settle(keys: readonly string[], owner: string): Promise<void>;
  /**
   * Give back `keys` `owner` still holds unsettled, after its attempt failed (delivery and dead-letter
   * queue down), so that the retry claims them at once instead of waiting out the lease.
   */
  release(keys: readonly string[], owner: string): Promise<void>;
}
