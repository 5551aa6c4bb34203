/**
 * The ingest handler over injected dependencies. Input: SQS messages of S3 object notifications
 * (S3 event notifications or EventBridge "Object Created"), answered with a partial batch response
 * naming the messages whose objects failed (they are retried, then go to the queue's DLQ); or a Step
 * Functions Distributed Map batch of keys (the backfill), answered with a summary and thrown on failure
 * so the map retries the batch. Malformed notifications and objects outside the trail are logged and
 * dropped: a retry cannot fix them.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { EventClaimBusyError, type EventClaimSession } from '../../shared/app/event-claims.js';
import {
  emptyObjectSummary,
  type IngestDeps,
  type IngestObjectSummary,
  ingestObject,
  inTrail,
  type ObjectRef,
  objectsOf,
} from '../../shared/app/ingest.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { FunctionError } from '../errors.js';

/** What one invocation needs; built on first use, then reused. */
export interface IngestRuntime {
  detector: IngestDeps['detector'];
  deliver: IngestDeps['deliver'];
  /** Needles of the current baseline (root, break-glass names); null: judge every record. */
  needles(): Promise<readonly string[] | null>;
  body(ref: ObjectRef): Promise<Buffer | AsyncIterable<Buffer>>;
  flush(): Promise<void>;
  /**
   * ingestMode `both`: a claim session for one invocation (shared/app/event-claims.ts), so an event the
   * detect function judged is skipped here. Absent in `s3` mode (no claim writes).
   */
  claims?: () => EventClaimSession;
  /**
   * Writes a results-mode backfill batch's alerts (JSON lines) to the backfill bucket under `key`, so the
   * batch's state output stays a small summary (Step Functions caps it at 256 KB). Absent (no backfill
   * bucket configured): the alerts are returned inline, and a batch whose result would not fit fails.
   */
  writeResults?: (key: string, body: string) => Promise<{ bucket: string; key: string }>;
  trailBucket: string;
  trailPrefix: string;
}

export interface IngestHandlerDeps {
  logger: Logger;
  metrics: Metrics;
  runtime: () => Promise<IngestRuntime> | IngestRuntime;
  /** Told of each alert raised (tests, backfill results). */
  onAlert?: (a: Alert) => void;
}

/** Totals of one invocation. */
export interface IngestSummary extends IngestObjectSummary {
  objects: number;
  failedObjects: number;
  rejected: number;
}

/** SQS partial batch response, plus the summary for tests and logs. */
export interface IngestResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
  summary: IngestSummary;
  /** A results-mode batch without a backfill bucket: its alerts inline (the map's ResultWriter keeps them). */
  alerts?: Alert[];
  /** A results-mode batch: where its alerts were written (JSON lines), and how many. */
  alertsObject?: { bucket: string; key: string; alerts: number };
}

/**
 * Largest result a batch returns: Step Functions' payload limit is 256 KiB for a state's output, which
 * holds the Lambda's response inside its invoke metadata; the rest is margin.
 */
export const RESULT_LIMIT_BYTES = 240 * 1024;

/** A results-mode batch's alerts do not fit the state output and there is no bucket to write them to. */
export class IngestResultTooLargeError extends FunctionError {
  constructor(readonly bytes: number) {
    super(
      `the batch's results are ${bytes} bytes, over the ${RESULT_LIMIT_BYTES}-byte state output limit, ` +
        'and IAMWATCH_BACKFILL_BUCKET is not set',
    );
    this.name = 'IngestResultTooLargeError';
  }
}

/** Key of a results-mode batch's alerts: per run (its manifest) and per batch (its keys), so a retry overwrites. */
export function resultsKey(manifest: unknown, keys: readonly string[]): string {
  const run =
    typeof manifest === 'string'
      ? (manifest
          .split('/')
          .pop()
          ?.replace(/\.json$/, '')
          .replace(/[^A-Za-z0-9._-]/g, '_') ?? 'run')
      : 'run';
  const batch = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
  return `results/alerts/${run || 'run'}/${batch}.jsonl`;
}

/** Raised to Step Functions when objects of a batch failed (the map's Retry takes over). */
export class IngestBatchError extends FunctionError {
  constructor(
    readonly failed: string[],
    cause?: unknown,
  ) {
    super(`${failed.length} object(s) failed: ${failed.slice(0, 3).join(', ')}`, { cause });
    this.name = 'IngestBatchError';
  }
}

function zero(): IngestSummary {
  return { objects: 0, failedObjects: 0, rejected: 0, ...emptyObjectSummary() };
}

