import type { BaselineIdentity } from '../../baseline/types.js';
import { callerUserName, loginProfileUser, passwordResetRequired } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, IAM, isMachine, quoted } from '../_common.js';

/** The user whose password is set, when it is not the caller itself (an IAM user acting on its own name). */
function otherUser(e: NormalisedEvent): string | null {
  const user = loginProfileUser(e);
  if (user === null) return null; // no userName: the caller sets its own password
  return callerUserName(e) === user ? null : user;
}

/**
 * ChangePassword always changes the caller's own password, so it is never "another user". It is judged where it
 * means something: an IAM user the baseline calls automation (ci/workload/iac/vendor) has no business with a
 * console password. A person changing their own password is routine and stays quiet.
 */
function machineSetsOwnPassword(e: NormalisedEvent, actor: BaselineIdentity | null): boolean {
  return e.eventName === 'ChangePassword' && e.actor.type === 'IAMUser' && isMachine(actor);
}

/**
 * A password reset with a change forced at next sign-in, made by an identity the baseline declares as used by
 * people (kind human): the helpdesk flow. An undeclared actor, automation, or a reset without the forced change
 * keeps the rule's severity.
 */
function declaredHumanReset(e: NormalisedEvent, actor: BaselineIdentity | null): boolean {
  return e.eventName !== 'ChangePassword' && actor?.kind === 'human' && passwordResetRequired(e) === true;
}

export default defineRule({
  meta: {
    id: 'login-profile-modified',
    title: 'Console password set for another user or an automation user',
    description:
      'A principal created or changed the console password of another IAM user, or an IAM user baselined as ' +
      'automation (ci/workload/iac/vendor) changed its own password (ChangePassword). Whoever sets the password ' +
      'can sign in as that user; it is a quiet way to persist or to take over a privileged user. A person ' +
      'changing their own password is not reported. A reset that forces a change at next sign-in, by an identity ' +
      'the baseline declares human, is recorded low (the helpdesk flow).',
    severity: 'high',
    appliesTo: {
      eventSources: [IAM],
      eventNames: ['CreateLoginProfile', 'UpdateLoginProfile', 'ChangePassword'],
    },
    attack: ['T1098', 'T1078.004'],
    emulatedBy: [
      'aws.persistence.iam-create-user-login-profile',
      'aws.privilege-escalation.iam-update-user-login-profile',
    ],
    falsePositives: [
      'An administrator resetting a colleague’s forgotten password (the user should confirm and change it).',
      'Onboarding that gives a new user a first console password.',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm with the user and the actor; if unexplained, delete the login profile and iamwatch baseline seen <actor> --since 1d.',
    dedupWindowMinutes: 60,
  },
  match: (e, { actor }) =>
    e.success &&
    (e.eventName === 'ChangePassword' ? machineSetsOwnPassword(e, actor) : otherUser(e) !== null),
  severity: (e, { actor }) => (declaredHumanReset(e, actor) ? 'low' : 'high'),
  reasons: (e, { actor }) => {
    if (e.eventName === 'ChangePassword')
      return [
        `${actorLabel(e)} changed its own console password`,
        `the user is baselined as ${actor?.kind} (owner ${quoted(actor?.owner)}): automation does not sign in to the console`,
      ];
    const user = quoted(otherUser(e));
    const verb = e.eventName === 'CreateLoginProfile' ? 'gave' : 'changed the console password of';
    const out = [
      e.eventName === 'CreateLoginProfile'
        ? `${actorLabel(e)} ${verb} IAM user ${user} a console password`
        : `${actorLabel(e)} ${verb} IAM user ${user}`,
    ];
    if (e.actor.type === 'AssumedRole' && e.actor.sessionName === otherUser(e))
      out.push('the role session name equals the user name, but session names are chosen by the caller');
    if (passwordResetRequired(e) === true)
      out.push('a reset is required at next sign-in, which does not stop whoever knows the password now');
    if (declaredHumanReset(e, actor))
      out.push(
        `the actor is baselined as human (owner ${quoted(actor?.owner)}) and forced a change at next sign-in: the helpdesk reset`,
      );
    return out;
  },
  dedupeKey: (e) => `${e.target?.arn ?? otherUser(e) ?? e.actor.arn}`,
});
