import { consoleMfaUsed, consoleSamlProvider, isRoot } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, SIGNIN } from '../_common.js';

export default defineRule({
  meta: {
    id: 'console-login-without-mfa',
    title: 'Console sign-in without MFA',
    description:
      'An IAM user or the root user signed in to the AWS console with a password alone. A leaked or ' +
      'guessed password is then enough to take the account. Federated and Identity Center sessions sign in ' +
      'through their identity provider, which enforces MFA, and are not reported.',
    severity: 'high',
    appliesTo: { eventSources: [SIGNIN], eventNames: ['ConsoleLogin'] },
    attack: ['T1078.004'],
    emulatedBy: ['aws.initial-access.console-login-without-mfa'],
    falsePositives: [
      'A user signing in for the first time to enrol an MFA device.',
      'A legacy user the organisation knowingly exempts from MFA (suppress it with a reason and an expiry).',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm the sign-in with the user; enforce MFA (deny-without-MFA policy) and reset the password if unexplained.',
    dedupWindowMinutes: 60,
  },
  match: (e) => {
    if (!e.success) return false;
    // AssumedRole/FederatedUser sign-ins authenticate at the IdP or Identity Center, not with an IAM password.
    if (e.actor.type !== 'IAMUser' && !isRoot(e)) return false;
    // An IAM user federated through a SAML IdP: the IdP owns the second factor.
    if (consoleSamlProvider(e) !== null) return false;
    return consoleMfaUsed(e) === false;
  },
  reasons: (e) => [
    `${actorLabel(e)} signed in to the console without MFA from ${quoted(e.actor.sourceIp, 'an unknown address')}`,
    ...(isRoot(e) ? ['the root user can do anything in the account and must always use MFA'] : []),
  ],
  dedupeKey: (e) => `${e.actor.arn ?? e.actor.accountId}`,
});
