import { policyArn, policyName } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { IAM, isKeyQuarantine, quoted } from '../_common.js';

export default defineRule({
  meta: {
    id: 'access-key-exposed',
    title: 'AWS says an access key leaked',
    description:
      'AWS attached its compromised-key quarantine policy (AWSCompromisedKeyQuarantine, V2 or V3) to an IAM user: ' +
      'it found one of the user’s access keys exposed in public (a repository, a paste). The quarantine denies ' +
      'some write actions only; the key still works for everything else until it is deactivated.',
    severity: 'high',
    appliesTo: { eventSources: [IAM], eventNames: ['AttachUserPolicy', 'PutUserPolicy'] },
    attack: ['T1552.001', 'T1078.004'],
    emulatedBy: [],
    falsePositives: ['A test of the quarantine by an administrator attaching the policy by hand.'],
    runbook:
      'iamwatch baseline show <user>; iamwatch baseline seen <user> --since 7d to see what the key did; deactivate and delete the key, then review CloudTrail for its use.',
    dedupWindowMinutes: 1440,
  },
  match: (e) => e.success && isKeyQuarantine(e),
  reasons: (e, { target }) => {
    const user = quoted(e.target?.name);
    const out = [
      `AWS applied its compromised-key quarantine ${quoted(policyArn(e) ?? policyName(e))} to IAM user ${user}: a key of this user is public`,
      'the key still works for reads and most writes until it is deactivated',
    ];
    if (target) out.push(`${user} is a ${target.kind} identity owned by ${quoted(target.owner)}`);
    return out;
  },
  dedupeKey: (e) => `${e.target?.arn ?? ''}`,
});
