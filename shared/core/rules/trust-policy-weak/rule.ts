import { createdRoleTrustPolicy, submittedTrustPolicy } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule, type RuleHit } from '../../detection/rule.js';
import { analyseTrust, type PolicyDocument, parsePolicyDocument } from '../../policy/index.js';
import { actorLabel, IAM, quoted } from '../_common.js';

/** The new trust policy: the request copy (raw JSON), else CreateRole's response copy (URL-encoded). */
function newTrust(e: NormalisedEvent): PolicyDocument | null {
  return parsePolicyDocument(submittedTrustPolicy(e)) ?? parsePolicyDocument(createdRoleTrustPolicy(e));
}

export default defineRule({
  meta: {
    id: 'trust-policy-weak',
    title: 'Role trust policy lets outsiders assume the role',
    description:
      'A created or updated trust policy allows any principal (`*` without an organisation, account or source ' +
      'condition), an account that is neither the role account nor declared in the baseline, an OIDC provider ' +
      'without a `sub` or `aud` condition, a `sub` wildcard spanning repositories, organisations or refs, or a ' +
      'SAML provider without `SAML:aud`. One alert per event lists every weakness.',
    severity: 'critical',
    appliesTo: { eventSources: [IAM], eventNames: ['UpdateAssumeRolePolicy', 'CreateRole'] },
    attack: ['T1098.003', 'T1199'],
    emulatedBy: ['aws.persistence.iam-backdoor-role', 'aws.persistence.iam-create-backdoor-role'],
    falsePositives: [
      'A vendor or partner account trusted on purpose: declare it under `accounts:` in the baseline.',
      'A repository-wide subject pattern chosen deliberately for a read-only role (narrow it, or suppress with an expiry).',
    ],
    runbook:
      'iamwatch baseline show <role>; iamwatch baseline seen <role> --since 7d to see who already assumed it; restore a narrow trust policy.',
    dedupWindowMinutes: 15,
  },
  evaluate(e, ctx): RuleHit | null {
    if (!e.success) return null;
    const doc = newTrust(e);
    // No readable document (e.g. Panther's "no policy document" case): nothing to judge; trust-policy-modified reports the change.
    if (!doc) return null;
    const { weaknesses } = analyseTrust(doc, {
      selfAccount: e.account || null,
      knownAccounts: Object.keys(ctx.baseline.accounts()),
    });
    if (weaknesses.length === 0) return null;
    const verb = e.eventName === 'CreateRole' ? 'created' : 'replaced the trust policy of';
    const name = e.target?.name ?? e.target?.arn;
    const role = name ? `role ${quoted(name)}` : 'a role the record does not name';
    const kinds = [...new Set(weaknesses.map((w) => w.kind))].sort();
    return {
      severity: 'critical',
      reasons: [
        `${actorLabel(e)} ${verb} ${role}; the new trust policy is weak (${kinds.join(', ')})`,
        ...weaknesses.map((w) => w.detail),
      ],
      // A later, different weakening of the same role must not fold into the first alert.
      dedupeKey: `${e.target?.arn ?? e.target?.name ?? e.eventId}|${kinds.join(',')}`,
    };
  },
});
