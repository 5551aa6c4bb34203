import { consoleSamlProvider } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, SIGNIN } from '../_common.js';

export default defineRule({
  meta: {
    id: 'console-login-iam-user',
    title: 'IAM user signed in to the console where people use SSO',
    description:
      'An IAM user signed in to the console with a password while the baseline declares that people sign in ' +
      'through SSO only (`defaults.sign_in.iam_users: false`). Either an old user kept its password, or someone ' +
      'gave a user one to keep access outside the identity provider. Silent when the baseline does not say so.',
    severity: 'high',
    appliesTo: { eventSources: [SIGNIN], eventNames: ['ConsoleLogin'] },
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: [
      'A break-glass IAM user used during an incident (reported medium when baselined as break-glass).',
      'A legacy user still being migrated to SSO (suppress it by target with an expiry).',
    ],
    runbook:
      'iamwatch baseline show <user>; iamwatch baseline seen <user> --since 1d; delete the login profile unless the user is break-glass.',
    dedupWindowMinutes: 60,
  },
  match: (e, { baseline }) =>
    e.success &&
    e.actor.type === 'IAMUser' &&
    consoleSamlProvider(e) === null &&
    baseline.iamUserSignIn() === false,
  severity: (_e, { actor }) => (actor?.kind === 'break-glass' ? 'medium' : 'high'),
  reasons: (e, { actor }) => {
    const out = [
      `${actorLabel(e)} signed in to the console with an IAM password from ${quoted(e.actor.sourceIp, 'an unknown address')}`,
      'the baseline declares that people sign in through SSO only (defaults.sign_in.iam_users: false)',
    ];
    if (actor) out.push(`the user is baselined as ${actor.kind}, owner ${quoted(actor.owner)}`);
    return out;
  },
  dedupeKey: (e) => `${e.actor.arn ?? ''}`,
});
