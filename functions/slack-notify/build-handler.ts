/**
 * slack-notify over injected dependencies: SNS event → validated alerts → Slack, once per alert id.
 *
 * - A malformed message is logged with its SNS message id and parked in the dead-letter sink (a retry
 *   cannot fix it), never thrown forever.
 * - Duplicate deliveries of the same alert id (SNS at-least-once, Lambda retries) post once: a per-container
 *   set of handled ids, plus the optional shared `claimDelivery`.
 * - Slack failures after retries park the whole alert in the dead-letter sink (shared/app/deliver.ts). Only
 *   when parking fails too does the handler throw ({@link DeliveryError}), so Lambda retries the event and
 *   its on-failure destination keeps it.
 */
import type { SNSEvent } from 'aws-lambda';
import { RecentIds } from '../../shared/adapters/slack-webhook.js';
import { DeliveryError, deliverAlerts, parkDeadLetter } from '../../shared/app/deliver.js';
import type { DeadLetterSink } from '../../shared/core/alert/dead-letter.js';
import type { AlertSink, Clock, Log } from '../../shared/ports.js';
import { parseAlertMessage } from './alert-schema.js';

/** Outcome of a shared delivery claim. */
export type DeliveryClaim = 'new' | 'duplicate' | 'unavailable';

export interface SlackNotifyDeps {
  /** The Slack sink (SlackWebhookSink in AWS). */
  slack: AlertSink;
  deadLetter: DeadLetterSink | AlertSink;
  log: Log;
  /** Sets the correlation id of subsequent log lines (Powertools Logger `setCorrelationId`). */
  setCorrelationId?: (id: string) => void;
  /** Shared idempotency: claim the right to post alert `alertId` (e.g. conditional write). */
  claimDelivery?: (alertId: string) => Promise<DeliveryClaim>;
  /** Give a claim back when the alert could be neither posted nor parked (so a retry may post it). */
  releaseDelivery?: (alertId: string) => Promise<void>;
  /** The alert was posted or parked: make the claim final (a lease that outlives redeliveries). */
  confirmDelivery?: (alertId: string) => Promise<void>;
  clock?: Clock;
  /** Per-container memory of handled alert ids (default: a new bounded set per handler). */
  recent?: RecentIds;
}

export interface SlackNotifyResult {
  received: number;
  posted: number;
  duplicates: number;
  malformed: number;
  deadLettered: number;
}

export type SlackNotifyHandler = (event: SNSEvent) => Promise<SlackNotifyResult>;

export function buildSlackNotifyHandler(deps: SlackNotifyDeps): SlackNotifyHandler {
  const recent = deps.recent ?? new RecentIds(5000);
  const clock = deps.clock ?? { nowMs: () => Date.now() };

  return async (event) => {
    const result: SlackNotifyResult = {
      received: 0,
      posted: 0,
      duplicates: 0,
      malformed: 0,
      deadLettered: 0,
    };
    const failures: DeliveryError[] = [];
    for (const record of event.Records ?? []) {
      result.received++;
      const messageId = record.Sns?.MessageId ?? 'unknown';
      const body = record.Sns?.Message ?? '';
      const parsed = parseAlertMessage(body);
      if (!parsed.ok) {
        result.malformed++;
        deps.log.error('malformed alert message; dead-lettering', { messageId, reason: parsed.reason });
        try {
          await parkDeadLetter(deps.deadLetter, {
            alert: null,
            raw: body,
            reason: parsed.reason,
            sink: 'slack-notify-input',
            attempts: 0,
            failedAt: new Date(clock.nowMs()).toISOString(),
            messageId,
          });
          result.deadLettered++;
        } catch (err) {
          failures.push(
            new DeliveryError([{ alertId: null, sink: 'slack-notify-input', reason: parsed.reason }], err),
          );
        }
        continue;
      }
      const alert = parsed.alert;
      deps.setCorrelationId?.(alert.eventId);
      if (recent.has(alert.id)) {
        result.duplicates++;
        deps.log.info('duplicate delivery ignored', { alertId: alert.id, messageId, via: 'container' });
        continue;
      }
      if (deps.claimDelivery) {
        let claim: DeliveryClaim;
        try {
          claim = await deps.claimDelivery(alert.id);
        } catch {
          claim = 'unavailable';
        }
        if (claim === 'duplicate') {
          recent.add(alert.id);
          result.duplicates++;
          deps.log.info('duplicate delivery ignored', { alertId: alert.id, messageId, via: 'claim' });
          continue;
        }
        if (claim === 'unavailable')
          deps.log.warn('delivery claim unavailable; posting anyway', { alertId: alert.id });
      }
      try {
        const report = await deliverAlerts([alert], {
          sinks: [deps.slack],
          deadLetter: deps.deadLetter,
          log: deps.log,
          windowMinutes: () => 0,
          clock,
        });
        recent.add(alert.id);
        if (deps.confirmDelivery)
          await deps.confirmDelivery(alert.id).catch((err: unknown) =>
            deps.log.warn('delivery claim not confirmed', {
              alertId: alert.id,
              error: String(err).slice(0, 200),
            }),
          );
        result.deadLettered += report.deadLettered;
        if (report.outcomes[0]?.delivered.includes(deps.slack.name)) result.posted++;
        deps.log.info('alert handled', {
          alertId: alert.id,
          rule: alert.rule,
          messageId,
          report: report.outcomes[0],
        });
      } catch (err) {
        if (deps.releaseDelivery) await deps.releaseDelivery(alert.id).catch(() => undefined);
        failures.push(
          err instanceof DeliveryError
            ? err
            : new DeliveryError([{ alertId: alert.id, sink: deps.slack.name, reason: String(err) }], err),
        );
      }
    }
    if (failures.length > 0) {
      throw new DeliveryError(
        failures.flatMap((f) => f.failures),
        failures[0],
      );
    }
    return result;
  };
}
