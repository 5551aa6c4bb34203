import { isRoot } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { bySomeone } from '../_common.js';

export default defineRule({
  meta: {
    id: 'root-activity',
    title: 'Root user activity',
    description:
      'The account root user made a call. Root bypasses IAM and should be used only for the few tasks ' +
      'that require it, under a declared procedure.',
    severity: 'critical',
    appliesTo: 'any',
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: [
      'A documented root-only task (closing the account, changing support plan, restoring MFA).',
    ],
    runbook:
      'iamwatch incident list; contact the account owner; rotate the root password and check its MFA device.',
    dedupWindowMinutes: 60,
  },
  // Service events carry a Root identity without anyone acting. invokedBy (e.g. signin.amazonaws.com for
  // console use) still means root's credentials were used, so it does not exempt the call.
  match: (e) => isRoot(e) && bySomeone(e),
  reasons: (e) => [
    `root user of account ${e.actor.accountId ?? e.account} called ${e.eventName}${e.success ? '' : ` (failed: ${e.errorCode ?? 'failure'})`} from ${e.actor.sourceIp ?? 'an unknown address'}`,
  ],
  dedupeKey: (e) => `${e.actor.accountId ?? e.account}`,
});
