/**
 * Dead-letter sink on SQS: each message is `{ alert, reason, sink, attempts, failedAt, … }` (see
 * {@link DeadLetter}). Oversized alerts are shortened to fit the queue's limit and marked `truncated`.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Alert } from '../core/alert/alert.js';
import { type DeadLetter, type DeadLetterSink, parkedDirectly } from '../core/alert/dead-letter.js';
import { fitAlertJson, utf8Length } from '../core/alert/size.js';
import type { AlertSink } from '../ports.js';
import { AwsDelivery, type AwsDeliveryOptions } from './delivery-retry.js';

export interface SqsDeadLetterSinkOptions extends AwsDeliveryOptions {
  client: SQSClient;
  queueUrl: string;
  /** Queue's maximum message size. Default 256 KiB (the SQS default). */
  maxMessageBytes?: number;
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
  private readonly delivery: AwsDelivery;

  constructor(private readonly opts: SqsDeadLetterSinkOptions) {
    this.delivery = new AwsDelivery(this.name, opts.queueUrl, opts);
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
      ...(this.delivery.fifo
        ? { MessageGroupId: 'iamwatch-dlq', MessageDeduplicationId: `${id}-${entry.sink}`.slice(0, 128) }
        : {}),
    };
    await this.delivery.send(() => this.opts.client.send(new SendMessageCommand(input)));
  }

  /** Park an alert with no failure context (used when this sink is handed to code expecting an AlertSink). */
  async publish(alert: Alert): Promise<void> {
    await this.park(parkedDirectly(alert, Date.now()));
  }
}

// ── Reading a dead-letter queue back (for `iamwatch redrive`) ────────────────────────────────────────
// Kept apart from the send path above: receive, delete after success, or give back.

/** One message received from a dead-letter queue; it stays invisible to others until deleted or released. */
export interface ReceivedDeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How often the message was received (`ApproximateReceiveCount`). */
  receiveCount: number;
}

export interface ReceiveDeadLettersOptions {
  client: SQSClient;
  queueUrl: string;
  /** How long received messages stay hidden from other consumers. Default 300 s. */
  visibilityTimeoutSeconds?: number;
  /** Stop after this many messages. Default 1000. */
  max?: number;
  /** Long-poll wait per receive. Default 1 s (a dead-letter queue is read when it already holds messages). */
  waitTimeSeconds?: number;
}

/**
 * Receive messages until the queue answers empty, a batch holds only messages already seen, or `max` is
 * reached. Each message is yielded once; the caller deletes ({@link deleteDeadLetter}) or releases
 * ({@link releaseDeadLetter}) it.
 */
export async function* receiveDeadLetters(
  opts: ReceiveDeadLettersOptions,
): AsyncGenerator<ReceivedDeadLetter> {
  const max = opts.max ?? 1000;
  const seen = new Set<string>();
  while (seen.size < max) {
    const out = await opts.client.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: opts.visibilityTimeoutSeconds ?? 300,
        WaitTimeSeconds: opts.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    const fresh = (out.Messages ?? []).filter(
      (m) => m.MessageId && m.ReceiptHandle && !seen.has(m.MessageId),
    );
    if (fresh.length === 0) return;
    for (const m of fresh) {
      seen.add(m.MessageId!);
      yield {
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1,
      };
    }
  }
}

/** Delete a received message (after it was delivered). */
export async function deleteDeadLetter(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
): Promise<void> {
  await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}

/** Make a received message visible again at once (kept in the queue). */
export async function releaseDeadLetter(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
): Promise<void> {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: 0,
    }),
  );
}

/** The URL of a queue by name (`GetQueueUrl`). */
export async function deadLetterQueueUrl(client: SQSClient, queueName: string): Promise<string> {
  const out = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
  if (!out.QueueUrl) throw new Error(`queue ${queueName} has no URL`);
  return out.QueueUrl;
}
