/**
 * The detect handler over injected dependencies: EventBridge envelope(s) of CloudTrail records in,
 * alerts delivered, metrics and structured logs out. Bad input is logged and counted, never thrown
 * (a retry cannot fix it); infrastructure failures are thrown so Lambda's async retry and the
 * on-failure destination take over.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { DeliveryReport } from '../../shared/app/deliver.js';
import type { DetectorResult } from '../../shared/app/detect.js';
import type { Alert } from '../../shared/core/alert/alert.js';

let eventSchema: Promise<typeof import('./event-schema.js')> | null = null;

/** The input schema, loaded with the first event (see ./event-schema.ts). */
function loadEventSchema(): Promise<typeof import('./event-schema.js')> {
  eventSchema ??= import('./event-schema.js').catch((err: unknown) => {
    eventSchema = null;
    throw err;
  });
  return eventSchema;
}

/** What one invocation needs once it has a valid event; built on first use, then reused. */
export interface DetectRuntime {
  detector: {
    evaluate(raw: unknown): Promise<Pick<DetectorResult, 'alerts' | 'failures' | 'problem' | 'suppressed'>>;
  };
  deliver(alerts: Alert[]): Promise<DeliveryReport>;
  /** Writes buffered observations. */
  flush(): Promise<void>;
}

export interface DetectHandlerDeps {
  logger: Logger;
  metrics: Metrics;
  /** Builds the runtime (clients, store, sinks); called at most once per container unless it fails. */
  runtime: () => Promise<DetectRuntime> | DetectRuntime;
  /**
   * Observations and the EventsEvaluated metric are buffered across the invocations of a warm container
   * and written at the end of the first invocation that finds the buffer at least `maxAgeMs` old (0: every
   * invocation). A failed write keeps the buffer (the next invocation retries it). What a container
   * buffered since its last write is lost if Lambda reclaims it before another invocation (no shutdown
   * hook without an extension; see {@link DetectHandler.drain}).
   */
  buffering?: { maxAgeMs: number; nowMs: () => number };
}

/** The handler, and `drain` for a shutdown hook (SIGTERM reaches the function only with an extension). */
export interface DetectHandler {
  (event: unknown, context?: Context): Promise<DetectSummary>;
  /** Writes what is buffered now (observations, aggregated metrics). */
  drain(): Promise<void>;
}

/** What an invocation did (returned for tests and for the Lambda's async success record). */
export interface DetectSummary {
  received: number;
  evaluated: number;
  parseFailures: number;
  findings: number;
  suppressed: number;
  published: number;
  repeats: number;
  deadLettered: number;
  ruleErrors: number;
}

/** A record the handler cannot read: where it was and why. */
interface Rejected {
  where: string;
  reason: string;
}

/**
 * Accepts one EventBridge event, an array of them, or SQS messages whose bodies are EventBridge
 * events (a redrive of the EventBridge target's dead-letter queue).
 */
export function unwrapEvents(event: unknown): {
  envelopes: Array<{ where: string; envelope: unknown }>;
  rejected: Rejected[];
} {
  const envelopes: Array<{ where: string; envelope: unknown }> = [];
  const rejected: Rejected[] = [];
  const records = (event as { Records?: unknown } | null)?.Records;
  if (Array.isArray(records)) {
    records.forEach((r, i) => {
      const where = `Records[${i}]`;
      const body = (r as { body?: unknown } | null)?.body;
      if (typeof body !== 'string') {
        rejected.push({ where, reason: 'SQS record without a string body' });
        return;
      }
      try {
        envelopes.push({ where, envelope: JSON.parse(body) });
      } catch {
        rejected.push({ where, reason: 'SQS body is not JSON' });
      }
    });
  } else if (Array.isArray(event)) {
    event.forEach((e, i) => {
      envelopes.push({ where: `[${i}]`, envelope: e });
    });
  } else {
    envelopes.push({ where: 'event', envelope: event });
  }
  return { envelopes, rejected };
}

/** Short description of a zod failure: paths and codes only, never input values. */
function describeIssues(error: {
  issues?: Array<{ path: PropertyKey[]; code: string; expected?: string }>;
}): string {
  const issues = error.issues ?? [];
  if (issues.length === 0) return 'not an EventBridge event';
  return issues
    .slice(0, 5)
    .map(
      (i) =>
        `${i.path.map(String).join('.') || '<root>'}: ${i.code}${i.expected ? ` (expected ${i.expected})` : ''}`,
    )
    .join('; ');
}

