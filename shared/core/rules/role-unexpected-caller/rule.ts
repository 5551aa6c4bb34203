import { principalExpected, principalOfEvent } from '../../baseline/expected.js';
import type { BaselineIdentity } from '../../baseline/types.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { STS } from '../_common.js';

/** The shared verdict (shared/core/baseline/expected.ts): the same answer `baseline show|seen|who` give. */
function verdict(e: NormalisedEvent, target: BaselineIdentity) {
  const principal = principalOfEvent(e);
  return principal === null ? null : principalExpected(target, principal);
}

export default defineRule({
  meta: {
    id: 'role-unexpected-caller',
    title: 'Role assumed by a caller its baseline does not list',
    description:
      'A role whose baseline lists its expected callers was assumed (AssumeRole or AssumeRoleWithSAML) by ' +
      'another principal: a different role or user, a SAML provider, an AWS service, or an account none of the ' +
      'listed callers belongs to. A role that declares OIDC trust and no callers (or `callers: []`) expects no ' +
      'such assumption at all: a pull-request role chaining into the apply role, or a build service assuming ' +
      'the deploy role, raises this. Lateral movement through over-broad trust policies looks exactly like this.',
    severity: 'high',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRole', 'AssumeRoleWithSAML'] },
    attack: ['T1078.004', 'T1550.001'],
    emulatedBy: [],
    falsePositives: [
      'A new automation or team member legitimately given access before the baseline callers were updated.',
      'An AWS service assuming the role on your behalf when the role trusts that service.',
    ],
    runbook:
      'iamwatch baseline show <role>; iamwatch baseline seen <role> --since 7d to list its callers; confirm with the owner, then add the caller or tighten the trust policy.',
    dedupWindowMinutes: 60,
  },
  match: (e, { target }) => {
    if (!e.success || !target) return false;
    return verdict(e, target)?.expected === false;
  },
  reasons: (e, { target }) => (target ? (verdict(e, target)?.reasons ?? []) : []),
  dedupeKey: (e) => {
    const p = principalOfEvent(e);
    const who = p === null ? '' : p.kind === 'caller' ? p.caller : p.kind === 'saml' ? p.provider : p.subject;
    return `${e.target?.arn}|${who ?? ''}`;
  },
});
