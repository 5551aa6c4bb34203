import { accessKeyOwner, accessKeyStatus, callerUserName, isRoot } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, IAM, isAutomation } from '../_common.js';

/** The key belongs to someone other than the caller (a classic persistence move). */
function forAnotherUser(e: NormalisedEvent): boolean {
  const owner = accessKeyOwner(e);
  if (!owner) return false;
  if (isRoot(e)) return false;
  return callerUserName(e) !== owner;
}

export default defineRule({
  meta: {
    id: 'access-key-created',
    title: 'Long-lived access key created or re-activated',
    description:
      'An IAM access key was created, or an inactive one was made active. Long-lived keys outlive ' +
      'sessions and are the usual persistence after an account compromise.',
    severity: 'high',
    appliesTo: { eventSources: [IAM], eventNames: ['CreateAccessKey', 'UpdateAccessKey'] },
    attack: ['T1098.001'],
    emulatedBy: ['aws.persistence.iam-backdoor-user', 'aws.persistence.iam-create-admin-user'],
    falsePositives: [
      'An owner rotating their own key (the old key is deleted shortly after).',
      'An identity-management pipeline provisioning a service user (baseline it as iac and suppress).',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm with the owner; aws iam update-access-key --status Inactive if unexplained.',
    dedupWindowMinutes: 60,
  },
  match: (e) => {
    if (!e.success) return false;
    if (e.eventName === 'CreateAccessKey') return true;
    return accessKeyStatus(e)?.toLowerCase() === 'active';
  },
  severity: (e, { target }) => (forAnotherUser(e) || isRoot(e) || isAutomation(target) ? 'critical' : 'high'),
  reasons: (e, { target }) => {
    const owner = accessKeyOwner(e) ?? (isRoot(e) ? 'the root user' : 'the caller');
    const verb = e.eventName === 'CreateAccessKey' ? 'created an access key' : 're-activated an access key';
    const out = [`${actorLabel(e)} ${verb} for ${owner}`];
    if (forAnotherUser(e)) out.push('the key belongs to another user than the caller');
    if (isRoot(e)) out.push('root access keys should never exist');
    if (isAutomation(target))
      out.push(`${owner} is a ${target?.kind} identity, which should use roles, not keys`);
    return out;
  },
  dedupeKey: (e) => `${accessKeyOwner(e) ?? e.actor.arn}`,
});
