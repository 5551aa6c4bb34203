import type { Alert } from '../../core/alert/alert.js';
import type { AlertHistory, Clock, DedupeDecision, DedupeStore } from '../../ports.js';
import { ConditionFailedError, type Dynamo, type Item } from './client.js';
import { ALERT_SK, alertDayBucket, alertPk, GSI1 } from './keys.js';

/** Alert/dedupe items stay this long after their window (wall time) for the digest, then TTL removes them. */
export const ALERT_RETENTION_MS = 14 * 24 * 3_600_000;
/** Furthest back AlertHistory.since looks (one GSI Query per UTC day). */
export const HISTORY_MAX_DAYS = 400;

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { name?: string; code?: string } } | null;
  const inner = e?.cause?.code ?? e?.cause?.name;
  return `${e?.name ?? 'Error'}${inner ? ` (${inner})` : ''}: ${e?.message ?? String(err)}`;
}

/**
 * How long a claim stays pending before a retry of the same alert may claim it again. Longer than the
 * detect function's timeout (60 s), so a slow attempt still running is not doubled; shorter than the gap
 * to Lambda's second async retry (one minute, then two), so a claim whose release failed is retried.
 */
export const CLAIM_LEASE_MS = 90_000;

/**
 * DedupeStore and AlertHistory on the table. A claim is a conditional PutItem on
 * `ALERT#<dedupeKey>#<windowStart>`; when it exists (and has not expired) an UpdateItem ADDs to
 * its count and the alert is a repeat. Windows run on event time, so replays are reproducible.
 *
 * A claim is written `pending` with a lease and marked `settled` once the alert was delivered or parked
 * ({@link settle}). The same alert id meeting a settled claim is a redelivery (ignored); meeting a pending
 * claim whose lease ran out, it claims again (the earlier attempt died, or could not give the claim back);
 * meeting a pending claim still leased, it is `pending` and the caller fails so that a later retry decides.
 * Items written before claims had a state count as settled.
 */
export class DynamoDedupeStore implements DedupeStore, AlertHistory {
  constructor(
    private readonly db: Dynamo,
    private readonly clock: Clock = { nowMs: () => Date.now() },
    private readonly leaseMs: number = CLAIM_LEASE_MS,
  ) {}

  private keyOf(alert: Alert, windowMinutes: number) {
    const windowMs = Math.max(1, windowMinutes) * 60_000;
    const eventMs = Date.parse(alert.eventTime);
    const t = Number.isFinite(eventMs) ? eventMs : 0;
    const windowStart = Math.floor(t / windowMs) * windowMs;
    return { t, windowMs, windowStart, key: { pk: alertPk(alert.dedupeKey, windowStart), sk: ALERT_SK } };
  }

  async claim(alert: Alert, windowMinutes: number): Promise<DedupeDecision> {
    try {
      const { t, windowMs, windowStart, key } = this.keyOf(alert, windowMinutes);
      const nowMs = this.clock.nowMs();
      const nowSec = Math.floor(nowMs / 1000);
      const expiresAt = Math.ceil((Math.max(nowMs, windowStart + windowMs) + ALERT_RETENTION_MS) / 1000);
      try {
        await this.db.put(
          {
            ...key,
            type: 'alert',
            firstAlertId: alert.id,
            count: 1,
            alert: JSON.stringify(alert),
            eventTime: alert.eventTime,
            lastEventTime: alert.eventTime,
            expiresAt,
            gsi1pk: alertDayBucket(dayOf(t)),
            gsi1sk: `${new Date(t).toISOString()}#${alert.id}`,
            claimState: 'pending',
            leaseUntil: Math.ceil((nowMs + this.leaseMs) / 1000),
          },
          {
            // An item past its expiry may linger (TTL is lazy): it counts as absent. So does this alert's
            // own pending claim whose lease ran out (the attempt that wrote it never settled it).
            ConditionExpression:
              'attribute_not_exists(pk) OR expiresAt < :now OR ' +
              '(firstAlertId = :id AND claimState = :pending AND leaseUntil < :now)',
            ExpressionAttributeValues: { ':now': nowSec, ':id': alert.id, ':pending': 'pending' },
          },
        );
        return { kind: 'new' };
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
      }
      try {
        // The same alert id again is a redelivery of the same event: it must not count twice.
        const out = await this.db.update({
          Key: key,
          UpdateExpression: 'ADD #count :one SET lastEventTime = :t',
          ConditionExpression: 'attribute_exists(pk) AND firstAlertId <> :id',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':t': alert.eventTime, ':id': alert.id },
          ReturnValues: 'ALL_NEW',
        });
        const a = out.Attributes ?? {};
        return { kind: 'repeat', count: Number(a.count ?? 0), firstAlertId: String(a.firstAlertId ?? '') };
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
      }
      const current = await this.db.get(key, true);
      if (current === null) {
        // Released (or expired) between the two writes: the caller may claim again on its retry.
        return { kind: 'unavailable', reason: 'dedupe item changed during the claim' };
      }
      if (current.claimState === 'pending' && Number(current.leaseUntil ?? 0) >= nowSec) {
        return { kind: 'pending', leaseUntil: new Date(Number(current.leaseUntil) * 1000).toISOString() };
      }
      return {
        kind: 'repeat',
        count: Number(current.count ?? 0),
        firstAlertId: String(current.firstAlertId ?? ''),
        redelivery: true,
      };
    } catch (err) {
      return { kind: 'unavailable', reason: errorText(err) };
    }
  }

  async release(alert: Alert, windowMinutes: number): Promise<void> {
    try {
      await this.db.delete(this.keyOf(alert, windowMinutes).key, {
        ConditionExpression: 'firstAlertId = :id',
        ExpressionAttributeValues: { ':id': alert.id },
      });
    } catch {
      // Not ours any more, or the table is unreachable: the caller is already failing loudly.
    }
  }

  async settle(alert: Alert, windowMinutes: number): Promise<void> {
    try {
      await this.db.update({
        Key: this.keyOf(alert, windowMinutes).key,
        UpdateExpression: 'SET claimState = :settled REMOVE leaseUntil',
        ConditionExpression: 'firstAlertId = :id',
        ExpressionAttributeValues: { ':settled': 'settled', ':id': alert.id },
      });
    } catch {
      // Left pending: a redelivery after the lease delivers once more (a duplicate, never a loss).
    }
  }

  /** Alerts whose event time is at or after `sinceMs`, with their folded counts (one Query per UTC day). */
  async since(sinceMs: number): Promise<Alert[]> {
    const nowMs = this.clock.nowMs();
    const start = Math.max(sinceMs, nowMs - HISTORY_MAX_DAYS * DAY_MS);
    const fromIso = new Date(Math.max(0, sinceMs)).toISOString();
    const items: Item[] = [];
    for (let d = Math.floor(start / DAY_MS) * DAY_MS; d <= nowMs; d += DAY_MS) {
      const page = await this.db.queryAll({
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :b AND gsi1sk >= :from',
        ExpressionAttributeValues: { ':b': alertDayBucket(dayOf(d)), ':from': fromIso },
      });
      items.push(...page);
    }
    const nowSec = nowMs / 1000;
    const out: Alert[] = [];
    for (const it of items) {
      if (Number(it.expiresAt ?? 0) <= nowSec) continue;
      const alert = JSON.parse(String(it.alert)) as Alert;
      alert.count = Number(it.count ?? 1);
      if (alert.count > 1 && typeof it.lastEventTime === 'string') alert.lastEventTime = it.lastEventTime;
      out.push(alert);
    }
    return out.sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.id.localeCompare(b.id));
  }
}
