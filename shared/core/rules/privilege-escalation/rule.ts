import { awsManagedPolicyName, type IdentityKey, identityKeyOf, parseIdentityArn } from '../../arn.js';
import type { BaselineIdentity } from '../../baseline/types.js';
import {
  groupName,
  permissionsBoundaryArn,
  policyArn,
  policyName,
  policyVersionSetAsDefault,
  requestParametersOmitted,
  submittedPolicyDocument,
} from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule, type RuleHit } from '../../detection/rule.js';
import {
  analysePolicy,
  type ManagedPolicyRisk,
  managedPolicyRisk,
  parsePolicyDocument,
} from '../../policy/index.js';
import { actorLabel, bySomeone, IAM, POLICY_EDIT_EVENTS, quoted, shortName } from '../_common.js';

/** Most analysis sentences quoted from one document; the rest are counted. */
const MAX_DOCUMENT_REASONS = 8;

const ATTACH_EVENTS = new Set(['AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy']);
const PUT_EVENTS = new Set(['PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy']);
const DETACH_EVENTS = new Set(['DetachUserPolicy', 'DetachGroupPolicy', 'DetachRolePolicy']);
/** Calls whose submitted document we can read and judge. */
const DOCUMENT_EVENTS = new Set([...PUT_EVENTS, 'CreatePolicy', 'CreatePolicyVersion']);

/**
 * AWS managed policies that only deny (the key-leak quarantine AWS attaches, AWSDenyAll). Attaching one narrows;
 * detaching one from oneself widens — that is the escalation.
 */
const DENY_ONLY_MANAGED_NAME = /^(?:AWSCompromisedKeyQuarantine[A-Za-z0-9]*|AWSDenyAll)$/i;
const denyOnlyManaged = (arn: string | null): boolean =>
  DENY_ONLY_MANAGED_NAME.test(awsManagedPolicyName(arn) ?? '');

const DELETE_INLINE_EVENTS = new Set(['DeleteUserPolicy', 'DeleteGroupPolicy', 'DeleteRolePolicy']);
const BOUNDARY_REMOVALS = new Set(['DeleteUserPermissionsBoundary', 'DeleteRolePermissionsBoundary']);
/**
 * Inline policy names that say they restrict (AWS's quarantine, a "deny-…" guardrail). CloudTrail does not
 * carry the document of a deleted inline policy, so its name is the only clue.
 */
const DENY_LIKE_NAME = /deny|quarantine|guardrail|restrict|block/i;

/** A target whose widening matters most: break-glass, iac, production, or a ci identity (DESIGN, issue 12). */
function privilegedTarget(entry: BaselineIdentity | null): boolean {
  return (
    entry !== null &&
    (entry.kind === 'ci' ||
      entry.kind === 'break-glass' ||
      entry.kind === 'iac' ||
      entry.environment === 'production')
  );
}

/**
 * Removals that widen what a privileged or ci identity may do: a permissions boundary removed (a ceiling
 * lifted), a deny-only AWS managed policy detached, an inline policy named like a restriction deleted. Empty
 * when the target is not privileged (an administrator lifting the key-leak quarantine from a user after
 * rotating the key is the normal remediation; policy-modified still reports it) or nothing visible is removed.
 */
function restrictionRemoved(e: NormalisedEvent, target: BaselineIdentity | null): string[] {
  if (!privilegedTarget(target)) return [];
  const n = e.eventName;
  const on = `${e.target?.type ?? 'identity'} ${quoted(e.target?.name ?? shortName(e.target?.arn))}`;
  if (BOUNDARY_REMOVALS.has(n))
    return [`the permissions boundary of ${on} was removed: its permissions are no longer capped`];
  if (DETACH_EVENTS.has(n) && denyOnlyManaged(policyArn(e)))
    return [
      `the deny-only policy ${quoted(policyArn(e))} was detached from ${on}: what it denied is allowed again`,
    ];
  if (DELETE_INLINE_EVENTS.has(n) && DENY_LIKE_NAME.test(policyName(e) ?? ''))
    return [
      `inline policy ${quoted(policyName(e))} was deleted from ${on}; its name says it restricts (the record does not carry the deleted document)`,
    ];
  return [];
}