/** Builds the Lambda handler. */
export function buildIngestHandler(deps: IngestHandlerDeps) {
  const { logger, metrics } = deps;
  let runtime: Promise<IngestRuntime> | null = null;
  const getRuntime = () => {
    runtime ??= Promise.resolve()
      .then(() => deps.runtime())
      .catch((err: unknown) => {
        runtime = null;
        throw err;
      });
    return runtime;
  };
  return async function handler(event: unknown, context?: Context): Promise<IngestResult> {
    if (context) logger.addContext(context);
    const summary = zero();
    const failures: Array<{ itemIdentifier: string }> = [];
    const failedKeys: string[] = [];
    let firstError: unknown;
    const { messages, rejected, resultsOnly } = objectsOf(event);
    const collected: Alert[] = [];
    const batch = messages.length === 1 && messages[0]?.messageId === null;
    try {
      for (const r of rejected) {
        summary.rejected++;
        logger.warn('input rejected', { where: r.where, reason: r.reason });
      }
      if (messages.length === 0) return { batchItemFailures: [], summary };
      const rt = await getRuntime();
      const seen = new Set<string>();
      const needles = await rt.needles();
      // A results-mode backfill hunts the archive: it judges every record, claims none.
      const claims = resultsOnly ? null : (rt.claims?.() ?? null);
      const settleable: string[] = [];
      for (const m of messages) {
        let failed = false;
        for (const ref of m.refs) {
          if (!inTrail(ref, rt.trailBucket, rt.trailPrefix)) {
            summary.rejected++;
            logger.warn('object outside the trail prefix; ignored', { where: m.where, bucket: ref.bucket });
            continue;
          }
          summary.objects++;
          try {
            const s = await ingestObject(ref, () => rt.body(ref), {
              detector: rt.detector,
              deliver: resultsOnly
                ? async (alerts) => {
                    collected.push(...alerts);
                    return { published: 0, repeats: 0, degraded: 0, deadLettered: 0, outcomes: [] };
                  }
                : rt.deliver,
              needles,
              seen,
              onProblem: (p) =>
                logger.warn('input problem', { path: p.path, line: p.line, reason: p.reason }),
              ...(deps.onAlert ? { onAlert: deps.onAlert } : {}),
              ...(claims ? { claims, skipBusy: batch } : {}),
            });
            for (const k of Object.keys(s) as Array<keyof IngestObjectSummary>) summary[k] += s[k];
            if (claims) settleable.push(...claims.take());
          } catch (err) {
            // Records judged and delivered before another attempt's record was met are settled; after a
            // read or delivery failure they are given back (the retry judges them again: markers and
            // alert ids keep that exact).
            const won = claims?.take() ?? [];
            if (err instanceof EventClaimBusyError) settleable.push(...won);
            else await claims?.release(won);
            failed = true;
            firstError ??= err;
            summary.failedObjects++;
            failedKeys.push(ref.key);
            logger.error('object failed; will be retried', {
              key: ref.key,
              error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
            });
          }
        }
        if (failed && m.messageId !== null) failures.push({ itemIdentifier: m.messageId });
      }
      try {
        await rt.flush();
        await claims?.settle(settleable);
      } catch (err) {
        metrics.addMetric('ObservationFailures', MetricUnit.Count, 1);
        logger.warn('observations not written', { error: err instanceof Error ? err.message : String(err) });
      }
      if (batch && failedKeys.length > 0) throw new IngestBatchError(failedKeys, firstError);
      if (!resultsOnly) return { batchItemFailures: failures, summary };
      if (rt.writeResults) {
        const key = resultsKey(
          (event as { BatchInput?: { manifest?: unknown } }).BatchInput?.manifest,
          messages.flatMap((m) => m.refs.map((r) => r.key)),
        );
        const body = collected.map((a) => `${JSON.stringify(a)}\n`).join('');
        const where = await rt.writeResults(key, body);
        return { batchItemFailures: failures, summary, alertsObject: { ...where, alerts: collected.length } };
      }
      const result: IngestResult = { batchItemFailures: failures, summary, alerts: collected };
      const bytes = Buffer.byteLength(JSON.stringify(result));
      if (bytes > RESULT_LIMIT_BYTES) throw new IngestResultTooLargeError(bytes);
      return result;
    } finally {
      metrics.addMetric('ObjectsIngested', MetricUnit.Count, summary.objects);
      metrics.addMetric('EventsEvaluated', MetricUnit.Count, summary.evaluated);
      metrics.addMetric('IngestFailures', MetricUnit.Count, summary.failedObjects);
      metrics.publishStoredMetrics();
      logger.info('invocation done', { ...summary });
      logger.resetKeys();
    }
  };
}
