/**
 * Alerts on an EventBridge bus (`source: iamwatch`, `detail-type: IAM Anomaly`, `detail` = alert JSON) so
 * users route them with their own rules. Buffered: entries go out in PutEvents batches of at most 10 entries
 * and 256 KiB; entries that fail with a transient error code are retried alone (the others are not
 * re-sent); what still fails is reported in a {@link SinkBatchError} for the dead-letter sink.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { Alert } from '../core/alert/alert.js';
import { fitAlertJson, utf8Length } from '../core/alert/size.js';
import type { AlertSink } from '../ports.js';
import {
  AWS_RETRY_POLICY,
  backoffDelay,
  classifyAwsError,
  type RetryPolicy,
  realTiming,
  SinkError,
  type Timing,
} from './delivery-retry.js';

export const EVENTBRIDGE_SOURCE = 'iamwatch';
export const EVENTBRIDGE_DETAIL_TYPE = 'IAM Anomaly';
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const DETAIL_MAX = 240 * 1024;

/** One alert that a batching sink could not deliver. */
export interface BatchFailure {
  alert: Alert;
  reason: string;
  attempts: number;
  retryable: boolean;
}

/** Some alerts of a batch failed for good; the rest were delivered. */
export class SinkBatchError extends SinkError {
  readonly failures: BatchFailure[];
  constructor(sink: string, failures: BatchFailure[]) {
    const first = failures[0];
    super(sink, `${failures.length} alert(s) not delivered${first ? `; first: ${first.reason}` : ''}`, {
      attempts: Math.max(0, ...failures.map((f) => f.attempts)),
      retryable: failures.some((f) => f.retryable),
    });
    this.name = 'SinkBatchError';
    this.failures = failures;
  }
}

/** Error codes of PutEvents result entries worth retrying. */
const RETRYABLE_ENTRY_CODES = new Set([
  'ThrottlingException',
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
]);

export interface EventBridgeAlertSinkOptions {
  client: EventBridgeClient;
  /** Bus name or ARN. */
  eventBusName: string;
  retry?: Partial<RetryPolicy>;
  timing?: Timing;
}

interface Pending {
  alert: Alert;
  entry: PutEventsRequestEntry;
  bytes: number;
}

function entrySize(e: PutEventsRequestEntry): number {
  return (
    utf8Length(e.Source ?? '') +
    utf8Length(e.DetailType ?? '') +
    utf8Length(e.Detail ?? '') +
    (e.Resources ?? []).reduce((n, r) => n + utf8Length(r), 0) +
    (e.Time ? 14 : 0)
  );
}

/** {@link AlertSink} putting alerts on an EventBridge bus; call `flush()` at the end of a batch. */
export class EventBridgeAlertSink implements AlertSink {
  readonly name = 'eventbridge';
  private buffer: Pending[] = [];
  private readonly policy: RetryPolicy;
  private readonly timing: Timing;

  constructor(private readonly opts: EventBridgeAlertSinkOptions) {
    this.policy = { ...AWS_RETRY_POLICY, ...opts.retry };
    this.timing = opts.timing ?? realTiming;
  }

  /** Buffer the alert; sends when 10 entries are waiting (failures then surface as {@link SinkBatchError}). */
  async publish(alert: Alert): Promise<void> {
    const { json } = fitAlertJson(alert, DETAIL_MAX);
    const resources = [alert.target?.arn].filter(
      (r): r is string => typeof r === 'string' && r.startsWith('arn:') && r.length < 1600,
    );
    const entry: PutEventsRequestEntry = {
      Source: EVENTBRIDGE_SOURCE,
      DetailType: EVENTBRIDGE_DETAIL_TYPE,
      Detail: json,
      EventBusName: this.opts.eventBusName,
      Resources: resources,
    };
    const t = Date.parse(alert.eventTime);
    if (!Number.isNaN(t)) entry.Time = new Date(t);
    this.buffer.push({ alert, entry, bytes: entrySize(entry) });
    if (this.buffer.length >= MAX_ENTRIES) await this.flush();
  }

  /** Send everything buffered. Throws {@link SinkBatchError} listing alerts that could not be put. */
  async flush(): Promise<void> {
    const all = this.buffer;
    this.buffer = [];
    const failures: BatchFailure[] = [];
    for (const chunk of chunks(all)) failures.push(...(await this.sendChunk(chunk)));
    if (failures.length > 0) throw new SinkBatchError(this.name, failures);
  }

  private async sendChunk(chunk: Pending[]): Promise<BatchFailure[]> {
    const started = this.timing.nowMs();
    const failed: BatchFailure[] = [];
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let retry: Array<{ p: Pending; reason: string }> = [];
      try {
        const res = await this.opts.client.send(
          new PutEventsCommand({ Entries: pending.map((p) => p.entry) }),
        );
        pending.forEach((p, i) => {
          const r = res.Entries?.[i];
          if (r?.EventId && !r.ErrorCode) return;
          const code = r?.ErrorCode ?? 'UnknownFailure';
          const reason = `${code}${r?.ErrorMessage ? `: ${r.ErrorMessage.replace(/[\u0000-\u001f]/g, ' ').slice(0, 200)}` : ''}`;
          if (RETRYABLE_ENTRY_CODES.has(code) || !r) retry.push({ p, reason });
          else failed.push({ alert: p.alert, reason, attempts: attempt, retryable: false });
        });
      } catch (err) {
        const f = classifyAwsError(err);
        if (!f.retryable) {
          failed.push(
            ...pending.map((p) => ({
              alert: p.alert,
              reason: f.reason,
              attempts: attempt,
              retryable: false,
            })),
          );
          return failed;
        }
        retry = pending.map((p) => ({ p, reason: f.reason }));
      }
      if (retry.length === 0) break;
      const wait = backoffDelay(attempt, this.policy, this.timing.random);
      if (
        attempt >= this.policy.maxAttempts ||
        this.timing.nowMs() - started + wait > this.policy.maxElapsedMs
      ) {
        failed.push(
          ...retry.map(({ p, reason }) => ({
            alert: p.alert,
            reason: `${reason} after ${attempt} attempts`,
            attempts: attempt,
            retryable: true,
          })),
        );
        break;
      }
      await this.timing.sleep(wait);
      pending = retry.map((r) => r.p);
    }
    return failed;
  }
}

function* chunks(items: Pending[]): Generator<Pending[]> {
  let cur: Pending[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length > 0 && (cur.length >= MAX_ENTRIES || bytes + it.bytes > MAX_BATCH_BYTES)) {
      yield cur;
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.bytes;
  }
  if (cur.length > 0) yield cur;
}
