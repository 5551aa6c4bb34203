import type { BaselineIdentity } from '../baseline/types.js';
import type { BaselineView } from '../baseline/view.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { Finding } from '../detection/engine.js';
import type { RuleContext } from '../detection/rule.js';
import { stableHash } from '../hash.js';
import type { Alert } from './alert.js';

/** Turns a finding into the alert JSON contract. Field order is the serialisation order. */
export function buildAlert(e: NormalisedEvent, f: Finding, ctx: RuleContext, view: BaselineView): Alert {
  const { rule, hit } = f;
  const entry: BaselineIdentity | null = ctx.target ?? ctx.actor;
  const actorKey =
    e.actor.arn ?? (e.actor.subject ? `${e.actor.provider}|${e.actor.subject}` : e.actor.accountId);
  const dedupeKey = `${rule.meta.id}:${stableHash(hit.dedupeKey ?? `${e.target?.arn ?? e.target?.name ?? ''}|${actorKey ?? ''}`)}`;
  const target = e.target ? { type: e.target.type, arn: e.target.arn, name: e.target.name } : null;
  const alert: Alert = {
    id: stableHash(rule.meta.id, e.eventId),
    rule: rule.meta.id,
    severity: hit.severity,
    title: hit.title ?? rule.meta.title,
    reasons: hit.reasons,
    eventId: e.eventId,
    eventName: e.eventName,
    eventTime: e.eventTime,
    account: e.account,
    region: e.region,
    actor: {
      type: e.actor.type,
      arn: e.actor.arn ?? e.actor.sessionArn,
      subject: e.oidc?.subject ?? e.actor.subject,
      provider: e.oidc?.provider ?? e.actor.provider,
      sessionName: e.actor.sessionName,
      sourceIp: e.actor.sourceIp,
      userAgent: e.actor.userAgent,
    },
    target,
    baseline: entry
      ? {
          owner: entry.owner,
          purpose: entry.purpose,
          kind: entry.kind,
          reviewAfter: entry.reviewAfter ?? null,
        }
      : null,
    team: entry?.team ?? view.defaultTeam() ?? null,
    attack: rule.meta.attack,
    dedupeKey,
    count: 1,
    environment: entry?.environment ?? null,
    runbook: rule.meta.runbook,
  };
  return alert;
}
