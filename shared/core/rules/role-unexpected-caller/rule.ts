import { principalExpected, principalOfEvent } from '../../baseline/expected.js';
import type { BaselineIdentity } from '../../baseline/types.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import type { RuleContext } from '../../detection/rule.js';
import { defineRule } from '../../detection/rule.js';
import { parseSubject } from '../../oidc/subject.js';
import { chainReasons } from '../../session/origin.js';
import { shortIdentity } from '../../session/record.js';
import type { Severity } from '../../severity.js';
import { STS } from '../_common.js';

/** The shared verdict (shared/core/baseline/expected.ts): the same answer `baseline show|seen|who` give. */
function verdict(e: NormalisedEvent, target: BaselineIdentity) {
  const principal = principalOfEvent(e);
  return principal === null ? null : principalExpected(target, principal);
}

/**
 * The chained case: the direct caller is allowed, but the chain it belongs to started with a principal the
 * target does not accept — an OIDC subject its own trust does not list (judged by principalExpected), or, for
 * a role without OIDC trust, a pull-request token. Only complete chains are judged: an unknown origin is never
 * guessed at.
 */
function chainedVerdict(ctx: RuleContext): { reasons: string[]; pullRequest: boolean } | null {
  const lineage = ctx.session?.lineage;
  const target = ctx.target;
  if (!target || !lineage?.complete || lineage.chain.length < 2) return null;
  const first = lineage.chain[0];
  if (!first || (first.via !== 'oidc' && first.via !== 'saml')) return null;
  const claims = first.via === 'oidc' && first.subject ? parseSubject(first.subject, first.provider) : null;
  const pullRequest = claims?.pullRequest === true;
  let why: string[] | null = null;
  if (target.oidc.length > 0 && first.via === 'oidc') {
    const v = principalExpected(target, {
      kind: 'oidc',
      provider: first.provider,
      audience: first.audience,
      subject: first.subject,
      claims,
    });
    if (v.expected === false) why = v.reasons;
  } else if (pullRequest) {
    why = [
      `${shortIdentity(target.arn)} declares no OIDC trust, and the chain started with a pull-request token`,
    ];
  }
  if (!why) return null;
  return {
    pullRequest,
    reasons: [
      `${shortIdentity(target.arn)} was reached by chaining from ${first.subject ?? 'an unknown subject'} (${first.via.toUpperCase()}), which it does not accept: ${why.join('; ')}`,
      ...chainReasons(lineage),
    ],
  };
}

function severityOf(ctx: RuleContext, chained: { pullRequest: boolean } | null): Severity {
  if (chained?.pullRequest || (chained && ctx.target?.environment === 'production')) return 'critical';
  return 'high';
}

export default defineRule({
  meta: {
    id: 'role-unexpected-caller',
    title: 'Role assumed by a caller its baseline does not list',
    description:
      'A role whose baseline lists its expected callers was assumed (AssumeRole or AssumeRoleWithSAML) by ' +
      'another principal: a different role or user, a SAML provider, an AWS service, or an account none of the ' +
      'listed callers belongs to. A role that declares OIDC trust and no callers (or `callers: []`) expects no ' +
      'such assumption at all: a pull-request role chaining into the apply role, or a build service assuming ' +
      'the deploy role, raises this. Lateral movement through over-broad trust policies looks exactly like this. ' +
      'Chained escalation (v0.2): when the caller is allowed but its session descends (session lineage) from ' +
      "an OIDC subject the role's own trust does not accept — a pull-request token that reached the plan role " +
      'and chained into the apply role — it raises too, critical for a pull request, with the whole chain as reasons.',
    severity: 'high',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRole', 'AssumeRoleWithSAML'] },
    attack: ['T1078.004', 'T1550.001'],
    emulatedBy: [],
    falsePositives: [
      'A new automation or team member legitimately given access before the baseline callers were updated.',
      'An AWS service assuming the role on your behalf when the role trusts that service.',
    ],
    runbook:
      'iamwatch baseline show <role>; iamwatch baseline seen <role> --since 7d to list its callers; confirm with the owner, then add the caller or tighten the trust policy.',
    dedupWindowMinutes: 60,
  },
  match: (e, ctx) => {
    if (!e.success || !ctx.target) return false;
    return verdict(e, ctx.target)?.expected === false || chainedVerdict(ctx) !== null;
  },
  severity: (e, ctx) => {
    const direct = ctx.target ? verdict(e, ctx.target)?.expected === false : false;
    return severityOf(ctx, direct ? null : chainedVerdict(ctx));
  },
  reasons: (e, ctx) => {
    if (!ctx.target) return [];
    const direct = verdict(e, ctx.target);
    if (direct?.expected === false) return direct.reasons;
    return chainedVerdict(ctx)?.reasons ?? [];
  },
  dedupeKey: (e) => {
    const p = principalOfEvent(e);
    const who = p === null ? '' : p.kind === 'caller' ? p.caller : p.kind === 'saml' ? p.provider : p.subject;
    return `${e.target?.arn}|${who ?? ''}`;
  },
});
