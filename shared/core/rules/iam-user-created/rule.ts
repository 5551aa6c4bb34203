import { requestString } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, bySomeone, IAM, quoted } from '../_common.js';

export default defineRule({
  meta: {
    id: 'iam-user-created',
    title: 'IAM user created',
    description:
      'A new IAM user was created. Users carry long-lived passwords and keys; in an account whose people sign in ' +
      'through SSO and whose IAM is written by infrastructure-as-code, a user created by anyone else is either ' +
      'out-of-process or persistence. Creations by a baselined iac identity are recorded at info.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: ['CreateUser'] },
    attack: ['T1136.003'],
    emulatedBy: ['aws.persistence.iam-create-admin-user', 'aws.persistence.iam-create-user-login-profile'],
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
  severity: (_e, { actor }) => (actor?.kind === 'iac' ? 'info' : 'medium'),
  reasons: (e, { actor }) => {
    const out = [`${actorLabel(e)} created IAM user ${quoted(requestString(e, 'userName'))}`];
    if (actor?.kind === 'iac')
      out.push(`the caller is the baselined iac identity owned by ${quoted(actor.owner)}`);
    else if (actor)
      out.push(`the caller is baselined as ${actor.kind}, not iac: it is not expected to create users`);
    else out.push('the caller is not in the baseline');
    return out;
  },
  dedupeKey: (e) => `${e.account}|${requestString(e, 'userName') ?? ''}`,
});
