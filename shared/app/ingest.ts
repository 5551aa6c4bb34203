/**
 * Ingest use case (the `ingest` Lambda, S3 mode, and the backfill's item processor): CloudTrail log
 * objects named by S3 notifications or a Step Functions batch, read through the same reader as
 * `replay` (split, pre-filter, parse: shared/adapters/cloudtrail-files/read.ts), judged by the same
 * detector as the `detect` Lambda and delivered through the same sinks and dedupe store.
 *
 * Idempotent: an alert's id is stable per event, and the dedupe store ignores an alert id it has
 * already claimed, so an object delivered twice, an event in two overlapping trails, or an event
 * judged by both the EventBridge and the S3 mode raises one alert. Records repeated within one
 * invocation (recipientAccountId + eventID) are judged once.
 */

import {
  type ObjectInput,
  readCloudTrailObjects,
  type SourceProblem,
} from '../adapters/cloudtrail-files/read.js';
import type { Alert } from '../core/alert/alert.js';
import type { BaselineIdentity } from '../core/baseline/types.js';
import type { DeliveryReport } from './deliver.js';
import type { DetectionPipeline, DetectorResult } from './detect.js';
import { AppError } from './errors.js';
import { EventClaimBusyError, type EventClaimSession } from './event-claims.js';

/** Needles for the rules that read every event: root activity and break-glass identities. */
export function needlesFor(identities: readonly BaselineIdentity[]): string[] {
  const names = identities
    .filter((i) => i.kind === 'break-glass')
    .map((i) => i.arn.slice(i.arn.lastIndexOf('/') + 1));
  return ['"Root"', ...names.filter((n) => n.length > 0)];
}

/** One S3 object to ingest. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

/** An object notification that cannot be ingested (malformed, outside the trail prefix): not retried. */
export interface RejectedNotification {
  where: string;
  reason: string;
}

/** What one object gave. */
export interface IngestObjectSummary {
  records: number;
  skippedIrrelevant: number;
  duplicates: number;
  /** Records skipped because the other path (ingestMode `both`) judged them or is judging them. */
  claimedElsewhere: number;
  evaluated: number;
  invalid: number;
  problems: number;
  findings: number;
  published: number;
  repeats: number;
  deadLettered: number;
  ruleErrors: number;
}

/** A summary with every count at zero. */
export function emptyObjectSummary(): IngestObjectSummary {
  return {
    records: 0,
    skippedIrrelevant: 0,
    duplicates: 0,
    claimedElsewhere: 0,
    evaluated: 0,
    invalid: 0,
    problems: 0,
    findings: 0,
    published: 0,
    repeats: 0,
    deadLettered: 0,
    ruleErrors: 0,
  };
}

export interface IngestDeps {
  detector: {
    pipeline: DetectionPipeline;
    evaluate(raw: unknown): Promise<Pick<DetectorResult, 'alerts' | 'failures' | 'problem' | 'suppressed'>>;
  };
  deliver(alerts: Alert[]): Promise<DeliveryReport>;
  /**
   * Needles of the current baseline (see {@link needlesFor}); null when the baseline's identities are
   * unknown: then every record is parsed and judged (no pre-filter can be shown safe).
   */
  needles: readonly string[] | null;
  /** Problems in the object's content (bad lines, truncated gzip): logged, not retried. */
  onProblem?: (p: SourceProblem) => void;
  /** Told of each alert raised, before delivery (collecting them: backfill results, tests). */
  onAlert?: (a: Alert) => void;
  /** Records judged in this invocation (`account/eventID`), shared across its objects. */
  seen?: Set<string>;
  /**
   * ingestMode `both`: each record is claimed before it is judged (./event-claims.ts); records the other
   * path judged are skipped; records another attempt still holds make the object fail after its other
   * records were delivered ({@link EventClaimBusyError}), so it is retried after the lease.
   */
  claims?: EventClaimSession;
  /**
   * Skip records another attempt holds instead of failing the object: for the backfill, whose retries
   * are shorter than a lease; the live path's notification judges such a record if its holder died.
   */
  skipBusy?: boolean;
}

