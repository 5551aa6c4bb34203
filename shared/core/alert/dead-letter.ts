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

/**
 * Remove what looks like a URL or a Slack secret from `text` before it enters a reason, a log line or a
 * dead letter. A Slack error body (or a proxy's error page) can echo the webhook URL, whose path is the
 * credential. Replaced: anything with a scheme (`https://…`, also percent-encoded `https%3A%2F%2F…`),
 * `hooks.slack.com…` and any `host.tld/path`, webhook paths (`/services/T…/B…/…`, `T…/B…/…`) and Slack
 * tokens (`xox?-…`). Control characters become spaces. Pure.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, '(url)')
    .replace(/\b[a-z][a-z0-9+.-]*%3A%2F%2F\S*/gi, '(url)')
    .replace(/\bhooks\.slack(?:-gov)?\.com\S*/gi, '(url)')
    .replace(/\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/|%2F)\S*/gi, '(url)')
    .replace(/\/?(?:services|workflows|triggers)\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/\S*/g, '(webhook path)')
    .replace(/\bT[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/\S*/g, '(webhook path)')
    .replace(/\bxox[a-z]-[A-Za-z0-9-]+/gi, '(token)');
}
