import { policyArn, policyName } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, IAM, isKeyQuarantine, POLICY_EDIT_EVENTS } from '../_common.js';

export default defineRule({
  meta: {
    id: 'policy-modified',
    title: 'IAM permissions changed',
    description:
      'A policy was attached, detached, written, deleted or re-versioned, a permissions boundary changed, ' +
      'or a user joined a group. Edits by the baselined infrastructure-as-code identity are recorded at info; ' +
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
  severity: (_e, { actor }) => (actor?.kind === 'iac' ? 'info' : 'medium'),
  reasons: (e) => {
    const what = policyArn(e) ?? policyName(e);
    const on =
      e.target && e.target.type !== 'policy' ? ` on ${e.target.type} ${e.target.name ?? e.target.arn}` : '';
    return [`${actorLabel(e)} called ${e.eventName}${what ? ` (${what})` : ''}${on}`];
  },
  dedupeKey: (e) => `${e.target?.arn ?? e.target?.name}|${e.actor.arn}`,
});
