import type { BaselineIdentity } from '../../baseline/types.js';
import { createdRoleTrustPolicy, submittedTrustPolicy } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { shown } from '../../policy/display.js';
import {
  analyseTrust,
  diffTrust,
  type PolicyDocument,
  parsePolicyDocument,
  type TrustPrincipal,
  type TrustStatement,
} from '../../policy/index.js';
import { actorLabel, IAM, quoted } from '../_common.js';

/** Most statements summarised for a role without a baseline; the rest are counted. */
const MAX_STATEMENTS = 6;

/** The new trust policy: the request copy (raw JSON), else CreateRole's response copy (URL-encoded). */
function newTrust(e: NormalisedEvent): PolicyDocument | null {
  return parsePolicyDocument(submittedTrustPolicy(e)) ?? parsePolicyDocument(createdRoleTrustPolicy(e));
}

function roleLabel(e: NormalisedEvent): string {
  const name = e.target?.name ?? e.target?.arn;
  return name ? `role ${quoted(name)}` : 'a role the record does not name';
}

const KIND_LABEL: Record<TrustPrincipal['kind'], string> = {
  any: 'anyone',
  account: 'account',
  arn: 'principal',
  service: 'service',
  'federated-oidc': 'OIDC provider',
  'federated-saml': 'SAML provider',
  'federated-other': 'federated principal',
  'canonical-user': 'canonical user',
};

function header(e: NormalisedEvent, target: BaselineIdentity | null): string {
  const verb = e.eventName === 'CreateRole' ? 'created' : 'replaced the trust policy of';
  const baselined = target ? ` (baselined ${target.kind} role, owner ${quoted(target.owner)})` : '';
  return `${actorLabel(e)} ${verb} ${roleLabel(e)}${baselined}`;
}

/** `statement X trusts …` for a role without a baseline: who may now assume it. */
function describe(statement: TrustStatement): string {
  const who =
    statement.principals
      .map((p) => (p.kind === 'any' ? 'anyone (*)' : `${KIND_LABEL[p.kind]} ${shown(p.value)}`))
      .join(', ') || 'no principal';
  const subjects = statement.oidc?.subjects.length
    ? ` for subject(s) ${statement.oidc.subjects.map((s) => shown(s)).join(', ')}`
    : '';
  const not = statement.notPrincipal ? 'everyone except ' : '';
  return `statement ${shown(statement.id)} trusts ${not}${who}${subjects}`;
}

function summary(doc: PolicyDocument, e: NormalisedEvent): string[] {
  const allows = analyseTrust(doc, { selfAccount: e.account || null, knownAccounts: [] }).statements.filter(
    (s) => s.effect === 'Allow',
  );
  const out = allows.slice(0, MAX_STATEMENTS).map(describe);
  if (allows.length > MAX_STATEMENTS)
    out.push(`… and ${allows.length - MAX_STATEMENTS} more Allow statement(s)`);
  return out;
}

/** For a baselined role: exactly which statement adds which principal, provider or subject beyond the baseline. */
function againstBaseline(doc: PolicyDocument, target: BaselineIdentity): string[] {
  const changes = diffTrust(null, doc, {
    callers: target.callers,
    oidc: target.oidc.map((o) => ({ provider: o.provider, subjects: o.subjects })),
  });
  if (changes.length === 0) {
    return ["every principal and subject it trusts is within the baseline's callers and OIDC subjects"];
  }
  return changes.map((c) => c.detail);
}

/**
 * The new trust policy of a role without a baseline lets only AWS services assume it: every Allow statement
 * names service principals and nothing else (no account, ARN, federation or `*`). No person or account can
 * assume such a role directly; handing it to compute is role-passed-to-compute's to judge.
 */
function servicesOnly(e: NormalisedEvent): string[] | null {
  const doc = newTrust(e);
  if (!doc) return null;
  const allows = analyseTrust(doc, { selfAccount: e.account || null, knownAccounts: [] }).statements.filter(
    (s) => s.effect === 'Allow',
  );
  if (allows.length === 0) return null;
  const services: string[] = [];
  for (const s of allows) {
    if (s.notPrincipal || s.principals.length === 0) return null;
    for (const p of s.principals) {
      if (p.kind !== 'service') return null;
      services.push(p.value);
    }
  }
  return services;
}

export default defineRule({
  meta: {
    id: 'trust-policy-modified',
    title: 'Role trust policy created or changed',
    description:
      'A role was created or its trust policy (who may assume it) replaced. For a baselined role the new trust ' +
      "policy is compared with the baseline's callers and OIDC subjects, and each statement that adds a " +
      'principal, provider or subject is named; for other roles the reasons list whom the new policy trusts, ' +
      'and a trust policy that only AWS services may use is recorded low.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: ['UpdateAssumeRolePolicy', 'CreateRole'] },
    attack: ['T1098.003'],
    emulatedBy: ['aws.persistence.iam-backdoor-role', 'aws.persistence.iam-create-backdoor-role'],
    falsePositives: [
      'Infrastructure-as-code creating roles or applying a reviewed trust change (suppress by actor with an expiry).',
      'A CI migration that adds a new repository or environment to a role: update the baseline in the same change.',
    ],
    runbook:
      'iamwatch baseline show <role>; compare the reasons with the reviewed change; iamwatch baseline diff <file> after updating the baseline.',
    dedupWindowMinutes: 15,
  },
  match: (e) => e.success,
  // A baselined role is one someone declared important: any change to who may assume it matters more.
  // A role that only AWS services may assume gives no one a new way in: recorded low.
  severity: (e, { target }) => (target ? 'high' : servicesOnly(e) ? 'low' : 'medium'),
  reasons: (e, { target }) => {
    const doc = newTrust(e);
    const out = [header(e, target)];
    if (!doc) {
      out.push('the record carries no readable trust policy, so who may assume the role is not known');
      return out;
    }
    out.push(...(target ? againstBaseline(doc, target) : summary(doc, e)));
    const services = target ? null : servicesOnly(e);
    if (services)
      out.push(
        `only AWS services (${services.map((v) => shown(v)).join(', ')}) may assume it: no person or account can, directly`,
      );
    return out;
  },
  dedupeKey: (e) => `${e.target?.arn ?? e.target?.name ?? e.eventId}|${e.actor.arn ?? actorLabel(e)}`,
});
