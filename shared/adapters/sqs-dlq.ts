/**
 * Dead-letter sink on SQS: each message is `{ alert, reason, sink, attempts, failedAt, … }` (see
 * {@link DeadLetter}). Oversized alerts are shortened to fit the queue's limit and marked `truncated`.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Alert } from '../core/alert/alert.js';
import { type DeadLetter, type DeadLetterSink, parkedDirectly } from '../core/alert/dead-letter.js';
import { fitAlertJson, utf8Length } from '../core/alert/size.js';
import type { AlertSink } from '../ports.js';
import { classifyAwsError, type RetryPolicy, realTiming, type Timing, withRetry } from './delivery-retry.js';
import { AWS_RETRY_POLICY } from './sns-alerts.js';

export interface SqsDeadLetterSinkOptions {
  client: SQSClient;
  queueUrl: string;
  /** Queue's maximum message size. Default 256 KiB (the SQS default). */
  maxMessageBytes?: number;
  retry?: Partial<RetryPolicy>;
  timing?: Timing;
  /**
   * After a delivery that failed for good on a retryable error, later calls within this many ms try once
   * (no backoff): one invocation pays the retry budget once, not once per alert. Default 0 (off).
   */
  circuitMs?: number;
}

/** Serialise a dead letter within `maxBytes`, shortening the alert (then the raw input) when needed. */
export function encodeDeadLetter(entry: DeadLetter, maxBytes: number): string {
  let body = JSON.stringify(entry);
  if (utf8Length(body) <= maxBytes) return body;
  const slack = 4096;
  let e: DeadLetter = { ...entry, truncated: true };
  if (e.alert)
    e = {
      ...e,
      alert: fitAlertJson(e.alert, Math.max(1024, maxBytes - slack - utf8Length(e.raw ?? ''))).alert,
    };
  body = JSON.stringify(e);
  if (utf8Length(body) <= maxBytes) return body;
  if (e.raw !== undefined)
    e = { ...e, raw: `${e.raw.slice(0, Math.floor((maxBytes - slack) / 4))}… (${e.raw.length} chars)` };
  return JSON.stringify(e);
}

/** Dead letters to an SQS queue (the stack's DLQ). Also usable as an {@link AlertSink}. */
export class SqsDeadLetterSink implements DeadLetterSink, AlertSink {
  readonly name = 'sqs-dlq';
  private readonly fifo: boolean;
  private degradedUntilMs = 0;

  constructor(private readonly opts: SqsDeadLetterSinkOptions) {
    this.fifo = opts.queueUrl.endsWith('.fifo');
  }

  async park(entry: DeadLetter): Promise<void> {
    const body = encodeDeadLetter(entry, this.opts.maxMessageBytes ?? 256 * 1024);
    const id = (entry.alert?.id ?? entry.messageId ?? 'unparsed')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 100);
    const input = {
      QueueUrl: this.opts.queueUrl,
      MessageBody: body,
      MessageAttributes: {
        sink: { DataType: 'String', StringValue: entry.sink.slice(0, 100) || 'none' },
        severity: { DataType: 'String', StringValue: entry.alert?.severity ?? 'none' },
      },
      ...(this.fifo
        ? { MessageGroupId: 'iamwatch-dlq', MessageDeduplicationId: `${id}-${entry.sink}`.slice(0, 128) }
        : {}),
    };
    const timing = this.opts.timing ?? realTiming;
    const degraded = timing.nowMs() < this.degradedUntilMs;
    await withRetry(
      this.name,
      () => this.opts.client.send(new SendMessageCommand(input)),
      classifyAwsError,
      { ...AWS_RETRY_POLICY, ...this.opts.retry, ...(degraded ? { maxAttempts: 1 } : {}) },
      timing,
    ).catch((err: unknown) => {
      if ((err as { retryable?: boolean }).retryable && this.opts.circuitMs)
        this.degradedUntilMs = timing.nowMs() + this.opts.circuitMs;
      throw err;
    });
  }

  /** Park an alert with no failure context (used when this sink is handed to code expecting an AlertSink). */
  async publish(alert: Alert): Promise<void> {
    await this.park(parkedDirectly(alert, Date.now()));
  }
}