/**
 * Changes whose effect the record does not show, judged suspect: SetDefaultPolicyVersion (CloudTrail carries
 * the version id, not the document, so a roll-back to a broader older version looks the same as a fix), and a
 * policy write whose request parameters CloudTrail left out as too large. CloudTrail marks a truncated field
 * with `omitted: true` (CloudTrail record contents); that marker counts whoever the target is. A successful
 * write with no `requestParameters` at all counts only on a privileged or ci target, where not knowing what
 * was granted is itself the risk.
 */
function unknownEffect(e: NormalisedEvent, target: BaselineIdentity | null): string[] {
  if (e.eventName === 'SetDefaultPolicyVersion')
    return [
      `version ${quoted(typeof e.requestParameters?.versionId === 'string' ? e.requestParameters.versionId : null, '(not recorded)')} of ${quoted(policyArn(e))} became the default; the record does not carry its document, and rolling back to an older, broader version is a known escalation (unknown, so suspect)`,
    ];
  if (!DOCUMENT_EVENTS.has(e.eventName)) return [];
  if (requestParametersOmitted(e))
    return [
      'CloudTrail omitted the request parameters as too large: the submitted document cannot be judged (unknown, so suspect)',
    ];
  if (e.requestParameters === null && privilegedTarget(target))
    return [
      'the record carries no request parameters: what was granted to this privileged identity cannot be judged (unknown, so suspect)',
    ];
  return [];
}

/** Baselined kinds that are not expected to write IAM: only `iac` identities own IAM changes. */
const NON_IAM_WRITERS = new Set(['ci', 'workload', 'vendor']);

/** What a managed policy grants, in one clause, per risk level. */
function managedGrant(risk: ManagedPolicyRisk): string {
  switch (risk.level) {
    case 'admin':
      return 'grants every action on every resource (admin-equivalent)';
    case 'iam-admin':
      return 'grants every IAM action (iam:*) on every resource, so its holder can attach AdministratorAccess to anyone, itself included';
    // PowerUserAccess excludes IAM, Organizations and Account, so it is not admin-equivalent by the letter of
    // DESIGN.md. It still fires at critical: it reads every secret and every byte of data, and it can rewrite
    // code that already runs as other roles (lambda:UpdateFunctionCode, ssm:SendCommand to instances with
    // profiles) — Rhino's method 17 needs no iam:PassRole. The reason says exactly this, so the responder can
    // weigh it.
    case 'power-user':
      return 'grants every action except IAM, Organizations and Account on every resource (power user): not IAM admin, but it reaches all data and can rewrite code that already runs as other roles';
    case 'escalation':
      return 'allows iam:PassRole on every role together with compute that runs as the passed role (an escalation path)';
  }
}

/** Reasons the change grants admin-equivalent or escalation-capable access; empty when it does not (or we cannot tell). */
function grantReasons(e: NormalisedEvent): string[] {
  if (ATTACH_EVENTS.has(e.eventName)) {
    const arn = policyArn(e);
    const risk = arn ? managedPolicyRisk(arn) : null;
    return risk ? [`AWS managed policy ${risk.name} ${managedGrant(risk)}`] : [];
  }
  if (!DOCUMENT_EVENTS.has(e.eventName)) return [];
  const doc = parsePolicyDocument(submittedPolicyDocument(e));
  if (!doc) return [];
  const analysis = analysePolicy(doc);
  if (!analysis.adminEquivalent && !analysis.iamAdmin && analysis.escalation.length === 0) return [];
  const name = quoted(policyName(e) ?? policyArn(e), 'the submitted policy');
  const verdict = analysis.adminEquivalent
    ? 'is admin-equivalent'
    : analysis.iamAdmin
      ? 'grants every IAM action on every resource'
      : `grants ${analysis.escalation.length} privilege-escalation path(s)`;
  const out = [`policy ${name} ${verdict}`];
  const details = analysis.reasons;
  out.push(...details.slice(0, MAX_DOCUMENT_REASONS));
  if (details.length > MAX_DOCUMENT_REASONS)
    out.push(`… and ${details.length - MAX_DOCUMENT_REASONS} more finding(s) in the document`);
  if (e.eventName === 'CreatePolicy') {
    out.push('the new policy is attached to no one yet: whoever it is attached to gains this access');
  } else if (e.eventName === 'CreatePolicyVersion' && policyVersionSetAsDefault(e) !== true) {
    out.push('the version was not set as default: it takes effect when SetDefaultPolicyVersion promotes it');
  }
  return out;
}

