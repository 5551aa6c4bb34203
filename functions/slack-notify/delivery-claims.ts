/**
 * Shared idempotency of slack-notify across containers: one item per alert id in the iamwatch table.
 * SNS delivers at least once and Lambda retries; the per-container memory cannot see another container's
 * post. A claim is a conditional PutItem holding a lease (`claimedUntil`, the function's timeout and
 * more): a container that died mid-delivery does not block the retry for long. A confirmed claim holds for
 * the retention period; a claim that could be neither posted nor parked is deleted so the retry posts.
 */
import { ConditionFailedError, type Dynamo } from '../../shared/adapters/dynamodb/client.js';
import type { DeliveryClaim } from './build-handler.js';

const RETENTION_S = 14 * 24 * 3600;

/** `SLACK#<alert id>` / `DELIVERY`. */
export const deliveryKey = (alertId: string) => ({ pk: `SLACK#${alertId}`, sk: 'DELIVERY' });

export interface DeliveryClaims {
  claim(alertId: string): Promise<DeliveryClaim>;
  confirm(alertId: string): Promise<void>;
  release(alertId: string): Promise<void>;
}

export function dynamoDeliveryClaims(
  db: Dynamo,
  opts: { leaseSeconds: number; nowMs?: () => number },
): DeliveryClaims {
  const now = () => Math.floor((opts.nowMs ?? Date.now)() / 1000);
  return {
    async claim(alertId) {
      const t = now();
      try {
        await db.put(
          {
            ...deliveryKey(alertId),
            type: 'delivery',
            claimedUntil: t + opts.leaseSeconds,
            expiresAt: t + RETENTION_S,
          },
          {
            ConditionExpression: 'attribute_not_exists(pk) OR claimedUntil < :now',
            ExpressionAttributeValues: { ':now': t },
          },
        );
        return 'new';
      } catch (err) {
        if (err instanceof ConditionFailedError) return 'duplicate';
        return 'unavailable';
      }
    },
    async confirm(alertId) {
      const t = now();
      await db.put({
        ...deliveryKey(alertId),
        type: 'delivery',
        claimedUntil: t + RETENTION_S,
        expiresAt: t + RETENTION_S,
      });
    },
    async release(alertId) {
      await db.delete(deliveryKey(alertId));
    },
  };
}
