import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, SIGNIN, STS } from '../_common.js';

/** The identity that signed in: the IAM user or role of a ConsoleLogin, the role of an AssumeRoleWithSAML. */
function identity(e: NormalisedEvent): string | null {
  return e.eventName === 'AssumeRoleWithSAML' ? (e.target?.arn ?? null) : e.actor.arn;
}

export default defineRule({
  meta: {
    id: 'console-login-unknown-identity',
    title: 'Sign-in by an identity the baseline does not know',
    description:
      'A person signed in — ConsoleLogin as an IAM user or role session, or AssumeRoleWithSAML — as an identity ' +
      'absent from the baseline, in an account whose baseline declares its people (at least one human ' +
      'identity). Quiet when the baseline declares no human, so an empty baseline is not noisy. Root sign-ins ' +
      'are root-activity’s.',
    severity: 'medium',
    appliesTo: { eventSources: [SIGNIN, STS], eventNames: ['ConsoleLogin', 'AssumeRoleWithSAML'] },
    attack: ['T1078.004'],
    emulatedBy: ['aws.initial-access.console-login-without-mfa'],
    falsePositives: [
      'A new team member or permission set nobody has added to the baseline yet (add it: iamwatch baseline learn).',
    ],
    runbook:
      'iamwatch baseline show <identity>; iamwatch baseline learn <archive> to propose the entry; confirm the sign-in with its owner.',
    dedupWindowMinutes: 60,
  },
  match: (e, { baseline, actor, target }) => {
    if (!e.success || e.actor.type === 'Root') return false;
    if (!baseline.declaresHumans() || identity(e) === null) return false;
    if (e.eventName === 'AssumeRoleWithSAML') return e.eventSource === STS && target === null;
    return (
      e.eventSource === SIGNIN &&
      (e.actor.type === 'IAMUser' || e.actor.type === 'AssumedRole') &&
      actor === null
    );
  },
  reasons: (e) => [
    e.eventName === 'AssumeRoleWithSAML'
      ? `a SAML sign-in assumed role ${quoted(identity(e))}, which is not in the baseline`
      : `${actorLabel(e)} signed in to the console from ${quoted(e.actor.sourceIp, 'an unknown address')} and is not in the baseline`,
    'the baseline declares the account’s people; this identity is not among them',
  ],
  dedupeKey: (e) => `${identity(e) ?? ''}`,
});
