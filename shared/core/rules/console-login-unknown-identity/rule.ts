import { identityKeyOf } from '../../arn.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, SIGNIN } from '../_common.js';

/** The identity that signed in: the IAM user, or the role behind the session (SAML, Identity Center). */
function identity(e: NormalisedEvent): string | null {
  return e.actor.arn;
}

/** The account signed in to: the identity ARN's account, else the record's `recipientAccountId`. */
function accountOf(e: NormalisedEvent): string {
  return identityKeyOf(e.actor.arn)?.account ?? e.account;
}

export default defineRule({
  meta: {
    id: 'console-login-unknown-identity',
    title: 'Sign-in by an identity the baseline does not know',
    description:
      'A person signed in to the console — as an IAM user, or as a role session federated through SAML or ' +
      'Identity Center (both are logged as ConsoleLogin by the session) — as an identity ' +
      'absent from the baseline, in an account whose baseline declares its people: at least one `human` ' +
      'identity in that account (the identity ARN’s account, else the record’s recipientAccountId). A ' +
      '`human` identity with `*` in its account field declares people for every account. Quiet in an ' +
      'account with no declared human (even when another account declares its people), so an empty ' +
      'baseline or a partly baselined organisation is not noisy. Root sign-ins are root-activity’s.',
    severity: 'medium',
    appliesTo: { eventSources: [SIGNIN], eventNames: ['ConsoleLogin'] },
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: [
      'A new team member or permission set nobody has added to the baseline yet (add it: iamwatch baseline learn).',
    ],
    runbook:
      'iamwatch baseline show <identity>; iamwatch baseline learn <archive> to propose the entry; confirm the sign-in with its owner.',
    dedupWindowMinutes: 60,
  },
  match: (e, { baseline, actor }) => {
    if (!e.success || e.actor.type === 'Root') return false;
    if (identity(e) === null || !baseline.declaresHumans(accountOf(e))) return false;
    return (e.actor.type === 'IAMUser' || e.actor.type === 'AssumedRole') && actor === null;
  },
  reasons: (e) => [
    `${actorLabel(e)} signed in to the console from ${quoted(e.actor.sourceIp, 'an unknown address')} and is not in the baseline`,
    'the baseline declares the account’s people; this identity is not among them',
  ],
  dedupeKey: (e) => `${identity(e) ?? ''}`,
});
