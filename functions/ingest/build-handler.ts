/**
 * The ingest handler over injected dependencies. Input: SQS messages of S3 object notifications
 * (S3 event notifications or EventBridge "Object Created"), answered with a partial batch response
 * naming the messages whose objects failed (they are retried, then go to the queue's DLQ); or a Step
 * Functions Distributed Map batch of keys (the backfill), answered with a summary and thrown on failure
 * so the map retries the batch. Malformed notifications and objects outside the trail are logged and
 * dropped: a retry cannot fix them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
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

/** What one invocation needs; built on first use, then reused. */
export interface IngestRuntime {
  detector: IngestDeps['detector'];
  deliver: IngestDeps['deliver'];
  /** Needles of the current baseline (root, break-glass names); null: judge every record. */
  needles(): Promise<readonly string[] | null>;
  body(ref: ObjectRef): Promise<Buffer | AsyncIterable<Buffer>>;
  flush(): Promise<void>;
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
  /** A backfill batch with `output: results`: its alerts, not delivered (the map's ResultWriter keeps them). */
  alerts?: Alert[];
}

/** Raised to Step Functions when objects of a batch failed (the map's Retry takes over). */
export class IngestBatchError extends Error {
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
            });
            for (const k of Object.keys(s) as Array<keyof IngestObjectSummary>) summary[k] += s[k];
          } catch (err) {
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
      } catch (err) {
        metrics.addMetric('ObservationFailures', MetricUnit.Count, 1);
        logger.warn('observations not written', { error: err instanceof Error ? err.message : String(err) });
      }
      if (batch && failedKeys.length > 0) throw new IngestBatchError(failedKeys, firstError);
      return { batchItemFailures: failures, summary, ...(resultsOnly ? { alerts: collected } : {}) };
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
