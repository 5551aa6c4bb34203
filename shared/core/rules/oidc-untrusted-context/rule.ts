import { principalExpected, principalOfEvent } from '../../baseline/expected.js';
import { defineRule } from '../../detection/rule.js';
import { isOidcAssumption, STS, shortName } from '../_common.js';

export default defineRule({
  meta: {
    id: 'oidc-untrusted-context',
    title: 'Pull-request workflow assumed a role that does not allow pull requests',
    description:
      'The OIDC token came from a pull-request or merge-request context, which runs code anyone can ' +
      'propose (including from forks), and the role baseline does not allow pull requests (a role without ' +
      'a baseline allows nothing).',
    severity: 'critical',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoleWithWebIdentity'] },
    attack: ['T1078.004', 'T1195.002'],
    emulatedBy: [],
    falsePositives: [
      'A read-only role that is meant for pull-request checks but lacks allow_pull_requests: true.',
    ],
    runbook:
      'iamwatch baseline show <role>; find the pull request from the subject and its workflow run; revoke the role sessions (aws iam put-role-policy with an aws:TokenIssueTime deny) if the run was not yours.',
    dedupWindowMinutes: 60,
  },
  match: (e, { target }) => {
    if (!isOidcAssumption(e) || !e.oidc?.claims?.pullRequest) return false;
    // No baseline: nothing declares that pull requests may use the role.
    if (!target) return true;
    const principal = principalOfEvent(e);
    return principal !== null && principalExpected(target, principal).oidc?.pullRequestBlocked === true;
  },
  reasons: (e, { target }) => [
    target
      ? `subject ${e.oidc?.subject ?? ''} is a pull-request context and ${shortName(target.arn)} does not allow pull requests`
      : `subject ${e.oidc?.subject ?? ''} is a pull-request context and ${shortName(e.target?.arn)} has no baseline that allows pull requests`,
  ],
  dedupeKey: (e) => `${e.target?.arn}|${e.oidc?.subject}`,
});
