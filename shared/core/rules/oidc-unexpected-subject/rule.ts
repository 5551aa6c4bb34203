import { type Expectation, principalExpected, principalOfEvent } from '../../baseline/expected.js';
import type { BaselineIdentity } from '../../baseline/types.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { isOidcAssumption, isSensitive, STS, shortName } from '../_common.js';

export default defineRule({
  meta: {
    id: 'oidc-unexpected-subject',
    title: 'Role assumed through OIDC by an identity its baseline does not list',
    description:
      'A CI/CD or workload identity assumed a baselined role through OIDC, but the provider, audience, ' +
      'token subject or workflow is not among those the baseline declares for the role. This is how a ' +
      'poisoned dependency, a forked workflow or another repository borrows deploy credentials.',
    severity: 'high',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoleWithWebIdentity'] },
    attack: ['T1078.004', 'T1199'],
    emulatedBy: [],
    falsePositives: [
      'A new repository, branch, environment or workflow started deploying before the baseline was updated.',
      'A subject template change (e.g. adding job_workflow_ref) changed the subject strings.',
    ],
    runbook:
      'iamwatch baseline show <role>; iamwatch baseline seen <role> --since 7d; confirm with the owner, then add the subject to the baseline or revoke the sessions.',
    dedupWindowMinutes: 60,
  },
  match: (e, { target }) => {
    if (!isOidcAssumption(e) || !target) return false;
    return verdictFor(e, target).expected === false;
  },
  severity: (_e, { target }) => (isSensitive(target) ? 'critical' : 'high'),
  reasons: (e, { target }) => {
    const v = verdictFor(e, target!);
    return v.reasons.length > 0
      ? v.reasons
      : [`subject ${e.oidc?.subject ?? '(none)'} is not allowed to assume ${shortName(target?.arn)}`];
  },
  dedupeKey: (e) => `${e.target?.arn}|${e.oidc?.provider}|${e.oidc?.subject}`,
});

/** The shared verdict (shared/core/baseline/expected.ts): the same answer `baseline show|seen|who` give. */
function verdictFor(e: NormalisedEvent, target: BaselineIdentity): Expectation {
  const principal = principalOfEvent(e) ?? { kind: 'oidc', provider: null, audience: null, subject: null };
  return principalExpected(target, principal);
}