/**
 * The call changes the caller's own role or user (a role attaching to itself, a user adding itself to a group).
 * Both sides must be IAM role/user ARNs (path dropped; IAM names are case-insensitive): a session ARN is not.
 */
function editsItself(e: NormalisedEvent): boolean {
  const actor = iamIdentityKey(e.actor.arn);
  const target = iamIdentityKey(e.target?.arn);
  return (
    actor !== null &&
    target !== null &&
    actor.account === target.account &&
    actor.type === target.type &&
    actor.name === target.name
  );
}

function iamIdentityKey(arn: string | null | undefined): IdentityKey | null {
  const kind = parseIdentityArn(arn)?.kind;
  return kind === 'role' || kind === 'user' ? identityKeyOf(arn) : null;
}

/**
 * Whether a call on the caller's own identity can widen what it may do. Attach/Put/AddUserToGroup add grants;
 * deleting or replacing one's own permissions boundary lifts a ceiling; detaching a deny-only managed policy
 * (the quarantine AWS attaches after a key leak) lifts a restriction. A Put whose document only denies, or an
 * attach of a deny-only policy, narrows: the AWS key-leak quarantine (a user "putting" a Deny on itself) must
 * not fire. Other Detach/Delete calls remove grants and do not count.
 */
function widensOwnPermissions(e: NormalisedEvent): boolean {
  const n = e.eventName;
  if (ATTACH_EVENTS.has(n)) return !denyOnlyManaged(policyArn(e));
  if (DETACH_EVENTS.has(n)) return denyOnlyManaged(policyArn(e));
  if (PUT_EVENTS.has(n)) {
    const doc = parsePolicyDocument(submittedPolicyDocument(e));
    // An unreadable document is counted: we cannot show it only restricts.
    return doc === null || doc.statements.some((s) => s.effect === 'Allow');
  }
  if (n === 'PutUserPermissionsBoundary' || n === 'PutRolePermissionsBoundary') {
    return !denyOnlyManaged(permissionsBoundaryArn(e));
  }
  return (
    n === 'AddUserToGroup' || n === 'DeleteUserPermissionsBoundary' || n === 'DeleteRolePermissionsBoundary'
  );
}

function selfReason(e: NormalisedEvent): string {
  const who = `${e.target?.type ?? 'identity'} ${quoted(e.target?.name ?? shortName(e.target?.arn))}`;
  const n = e.eventName;
  if (n === 'AddUserToGroup') return `${who} added itself to group ${quoted(groupName(e))}`;
  if (DETACH_EVENTS.has(n)) return `${who} removed the deny-only policy ${quoted(policyArn(e))} from itself`;
  if (/PermissionsBoundary$/.test(n)) return `${who} changed its own permissions boundary (${n})`;
  return `${who} changed its own permissions (${n} on itself)`;
}

function automationReason(actor: BaselineIdentity): string {
  return (
    `the caller is baselined with kind ${actor.kind} (owner ${quoted(actor.owner)}, purpose ${quoted(actor.purpose)}); ` +
    'only iac identities are expected to write IAM'
  );
}

function header(e: NormalisedEvent): string {
  const what = policyArn(e) ?? policyName(e);
  const on =
    e.target && e.target.type !== 'policy'
      ? ` on ${e.target.type} ${quoted(e.target.name ?? e.target.arn)}`
      : '';
  return `${actorLabel(e)} called ${e.eventName}${what ? ` (${quoted(what)})` : ''}${on}`;
}

