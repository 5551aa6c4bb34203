import { awsManagedPolicyName } from '../../arn.js';
import { policyArn, policyName, submittedPolicyDocument } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { parsePolicyDocument } from '../../policy/index.js';
import type { Severity } from '../../severity.js';
import { actorLabel, IAM, isKeyQuarantine, POLICY_EDIT_EVENTS } from '../_common.js';

const PUT_INLINE = new Set(['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy']);
const ATTACH = new Set(['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy']);

/**
 * AWS managed policies that grant only reads, by path+name after `policy/` (lower-cased). ViewOnlyAccess and
 * SecurityAudit read configuration and metadata; ReadOnlyAccess also reads data (S3 objects, table items), which
 * the reason says. None grants a write, so none is a way to escalate.
 */
const READ_ONLY_MANAGED = new Map<string, string>(
  ['ReadOnlyAccess', 'ViewOnlyAccess', 'job-function/ViewOnlyAccess', 'SecurityAudit'].map((n) => [
    n.toLowerCase(),
    n,
  ]),
);

function readOnlyManaged(e: NormalisedEvent): string | null {
  if (!ATTACH.has(e.eventName)) return null;
  const name = awsManagedPolicyName(policyArn(e));
  return name ? (READ_ONLY_MANAGED.get(name.toLowerCase()) ?? null) : null;
}

/**
 * An inline policy that denies every action on every resource, unconditionally, and allows nothing. A Put
 * replaces the inline policy of the same name, so a narrower Deny could weaken a guardrail; a deny-all cannot:
 * whatever it replaces, the identity ends up with no more than before.
 */
function denyAllInline(e: NormalisedEvent): boolean {
  if (!PUT_INLINE.has(e.eventName)) return false;
  const doc = parsePolicyDocument(submittedPolicyDocument(e));
  if (doc === null || !doc.statements.every((s) => s.effect === 'Deny')) return false;
  return doc.statements.some(
    (s) =>
      s.conditions.length === 0 &&
      s.notAction === null &&
      s.notResource === null &&
      (s.action ?? []).includes('*') &&
      (s.resource ?? []).includes('*'),
  );
}

/**
 * The effect of the edit: an inline deny-all, or an AWS managed read-only policy, cannot widen
 * what the identity may change, so it is recorded low rather than at medium.
 */
function judged(e: NormalisedEvent): { severity: Severity; reason: string } | null {
  if (denyAllInline(e))
    return {
      severity: 'low',
      reason:
        'the inline policy denies every action on every resource and allows nothing: it takes permissions away',
    };
  const ro = readOnlyManaged(e);
  if (ro)
    return {
      severity: 'low',
      reason:
        ro === 'ReadOnlyAccess'
          ? 'AWS managed ReadOnlyAccess grants reads only (data included, e.g. S3 objects): no write, no escalation'
          : `AWS managed ${ro} grants reads of configuration only: no write, no escalation`,
    };
  return null;
}

export default defineRule({
  meta: {
    id: 'policy-modified',
    title: 'IAM permissions changed',
    description:
      'A policy was attached, detached, written, deleted or re-versioned, a permissions boundary changed, ' +
      'or a user joined a group. Edits by the baselined infrastructure-as-code identity are recorded at info; ' +
      'an inline policy that denies everything, or an AWS managed read-only policy (ReadOnlyAccess, ViewOnlyAccess, ' +
      'SecurityAudit), is recorded low since it cannot widen what the identity may change; ' +
      'AWS’s compromised-key quarantine is reported by access-key-exposed instead.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: [...POLICY_EDIT_EVENTS] },
    attack: ['T1098.003'],
    emulatedBy: ['aws.persistence.iam-create-admin-user', 'aws.persistence.iam-create-backdoor-role'],
    falsePositives: [
      'Infrastructure-as-code applying a reviewed change from an identity not baselined as iac.',
    ],
    runbook: 'iamwatch baseline show <actor>; match the change to a reviewed pull request or change ticket.',
    dedupWindowMinutes: 15,
  },
  // AWS's key-leak quarantine is access-key-exposed's: it narrows permissions and says a key is public.
  match: (e) => e.success && !isKeyQuarantine(e),
  // Terraform and friends own IAM: their edits are expected, but still recorded.
  severity: (e, { actor }) => (actor?.kind === 'iac' ? 'info' : (judged(e)?.severity ?? 'medium')),
  reasons: (e) => {
    const what = policyArn(e) ?? policyName(e);
    const on =
      e.target && e.target.type !== 'policy' ? ` on ${e.target.type} ${e.target.name ?? e.target.arn}` : '';
    const out = [`${actorLabel(e)} called ${e.eventName}${what ? ` (${what})` : ''}${on}`];
    const j = judged(e);
    if (j) out.push(j.reason);
    return out;
  },
  dedupeKey: (e) => `${e.target?.arn ?? e.target?.name}|${e.actor.arn}`,
});
