import { federatedUserName, federationSessionPolicy } from '../../cloudtrail/accessors.js';
import { defineRule } from '../../detection/rule.js';
import { analysePolicy, parsePolicyDocument } from '../../policy/index.js';
import { actorLabel, quoted, STS } from '../_common.js';

export default defineRule({
  meta: {
    id: 'federation-token-issued',
    title: 'Federation token issued',
    description:
      'GetFederationToken created temporary credentials for a federated user. The session outlives the ' +
      'deletion of the key that made it (up to 36 hours) and survives key rotation, so it is a classic way to ' +
      'keep access from a stolen IAM user key; few legitimate systems still use it.',
    severity: 'medium',
    appliesTo: { eventSources: [STS], eventNames: ['GetFederationToken'] },
    attack: ['T1550.001', 'T1098'],
    emulatedBy: ['aws.persistence.sts-federation-token'],
    falsePositives: [
      'A legacy identity broker that still issues federation tokens (baseline and suppress it).',
    ],
    runbook:
      'iamwatch baseline show <user>; iamwatch baseline seen <user> --since 1d; if unexplained, deactivate the user’s keys and attach AWSDenyAll / revoke its sessions.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success,
  reasons: (e) => {
    const out = [
      `${actorLabel(e)} obtained a federation token for federated user ${quoted(federatedUserName(e))}`,
    ];
    const policy = parsePolicyDocument(federationSessionPolicy(e));
    if (policy !== null && analysePolicy(policy).adminEquivalent) {
      out.push('the session policy allows every action; the session gets all of the caller’s permissions');
    }
    return out;
  },
  dedupeKey: (e) => `${e.actor.arn}|${federatedUserName(e) ?? ''}`,
});