export default defineRule({
  meta: {
    id: 'privilege-escalation',
    title: 'IAM change grants admin-equivalent or escalation-capable access',
    description:
      'A policy change grants admin-equivalent access (AdministratorAccess, IAMFullAccess, PowerUserAccess, `*` or ' +
      '`iam:*` actions) or an escalation path (iam:PassRole or sts:AssumeRole on `*`, CreatePolicyVersion, ' +
      'Attach/Put policies, CreateAccessKey, …), an identity widens its own permissions (a role attaching a policy ' +
      'to itself, a user adding itself to a group, dropping its own boundary), or a baselined ci/workload/vendor ' +
      'identity writes IAM at all. Removing a restriction from a break-glass, iac, production or ci identity is ' +
      'escalation too: a permissions boundary deleted, a deny-only policy detached, an inline policy named as a ' +
      'restriction deleted. Changes the record does not show are suspect (high; critical on those identities): ' +
      'SetDefaultPolicyVersion (the version’s document is not logged and the policy’s holders are not in the ' +
      'record, so every roll-back is judged) and policy writes whose parameters CloudTrail omitted as too large. ' +
      'Inline and new-version ' +
      'documents are analysed statement by statement; attached ' +
      'customer-managed policies are judged only by the other two clauses, since the record does not carry them.',
    severity: 'critical',
    appliesTo: { eventSources: [IAM], eventNames: [...POLICY_EDIT_EVENTS] },
    attack: ['T1098.003', 'T1078.004'],
    emulatedBy: ['aws.persistence.iam-create-admin-user', 'aws.persistence.iam-create-backdoor-role'],
    falsePositives: [
      'An administrator provisioning a new admin or break-glass identity through a reviewed change.',
      'Infrastructure-as-code creating deploy roles that legitimately hold iam:PassRole on a role path (suppress by actor with an expiry).',
      'A ci identity that really owns IAM: baseline it as iac instead of ci.',
    ],
    runbook:
      'iamwatch baseline show <actor>; iamwatch baseline seen <target> --since 7d; revert the grant (detach/delete) unless a reviewed change explains it.',
    dedupWindowMinutes: 15,
  },
  evaluate(e, ctx): RuleHit | null {
    // Failed calls grant nothing; calls AWS makes on its own (service events) are nobody's escalation.
    if (!e.success || !bySomeone(e)) return null;
    const grants = grantReasons(e);
    const self = editsItself(e) && widensOwnPermissions(e);
    // Decision: this clause covers Detach/Delete too. DESIGN.md says such an identity should not write IAM
    // "at all", and a removal can widen as well (a Deny policy or a boundary going away); we cannot see what
    // was removed, so a ci/workload/vendor identity touching IAM is reported whatever the call.
    const automation = ctx.actor && NON_IAM_WRITERS.has(ctx.actor.kind) ? ctx.actor : null;
    // IaC owns IAM: its removals and roll-backs are reviewed changes (policy-modified records them at info).
    const byIac = ctx.actor?.kind === 'iac';
    const removed = byIac ? [] : restrictionRemoved(e, ctx.target);
    const unknown = byIac ? [] : unknownEffect(e, ctx.target);
    if (grants.length === 0 && !self && !automation && removed.length === 0 && unknown.length === 0)
      return null;
    const reasons = [header(e), ...grants];
    if (self) reasons.push(selfReason(e));
    if (automation) reasons.push(automationReason(automation));
    reasons.push(...removed, ...unknown);
    // Certain escalation is critical; a removal or an unseen change is critical on a privileged or ci target
    // and high elsewhere.
    const certain = grants.length > 0 || self || automation !== null;
    return {
      severity: certain || privilegedTarget(ctx.target) ? 'critical' : 'high',
      reasons,
      dedupeKey: `${e.target?.arn ?? e.target?.name ?? policyArn(e)}|${e.actor.arn ?? actorLabel(e)}`,
    };
  },
});
