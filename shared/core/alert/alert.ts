import type { IdentityKind } from '../baseline/types.js';
import type { Severity } from '../severity.js';

/** The alert JSON contract (DESIGN.md). Field order here is the serialisation order. */
export interface Alert {
  /** Stable hash of rule + eventId. */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  reasons: string[];
  eventId: string;
  eventName: string;
  eventTime: string;
  account: string;
  region: string;
  actor: AlertActor;
  target: AlertTarget | null;
  baseline: AlertBaseline | null;
  team: string | null;
  attack: string[];
  dedupeKey: string;
  /** Events folded into this alert (same rule and dedupe key within the rule's window). */
  count: number;
  /** Event time of the last folded event, when count > 1. */
  lastEventTime?: string;
  /** Environment of the baselined identity, when known (routing attribute). */
  environment?: string | null;
  /** The next command to run, from the rule's runbook. */
  runbook?: string;
  /** Set when delivery went ahead without some dependency (e.g. ["dedupe-unavailable"]). */
  degraded?: string[];
}

export interface AlertActor {
  type: string;
  arn: string | null;
  subject?: string | null;
  provider?: string | null;
  sessionName?: string | null;
  sourceIp: string | null;
  userAgent: string | null;
}

export interface AlertTarget {
  type: string;
  arn: string | null;
  name?: string | null;
}

export interface AlertBaseline {
  owner: string;
  purpose: string;
  kind: IdentityKind;
  reviewAfter: string | null;
}
