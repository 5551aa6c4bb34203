import { requestString } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, bySomeone, IAM, instanceSession, quoted } from '../_common.js';

/** CloudFormation made the call for the principal (`userIdentity.invokedBy`): a stack, not a person, owns it. */
function byCloudFormation(e: NormalisedEvent): boolean {
  return e.actor.invokedBy === 'cloudformation.amazonaws.com';
}

export default defineRule({
  meta: {
    id: 'iam-user-created',
    title: 'IAM user created',
    description:
      'A new IAM user was created. Users carry long-lived passwords and keys; in an account whose people sign in ' +
      'through SSO and whose IAM is written by infrastructure-as-code, a user created by anyone else is either ' +
      'out-of-process or persistence. Creations by a baselined iac identity or through CloudFormation ' +
      "(`invokedBy`) are recorded at info; a user created by an EC2 instance's role session (session named " +
      '`i-…`) outside IaC is high: instance credentials taken from the metadata service are the usual way in.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: ['CreateUser'] },
    attack: ['T1136.003'],
    emulatedBy: ['aws.persistence.iam-create-admin-user'],
    falsePositives: [
      'An administrator creating a service user by hand (baseline the user, or move the change to IaC).',
      'An IaC pipeline not yet baselined as kind iac.',
    ],
    runbook:
      'iamwatch baseline show <actor>; iamwatch baseline seen <actor> --since 1d; if unexplained, delete the user’s keys and login profile.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success && bySomeone(e),
  // IaC owns IAM: its creations are expected and recorded quietly.
  severity: (e, { actor }) =>
    actor?.kind === 'iac' || byCloudFormation(e) ? 'info' : instanceSession(e) ? 'high' : 'medium',
  reasons: (e, { actor }) => {
    const out = [`${actorLabel(e)} created IAM user ${quoted(requestString(e, 'userName'))}`];
    if (actor?.kind === 'iac')
      out.push(`the caller is the baselined iac identity owned by ${quoted(actor.owner)}`);
    else if (actor)
      out.push(`the caller is baselined as ${actor.kind}, not iac: it is not expected to create users`);
    else out.push('the caller is not in the baseline');
    if (instanceSession(e) && actor?.kind !== 'iac')
      out.push(
        `the session ${quoted(e.actor.sessionName)} is an EC2 instance's: a machine's credentials created a user`,
      );
    if (byCloudFormation(e) && actor?.kind !== 'iac')
      out.push('CloudFormation made the call on the caller’s behalf: a stack owns the user');
    return out;
  },
  dedupeKey: (e) => `${e.account}|${requestString(e, 'userName') ?? ''}`,
});
