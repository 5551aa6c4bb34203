import type { IdentityKind } from '../baseline/types.js';
import type { AlertOrigin } from '../session/origin.js';
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
  /**
   * The next command to run, from the rule's runbook, with `<role>`, `<identity>`, `<actor>`, `<user>`,
   * `<subject>` and `<target>` filled from the event (shell-quoted when not a plain token); placeholders the
   * event cannot fill (`<file>`, `<archive>`) stay as written.
   */
  runbook?: string;
  /** Set when delivery went ahead without some dependency (e.g. ["dedupe-unavailable"]). */
  degraded?: string[];
  /** Display name of `account` from the baseline's `accounts:` (additive, v0.2; absent when not named). */
  accountName?: string | null;
  /**
   * Session lineage of the actor (additive, v0.2): the chain of sessions from the origin (OIDC token, SAML
   * assertion, user key, root, service) to the session that acted — or that this event issued. Null when the
   * actor used no session key; absent when lineage is not tracked.
   */
  origin?: AlertOrigin | null;
}

export interface AlertActor {
  type: string;
  arn: string | null;
  subject?: string | null;
  provider?: string | null;
  /**
   * The actor's own role session name: the human behind an IAM Identity Center (SSO) or SAML session
   * (`alice@example.com`), the federated user's name, or the requested session name of an assumption
   * made without a session. Attacker-controlled for plain AssumeRole.
   */
  sessionName?: string | null;
  /** Name of the role behind the actor's session (e.g. `AWSReservedSSO_Admin_0123abcd`) (additive, v0.2). */
  roleName?: string | null;
  /** Account id of the actor (from userIdentity or its ARN) (additive, v0.2). */
  accountId?: string | null;
  /** Display name of the actor's account from the baseline's `accounts:` (additive, v0.2). */
  accountName?: string | null;
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
