import type { Clock, EventClaimOutcome, EventClaimStore } from '../../ports.js';
import { ConditionFailedError, type Dynamo, mapLimit } from './client.js';
import { ALERT_RETENTION_MS, CLAIM_LEASE_MS } from './dedupe.js';

/** Partition key of the claim on one event (`<recipientAccountId>/<eventID>`). */
export const eventClaimPk = (key: string) => `EVTCLAIM#${key}`;
const SK = 'C';

/**
 * EventClaimStore on the table: the dedupe store's pending/settled claim with a lease (./dedupe.ts),
 * keyed by event instead of by alert. A claim is a conditional PutItem on `EVTCLAIM#<account>/<eventID>`
 * that succeeds when no claim exists, the item expired, or a pending claim's lease ran out (the attempt
 * that wrote it died or could not settle it). Settling sets `claimState = settled` if the owner still
 * holds it. Items are kept {@link ALERT_RETENTION_MS} past the event (or now): longer than any
 * notification or EventBridge retry can arrive late.
 *
 * Costs, ingestMode `both` only: one PutItem per judged event and one UpdateItem to settle it; the path
 * that comes second pays one failed PutItem and one GetItem.
 */
export class DynamoEventClaims implements EventClaimStore {
  constructor(
    private readonly db: Dynamo,
    private readonly opts: {
      clock?: Clock;
      /** Longer than the claiming function's timeout (default the dedupe lease, 90 s, for detect). */
      leaseMs?: number;
      onError?: (op: string, err: unknown) => void;
    } = {},
  ) {}

  private now(): number {
    return this.opts.clock?.nowMs() ?? Date.now();
  }

  async claim(key: string, eventTime: string, owner: string): Promise<EventClaimOutcome> {
    const nowMs = this.now();
    const nowSec = Math.floor(nowMs / 1000);
    const eventMs = Date.parse(eventTime);
    const base = Number.isFinite(eventMs) ? Math.max(eventMs, nowMs) : nowMs;
    const Key = { pk: eventClaimPk(key), sk: SK };
    try {
      await this.db.put(
        {
          ...Key,
          type: 'event-claim',
          owner,
          claimState: 'pending',
          leaseUntil: Math.ceil((nowMs + (this.opts.leaseMs ?? CLAIM_LEASE_MS)) / 1000),
          expiresAt: Math.ceil((base + ALERT_RETENTION_MS) / 1000),
        },
        {
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (claimState = :pending AND leaseUntil < :now)',
          ExpressionAttributeValues: { ':now': nowSec, ':pending': 'pending' },
        },
      );
      return 'won';
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) {
        this.opts.onError?.('claim', err);
        return 'unavailable';
      }
    }
    try {
      const cur = await this.db.get(Key, true);
      if (cur === null) return 'busy'; // gone between the two calls: a later attempt decides
      if (cur.claimState === 'settled') return 'judged';
      return 'busy';
    } catch (err) {
      this.opts.onError?.('claim', err);
      return 'unavailable';
    }
  }

  async settle(keys: readonly string[], owner: string): Promise<void> {
    await mapLimit([...keys], 8, async (key) => {
      try {
        await this.db.update({
          Key: { pk: eventClaimPk(key), sk: SK },
          UpdateExpression: 'SET claimState = :settled REMOVE leaseUntil',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':settled': 'settled', ':owner': owner },
        });
      } catch (err) {
        // Taken over after the lease (then the other attempt settles it) or a failed write: left pending,
        // the other path judges the event again after the lease (a duplicate, never a loss).
        if (!(err instanceof ConditionFailedError)) this.opts.onError?.('settle', err);
      }
    });
  }

  async release(keys: readonly string[], owner: string): Promise<void> {
    await mapLimit([...keys], 8, async (key) => {
      try {
        await this.db.delete(
          { pk: eventClaimPk(key), sk: SK },
          {
            ConditionExpression: '#owner = :owner AND claimState = :pending',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner, ':pending': 'pending' },
          },
        );
      } catch (err) {
        // Not ours any more, or the table failed: the lease runs out and the next path judges the event.
        if (!(err instanceof ConditionFailedError)) this.opts.onError?.('release', err);
      }
    });
  }
}