/** The body of `ref` could not be read (GET failed): the notification is retried. */
export class IngestReadError extends AppError {
  constructor(
    readonly ref: ObjectRef,
    cause: unknown,
  ) {
    super(`s3://${ref.bucket}/${ref.key}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'IngestReadError';
  }
}

/**
 * Reads one object and judges its records; delivers its alerts (the dedupe store drops those already
 * raised). Throws when the object could not be read or the alerts could not be delivered nor parked, so
 * the caller reports this object as failed and it is retried; and, with `claims`, when another attempt
 * still holds some of its records (after delivering the rest).
 * @throws IngestReadError, DeliveryError, EventClaimBusyError
 */
export async function ingestObject(
  ref: ObjectRef,
  body: () => Promise<Buffer | AsyncIterable<Buffer>>,
  deps: IngestDeps,
): Promise<IngestObjectSummary> {
  const s = emptyObjectSummary();
  const path = `s3://${ref.bucket}/${ref.key}`;
  let readFailure: unknown;
  const obj: ObjectInput = {
    path,
    body: async () => {
      try {
        return await body();
      } catch (err) {
        readFailure = err;
        throw err;
      }
    },
  };
  const stats = { files: 0, bytes: 0, records: 0, skippedIrrelevant: 0, problems: 0 };
  const seen = deps.seen ?? new Set<string>();
  const alerts: Alert[] = [];
  let busy = 0;
  const source = readCloudTrailObjects(
    (async function* () {
      yield obj;
    })(),
    {
      onProblem: (p) => {
        if (readFailure === undefined) deps.onProblem?.(p);
      },
      stats,
      ...(deps.needles === null
        ? {}
        : { relevantPairs: deps.detector.pipeline.engine.pairs(), needles: deps.needles }),
    },
  );
  for await (const batch of source) {
    for (const item of batch) {
      const id = item.raw.eventID;
      const account = item.raw.recipientAccountId;
      if (typeof id === 'string' && typeof account === 'string') {
        const k = `${account}/${id}`;
        if (seen.has(k)) {
          s.duplicates++;
          continue;
        }
        seen.add(k);
      }
      if (deps.claims) {
        const c = await deps.claims.claim(item.raw);
        if (c === 'judged' || c === 'busy') {
          s.claimedElsewhere++;
          if (c === 'busy' && !deps.skipBusy) busy++;
          continue;
        }
      }
      const r = await deps.detector.evaluate(item.raw);
      if (r.problem) {
        s.invalid++;
        deps.onProblem?.({ path: item.path, line: item.line, reason: r.problem });
        continue;
      }
      s.evaluated++;
      s.ruleErrors += r.failures.length;
      for (const a of r.alerts) {
        s.findings++;
        deps.onAlert?.(a);
        alerts.push(a);
      }
    }
  }
  if (readFailure !== undefined) throw new IngestReadError(ref, readFailure);
  s.records = stats.records;
  s.skippedIrrelevant = stats.skippedIrrelevant;
  s.problems = stats.problems;
  if (alerts.length > 0) {
    const report = await deps.deliver(alerts);
    s.published = report.published;
    s.repeats = report.repeats;
    s.deadLettered = report.deadLettered;
  }
  if (busy > 0) throw new EventClaimBusyError(busy);
  return s;
}

/**
 * Objects named by an invocation's input: SQS messages whose bodies are S3 event notifications or
 * EventBridge "Object Created" events (each message keeps its id for a partial batch response), or a
 * Step Functions Distributed Map batch (`{ Items: [{ Key }], BatchInput: { bucket } }`).
 * S3 test events are neither objects nor rejections.
 */
export function objectsOf(event: unknown): {
  messages: Array<{ messageId: string | null; where: string; refs: ObjectRef[] }>;
  rejected: RejectedNotification[];
  /** A backfill batch asking for its alerts back instead of delivered (`BatchInput.output: results`). */
  resultsOnly: boolean;
} {
  const messages: Array<{ messageId: string | null; where: string; refs: ObjectRef[] }> = [];
  const rejected: RejectedNotification[] = [];
  const e = event as {
    Records?: unknown;
    Items?: unknown;
    BatchInput?: { bucket?: unknown; output?: unknown };
  } | null;
  const resultsOnly = e?.BatchInput?.output === 'results';
  if (e && Array.isArray(e.Items)) {
    const bucket = e.BatchInput?.bucket;
    if (typeof bucket !== 'string') {
      rejected.push({ where: 'BatchInput.bucket', reason: 'missing bucket' });
      return { messages, rejected, resultsOnly };
    }
    const refs: ObjectRef[] = [];
    e.Items.forEach((item, i) => {
      const key = (item as { Key?: unknown } | null)?.Key;
      if (typeof key === 'string') refs.push({ bucket, key });
      else rejected.push({ where: `Items[${i}]`, reason: 'item without a Key' });
    });
    messages.push({ messageId: null, where: 'Items', refs });
    return { messages, rejected, resultsOnly };
  }
  if (!e || !Array.isArray(e.Records)) {
    rejected.push({ where: 'event', reason: 'neither SQS messages nor a Step Functions batch' });
    return { messages, rejected, resultsOnly: false };
  }
  e.Records.forEach((r, i) => {
    const where = `Records[${i}]`;
    const rec = r as { body?: unknown; messageId?: unknown } | null;
    const messageId = typeof rec?.messageId === 'string' ? rec.messageId : null;
    if (typeof rec?.body !== 'string') {
      rejected.push({ where, reason: 'SQS record without a string body' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(rec.body);
    } catch {
      rejected.push({ where, reason: 'SQS body is not JSON' });
      return;
    }
    const refs = notificationRefs(body);
    if (typeof refs === 'string') rejected.push({ where, reason: refs });
    else messages.push({ messageId, where, refs });
  });
  return { messages, rejected, resultsOnly: false };
}

/** The objects of one notification body, or why it is not one. */
function notificationRefs(body: unknown): ObjectRef[] | string {
  const b = body as {
    Event?: unknown;
    Records?: unknown;
    'detail-type'?: unknown;
    detail?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
  } | null;
  if (b?.Event === 's3:TestEvent') return [];
  if (b && b['detail-type'] === 'Object Created') {
    const bucket = b.detail?.bucket?.name;
    const key = b.detail?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string')
      return 'Object Created event without bucket.name/object.key';
    return [{ bucket, key }];
  }
  if (b && Array.isArray(b.Records)) {
    const refs: ObjectRef[] = [];
    for (const r of b.Records) {
      const s3 = (r as { s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } } } | null)?.s3;
      const bucket = s3?.bucket?.name;
      const key = s3?.object?.key;
      if (typeof bucket !== 'string' || typeof key !== 'string')
        return 'S3 notification record without s3.bucket.name/s3.object.key';
      // S3 notifications URL-encode keys, spaces as '+'.
      let decoded: string;
      try {
        decoded = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        return 'S3 notification key is not URL-encoded';
      }
      refs.push({ bucket, key: decoded });
    }
    return refs;
  }
  return 'not an S3 event notification or an EventBridge Object Created event';
}

/** Whether `ref` lies in the trail `bucket` under `prefix` (the function reads nothing else). */
export function inTrail(ref: ObjectRef, bucket: string, prefix: string): boolean {
  return ref.bucket === bucket && ref.key.startsWith(prefix);
}
