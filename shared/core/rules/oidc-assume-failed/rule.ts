import type { BaselineView } from '../../baseline/view.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { quoted, STS, shortName } from '../_common.js';

/** The org/owner the token subject names (GitHub owner, GitLab group, TFC org, EKS namespace…), if any. */
function subjectOwner(e: NormalisedEvent): { owner: string | null; ownerId: string | null } {
  const claims = e.oidc?.claims;
  return { owner: claims?.owner || null, ownerId: claims?.ownerId || null };
}

/** True when some baseline names the subject's owner, by name or immutable id. */
function ownerKnown(e: NormalisedEvent, view: BaselineView): boolean {
  const { owner, ownerId } = subjectOwner(e);
  return (owner !== null && view.knowsOwner(owner)) || (ownerId !== null && view.knowsOwner(ownerId));
}

function provider(e: NormalisedEvent): string {
  return e.oidc?.provider ?? e.oidc?.providerArn ?? e.actor.provider ?? 'unknown provider';
}

export default defineRule({
  meta: {
    id: 'oidc-assume-failed',
    title: 'Role assumption through OIDC failed',
    description:
      'AssumeRoleWithWebIdentity was refused. A misconfigured workflow fails the same way every run; a token ' +
      'from an organisation nobody baselined probing your roles is reconnaissance. Repeats from one provider ' +
      'and subject fold into one alert with a count (a failing job retries about a dozen times).',
    severity: 'medium',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoleWithWebIdentity'] },
    attack: ['T1078.004', 'T1110'],
    emulatedBy: [],
    falsePositives: [
      'A trust policy or subject template change that broke a legitimate workflow (every run of it fails).',
      'An expired or mis-scoped token (wrong audience) in a pipeline under development.',
    ],
    runbook:
      'iamwatch baseline who <subject> to see which roles the subject may use; iamwatch baseline show <role>; if the owner is unknown, check who can mint tokens for that subject.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.eventName === 'AssumeRoleWithWebIdentity' && !e.success,
  // A subject whose owner is named by no baseline did not come from any pipeline we know.
  severity: (e, { baseline }) =>
    subjectOwner(e).owner !== null && !ownerKnown(e, baseline) ? 'high' : 'medium',
  reasons: (e, { baseline }) => {
    const role = e.target?.arn ? shortName(e.target.arn) : 'a role the record does not name';
    const out = [
      `subject ${quoted(e.oidc?.subject)} from ${quoted(provider(e))} failed to assume ${role} (${quoted(e.errorCode)})`,
    ];
    const { owner } = subjectOwner(e);
    if (owner === null) out.push('the subject names no organisation or owner iamwatch can check');
    else if (ownerKnown(e, baseline)) out.push(`owner ${quoted(owner)} appears in the baseline`);
    else out.push(`owner ${quoted(owner)} is not named by any baseline identity`);
    return out;
  },
  // Keyed on provider + subject, not role: roleArn is null in some failed records.
  dedupeKey: (e) => `${provider(e)}|${e.oidc?.subject ?? e.actor.subject ?? ''}`,
});
