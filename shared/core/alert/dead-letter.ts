/**
 * What a dead-letter sink stores: the whole alert and why it could not be delivered. Pure types and schema.
 */
import type { Alert } from './alert.js';

/** One parked delivery. `alert` is null only for an input that never parsed into an alert (then `raw` is set). */
export interface DeadLetter {
  alert: Alert | null;
  /** Human reason, e.g. `slack: HTTP 500 after 5 attempts` or `no Slack route for team platform`. */
  reason: string;
  /** Name of the sink that failed (`slack`, `sns`, `eventbridge`, `slack-notify-input`). */
  sink: string;
  attempts: number;
  /** ISO time. */
  failedAt: string;
  /** The unparseable input (e.g. an SNS message body), when there is no alert. */
  raw?: string;
  /** Where the input came from (e.g. SNS message id). */
  messageId?: string;
  /** Set when the stored alert had over-long strings shortened to fit the queue's size limit. */
  truncated?: boolean;
}

/** A sink that can park a failed delivery with its reason. */
export interface DeadLetterSink {
  readonly name: string;
  park(entry: DeadLetter): Promise<void>;
}

/** The entry for an alert handed straight to a dead-letter sink, with no failed delivery behind it. */
export function parkedDirectly(alert: Alert, nowMs: number): DeadLetter {
  return {
    alert,
    reason: 'dead-lettered',
    sink: 'unknown',
    attempts: 0,
    failedAt: new Date(nowMs).toISOString(),
  };
}