/** Builds the Lambda handler. */
export function buildDetectHandler(deps: DetectHandlerDeps): DetectHandler {
  const { logger, metrics } = deps;
  const maxAgeMs = deps.buffering?.maxAgeMs ?? 0;
  const nowMs = deps.buffering?.nowMs ?? (() => Date.now());
  let runtime: Promise<DetectRuntime> | null = null;
  let coldStart = true;
  /** When the oldest unwritten observation or evaluated-event count was buffered; null: nothing buffered. */
  let bufferedSince: number | null = null;
  let evaluatedSinceWrite = 0;
  const getRuntime = () => {
    runtime ??= Promise.resolve()
      .then(() => deps.runtime())
      .catch((err: unknown) => {
        runtime = null; // a later invocation may succeed (e.g. a transient SSM or network failure)
        throw err;
      });
    return runtime;
  };

  /** Writes observations and the aggregated count; on failure keeps them for the next attempt. */
  const writeBuffered = async (): Promise<void> => {
    if (bufferedSince === null) return;
    if (evaluatedSinceWrite > 0) {
      metrics.addMetric('EventsEvaluated', MetricUnit.Count, evaluatedSinceWrite);
      evaluatedSinceWrite = 0;
    }
    const rt = await getRuntime();
    try {
      await rt.flush();
      bufferedSince = null;
    } catch (err) {
      // Observations feed `baseline learn/seen`; alerts are already out, so a retry would only repeat them.
      // The sink keeps what it could not write; the next invocation (or drain) tries again.
      metrics.addMetric('ObservationFailures', MetricUnit.Count, 1);
      logger.warn('observations not written', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const handler = async function handler(event: unknown, context?: Context): Promise<DetectSummary> {
    if (context) logger.addContext(context);
    if (coldStart) {
      metrics.captureColdStartMetric();
      coldStart = false;
    }
    const summary: DetectSummary = {
      received: 0,
      evaluated: 0,
      parseFailures: 0,
      findings: 0,
      suppressed: 0,
      published: 0,
      repeats: 0,
      deadLettered: 0,
      ruleErrors: 0,
    };
    const rejectInput = (r: Rejected) => {
      summary.parseFailures++;
      logger.warn('input rejected', { where: r.where, reason: r.reason });
    };
    try {
      const { envelopes, rejected } = unwrapEvents(event);
      summary.received = envelopes.length + rejected.length;
      rejected.forEach(rejectInput);
      const alerts: Alert[] = [];
      const { DetectEventSchema } = await loadEventSchema();
      for (const { where, envelope } of envelopes) {
        const parsed = DetectEventSchema.safeParse(envelope);
        if (!parsed.success) {
          rejectInput({ where, reason: describeIssues(parsed.error) });
          continue;
        }
        const record = parsed.data.detail;
        logger.setCorrelationId(record.eventID ?? null);
        const rt = await getRuntime();
        const result = await rt.detector.evaluate(record);
        if (result.problem) {
          rejectInput({ where, reason: result.problem });
          continue;
        }
        summary.evaluated++;
        summary.suppressed += result.suppressed.length;
        for (const f of result.failures) {
          summary.ruleErrors++;
          logger.error('rule failed', { rule: f.rule, error: f.error });
        }
        for (const a of result.alerts) {
          summary.findings++;
          const m = metrics.singleMetric();
          m.addDimensions({ rule: a.rule, severity: a.severity });
          m.addMetric('Findings', MetricUnit.Count, 1);
          logger.info('finding', {
            alertId: a.id,
            rule: a.rule,
            severity: a.severity,
            eventName: a.eventName,
          });
        }
        alerts.push(...result.alerts);
      }
      logger.setCorrelationId(null);
      if (alerts.length > 0) {
        const rt = await getRuntime();
        let report: DeliveryReport;
        try {
          report = await rt.deliver(alerts);
        } catch (err) {
          // Even the dead-letter queue failed: count every alert as undelivered and let Lambda retry.
          metrics.addMetric('DeliveryFailures', MetricUnit.Count, alerts.length);
          throw err;
        }
        summary.published = report.published;
        summary.repeats = report.repeats;
        summary.deadLettered = report.deadLettered;
      }
      if (summary.evaluated > 0) {
        evaluatedSinceWrite += summary.evaluated;
        bufferedSince ??= nowMs();
      }
      if (bufferedSince !== null && nowMs() - bufferedSince >= maxAgeMs) await writeBuffered();
      return summary;
    } finally {
      // Problems are published with the invocation that saw them (DeliveryFailures has an alarm); the
      // evaluated count with the buffered observations: no metrics blob for an invocation with nothing to say.
      if (summary.parseFailures > 0)
        metrics.addMetric('ParseFailures', MetricUnit.Count, summary.parseFailures);
      if (summary.deadLettered > 0)
        metrics.addMetric('DeliveryFailures', MetricUnit.Count, summary.deadLettered);
      if (summary.ruleErrors > 0) metrics.addMetric('RuleErrors', MetricUnit.Count, summary.ruleErrors);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.info('invocation done', { ...summary });
      logger.resetKeys();
    }
  };
  return Object.assign(handler, {
    async drain() {
      await writeBuffered();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  });
}
