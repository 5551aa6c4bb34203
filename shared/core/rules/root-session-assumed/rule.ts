import { requestString } from '../../cloudtrail/accessors.js';
import { nstr, path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, STS } from '../_common.js';

/** AssumeRoot's task policy (`requestParameters.taskPolicyArn.arn`, e.g. `…:policy/root-task/IAMDeleteRootUserCredentials`). */
function taskPolicy(e: NormalisedEvent): string | null {
  return nstr(path(e.requestParameters, 'taskPolicyArn', 'arn')) ?? requestString(e, 'taskPolicyArn');
}

export default defineRule({
  meta: {
    id: 'root-session-assumed',
    title: 'Root session assumed (centralised root access)',
    description:
      'sts:AssumeRoot gave the caller a short root session in a member account, scoped by a root-task policy ' +
      '(delete root credentials, unlock an S3 or SQS policy, …). It is the sanctioned way to do root work in an ' +
      'Organization, and rare: each use should match a ticket.',
    severity: 'high',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoot'] },
    attack: ['T1078.004', 'T1548'],
    emulatedBy: [],
    falsePositives: ['A platform administrator removing root credentials from a new member account.'],
    runbook:
      'iamwatch baseline show <actor>; iamwatch baseline seen <actor> --since 1d; match the task policy to a ticket.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success,
  reasons: (e) => [
    `${actorLabel(e)} assumed root in account ${quoted(requestString(e, 'targetPrincipal'))} with task policy ${quoted(taskPolicy(e))}`,
  ],
  dedupeKey: (e) => `${e.actor.arn ?? ''}|${requestString(e, 'targetPrincipal') ?? ''}`,
});
