import { passExpected } from '../../baseline/expected.js';
import type { PassTarget } from '../../baseline/types.js';
import { type PassedRole, passedRoles } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { appliesToPairs, defineRule, type RuleContext, type RuleHit } from '../../detection/rule.js';
import type { Severity } from '../../severity.js';
import { actorLabel, isSensitive, quoted, shortName } from '../_common.js';

/** Compute calls that take a role, by event source, and the `passed_to` name of the service. */
const CALLS: ReadonlyArray<{ source: string; to: PassTarget; names: readonly string[] }> = [
  {
    source: 'lambda.amazonaws.com',
    to: 'lambda',
    // CloudTrail records Lambda calls under versioned names.
    names: [
      'CreateFunction20150331',
      'UpdateFunctionConfiguration20150331',
      'UpdateFunctionConfiguration20150331v2',
    ],
  },
  {
    source: 'ec2.amazonaws.com',
    to: 'ec2',
    names: ['RunInstances', 'AssociateIamInstanceProfile', 'ReplaceIamInstanceProfileAssociation'],
  },
  { source: 'ecs.amazonaws.com', to: 'ecs', names: ['RegisterTaskDefinition'] },
  { source: 'glue.amazonaws.com', to: 'glue', names: ['CreateDevEndpoint', 'CreateJob', 'UpdateJob'] },
  {
    source: 'sagemaker.amazonaws.com',
    to: 'sagemaker',
    names: ['CreateNotebookInstance', 'CreateTrainingJob', 'CreateProcessingJob'],
  },
  { source: 'codebuild.amazonaws.com', to: 'codebuild', names: ['CreateProject', 'UpdateProject'] },
  { source: 'cloudformation.amazonaws.com', to: 'cloudformation', names: ['CreateStack', 'UpdateStack'] },
  {
    // Agent runtimes, code interpreters, browsers and harnesses run code as the role they are given.
    source: 'bedrock-agentcore.amazonaws.com',
    to: 'bedrock-agentcore',
    names: [
      'CreateAgentRuntime',
      'UpdateAgentRuntime',
      'CreateCodeInterpreter',
      'CreateBrowser',
      'CreateHarness',
    ],
  },
];

function serviceOf(e: NormalisedEvent): PassTarget | null {
  const c = CALLS.find((x) => x.source === e.eventSource && x.names.includes(e.eventName));
  return c?.to ?? null;
}

function judge(e: NormalisedEvent, ctx: RuleContext, to: PassTarget, role: PassedRole): RuleHit | null {
  const identity = ctx.baseline.lookup(role.arn);
  const passer = e.actor.arn ?? e.actor.sessionArn;
  const verdict = passExpected(identity, passer, to);
  if (verdict.expected !== false || identity === null) return null;
  const severity: Severity = isSensitive(identity) ? 'critical' : 'high';
  const reasons = [
    `${actorLabel(e)} called ${e.eventName} with role ${shortName(role.arn)} (${role.field})`,
    ...verdict.reasons,
    `whoever runs code on that ${to} resource gets the credentials of ${shortName(role.arn)} without AssumeRole`,
  ];
  if (role.viaInstanceProfile) {
    reasons.push(
      `CloudTrail names the instance profile ${quoted(shortName(role.arn))}; the role is taken to share its name`,
    );
  }
  return {
    severity,
    reasons,
    dedupeKey: `role-passed-to-compute|${role.arn}|${passer ?? ''}|${to}`,
    identityArn: role.arn,
  };
}

export default defineRule({
  meta: {
    id: 'role-passed-to-compute',
    title: 'Role passed to compute by an unexpected principal',
    description:
      'A role was handed to a compute service (Lambda, EC2 instance profile, ECS task, Glue, SageMaker, ' +
      'CodeBuild, CloudFormation, Bedrock AgentCore) by a principal or to a service its baseline does not expect (`passed_by`, ' +
      '`passed_to`). Whoever controls that compute gets the role’s credentials without ever calling AssumeRole.',
    severity: 'high',
    appliesTo: appliesToPairs(Object.fromEntries(CALLS.map((c) => [c.source, c.names]))),
    attack: ['T1098.003', 'T1548', 'T1078.004'],
    // No Stratus Red Team technique passes a role to compute (2026); see the fixtures.
    emulatedBy: [],
    falsePositives: [
      'A new deploy pipeline or IaC role not yet listed in the role’s passed_by.',
      'Console users launching instances with a shared instance profile; list them or the service in passed_by.',
      'EC2: an instance profile whose role has another name is judged as the role of the same name.',
    ],
    runbook:
      'iamwatch baseline show <role> to see passed_by/passed_to; iamwatch baseline seen <actor> --since 1d for what else the passer did; stop or delete the compute resource if unexpected.',
    dedupWindowMinutes: 60,
  },
  evaluate(e: NormalisedEvent, ctx: RuleContext): RuleHit[] | null {
    if (!e.success) return null;
    const to = serviceOf(e);
    if (to === null) return null;
    const hits = passedRoles(e).flatMap((role) => {
      const h = judge(e, ctx, to, role);
      return h === null ? [] : [h];
    });
    return hits.length > 0 ? hits : null;
  },
});
