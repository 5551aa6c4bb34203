import { parseArn, parseIdentityArn } from '../arn.js';
import type { BaselineIdentity } from '../baseline/types.js';
import type { BaselineView } from '../baseline/view.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import type { Finding } from '../detection/engine.js';
import type { RuleContext } from '../detection/rule.js';
import { stableHash } from '../hash.js';
import { originOf } from '../session/origin.js';
import { callerKey, isSessionKey } from '../session/record.js';
import type { Alert, AlertActor } from './alert.js';
import { fillRunbook, TRACE_STEP } from './runbook.js';

/** Turns a finding into the alert JSON contract. Field order is the serialisation order. */
export function buildAlert(e: NormalisedEvent, f: Finding, ctx: RuleContext, view: BaselineView): Alert {
  const { rule, hit } = f;
  const entry: BaselineIdentity | null = ctx.target ?? ctx.actor;
  const actorKey =
    e.actor.arn ?? (e.actor.subject ? `${e.actor.provider}|${e.actor.subject}` : e.actor.accountId);
  const dedupeKey = `${rule.meta.id}:${stableHash(hit.dedupeKey ?? `${e.target?.arn ?? e.target?.name ?? ''}|${actorKey ?? ''}`)}`;
  const accountName = view.accounts()[e.account]?.name ?? null;
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
    actor: alertActor(e, view),
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
    runbook: fillRunbook(runbookOf(rule.meta.runbook, ctx), runbookValues(e, ctx)),
    ...(accountName ? { accountName } : {}),
  };
  if (ctx.session !== undefined) alert.origin = originOf(ctx.session?.lineage ?? null);
  return alert;
}

/**
 * The actor as alerts show it: who (ARN, OIDC subject), and for a role session the human behind it — the
 * session name of an IAM Identity Center or SAML session is the user's name — with the role and the
 * account's display name from the baseline's `accounts:`.
 */
export function alertActor(e: NormalisedEvent, view: Pick<BaselineView, 'accounts'>): AlertActor {
  const a = e.actor;
  const session = parseIdentityArn(a.sessionArn);
  let ownSession: string | null = null;
  let roleName: string | null = null;
  if (session?.kind === 'assumed-role') {
    roleName = session.role;
    ownSession = session.session || null;
  } else if (session?.kind === 'federated-user') {
    ownSession = session.name;
  }
  const issuer = parseIdentityArn(a.arn);
  if (issuer?.kind === 'role') roleName = issuer.name;
  const sessionName =
    ownSession ??
    a.sessionName ??
    (a.type === 'SAMLUser' || a.type === 'IdentityCenterUser' ? a.userName : null);
  const accountId = a.accountId ?? (parseArn(a.arn ?? a.sessionArn)?.account || null);
  const accountName = accountId ? (view.accounts()[accountId]?.name ?? null) : null;
  return {
    type: a.type,
    arn: a.arn ?? a.sessionArn,
    subject: e.oidc?.subject ?? a.subject,
    provider: e.oidc?.provider ?? a.provider,
    sessionName,
    ...(roleName ? { roleName } : {}),
    ...(accountId ? { accountId } : {}),
    ...(accountName ? { accountName } : {}),
    sourceIp: a.sourceIp,
    userAgent: a.userAgent,
  };
}

/** The rule's runbook, ending with `iamwatch trace <key>` when lineage is tracked. */
function runbookOf(template: string, ctx: RuleContext): string {
  if (ctx.session === undefined || template.includes('iamwatch trace')) return template;
  return `${template.replace(/[.;\s]+$/, '')}; ${TRACE_STEP}`;
}

/** The key `iamwatch trace` starts from: the session that acted, else the one issued, else the event. */
function traceKey(e: NormalisedEvent, ctx: RuleContext): string {
  const used = callerKey(e);
  if (isSessionKey(used)) return used;
  return ctx.session?.issued?.key ?? e.eventId;
}

/** What the runbook placeholders stand for in this event. */
function runbookValues(e: NormalisedEvent, ctx: RuleContext) {
  const t = e.target;
  const actorArn = e.actor.arn ?? e.actor.sessionArn;
  const actorIsRole = parseArn(e.actor.arn)?.resource.startsWith('role/') ?? false;
  const actorIsUser = parseArn(e.actor.arn)?.resource.startsWith('user/') ?? false;
  return {
    role: (t?.type === 'role' ? t.arn : null) ?? (actorIsRole ? e.actor.arn : null),
    identity: ctx.target && t?.arn ? t.arn : ctx.actor && actorArn ? actorArn : (t?.arn ?? actorArn),
    actor: actorArn,
    // The user acted on, else the user (or root) that acted.
    user:
      (t?.type === 'user' ? t.arn : null) ?? (actorIsUser || e.actor.type === 'Root' ? e.actor.arn : null),
    subject: e.oidc?.subject ?? e.actor.subject,
    target: t?.arn ?? null,
    key: traceKey(e, ctx),
  };
}
