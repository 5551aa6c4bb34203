import type { Alert } from '../alert/alert.js';
import { matchArn } from '../baseline/patterns.js';
import type { Suppression } from '../baseline/types.js';

/**
 * The suppression that covers an alert, if any. `actor` and `target` are IAM `ArnLike` patterns. Expiry is judged against the event's time,
 * so a replay of the same archive gives the same answer whenever it runs.
 */
export function findSuppression(
  alert: Alert,
  eventTimeMs: number,
  suppressions: readonly Suppression[],
): Suppression | null {
  for (const s of suppressions) {
    if (s.rule !== '*' && s.rule !== alert.rule) continue;
    if (expiryMs(s.expires) <= eventTimeMs) continue;
    if (s.actor && !(alert.actor.arn && matchArn(s.actor, alert.actor.arn))) continue;
    if (s.target && !(alert.target?.arn && matchArn(s.target, alert.target.arn))) continue;
    return s;
  }
  return null;
}

/** A date-only expiry lasts through that whole day (UTC). */
function expiryMs(expires: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expires)) return Date.parse(`${expires}T23:59:59.999Z`) + 1;
  const ms = Date.parse(expires);
  return Number.isNaN(ms) ? 0 : ms;
}
