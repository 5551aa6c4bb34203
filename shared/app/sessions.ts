/**
 * Lineage around one event, for the detect Lambda and replay alike: look the chain up, record the session the
 * event issued (when worth a write), and after evaluation mark the acting session as alerted on.
 */
import type { BaselineView } from '../core/baseline/view.js';
import type { NormalisedEvent } from '../core/cloudtrail/types.js';
import { type EventSession, lineageOfEvent } from '../core/session/lineage.js';
import { callerKey, isSessionKey, type SessionRecord } from '../core/session/record.js';
import type { SessionStore } from '../ports.js';

/**
 * Whether an issued session is worth a write. Not: a failed call (no key), or a session an AWS service
 * obtained for a role without a baseline — service sessions (Lambda execution roles, EC2 instance profiles,
 * service-linked roles) are the bulk of STS traffic, are never chained from by CI, and their origin is the
 * service itself.
 */
export function worthWriting(rec: SessionRecord, view: BaselineView): boolean {
  if (!rec.key) return false;
  if (rec.via === 'service' && !view.lookup(rec.identity)) return false;
  return true;
}

/** Session facts of `e` (lineage before the write, so a record is never its own parent), then the write. */
export async function trackSession(
  e: NormalisedEvent,
  view: BaselineView,
  store: SessionStore,
): Promise<EventSession> {
  const facts = await lineageOfEvent(e, (k, at) => store.get(k, at));
  if (facts.issued && worthWriting(facts.issued, view)) await store.put(facts.issued);
  return facts;
}

/** After alerts were raised on `e`: its acting session (and the session it issued) count as alerted on. */
export async function markAlerted(
  e: NormalisedEvent,
  facts: EventSession,
  store: SessionStore,
): Promise<void> {
  if (!store.markAlerted) return;
  const used = callerKey(e);
  if (isSessionKey(used)) await store.markAlerted(used);
  if (facts.issued?.key) await store.markAlerted(facts.issued.key);
}
