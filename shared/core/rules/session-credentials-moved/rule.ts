import { path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import type { Rule, RuleContext, RuleHit } from '../../detection/rule.js';
import { networkOf } from '../../session/network.js';
import { chainReasons } from '../../session/origin.js';
import { shortIdentity } from '../../session/record.js';

const KINDS = new Set(['ci', 'workload', 'vendor']);

const meta: Rule['meta'] = {
  id: 'session-credentials-moved',
  title: 'Session credentials used from another network than they were issued to',
  description:
    'Temporary credentials of a `ci`, `workload` or `vendor` session were used from a network (IPv4 /24, IPv6 ' +
    '/48) other than the one the session was issued to: a CI runner token or an EKS service-account session ' +
    'copied off the machine and replayed elsewhere. Calls an AWS service makes for the session (`invokedBy`, ' +
    'service host names, `AWS Internal`) and calls through a VPC endpoint (`vpcEndpointId`, private addresses) ' +
    'are not judged. Reads the events the catalogue selects (IAM writes, STS, sign-in), and needs the issuing ' +
    'event in the session state (replay: earlier in the input; the Lambda: the table).',
  severity: 'high',
  // Every event the catalogue selects: a moved credential shows on whatever it is used for.
  appliesTo: 'any',
  attack: ['T1550.001', 'T1528'],
  // Stratus ec2-steal-instance-credentials exercises it only with its issuing events in the session state.
  emulatedBy: [],
  falsePositives: [
    'A runner or pod whose egress changes address mid-job (several NAT gateways, IPv4 and IPv6 egress).',
    'A self-hosted runner pool behind rotating proxies.',
  ],
  runbook:
    'iamwatch trace <key> to see where the session was issued and everything it did; revoke the role sessions (aws iam put-role-policy with aws:TokenIssueTime) if it is not yours.',
  dedupWindowMinutes: 60,
};

function evaluate(e: NormalisedEvent, ctx: RuleContext): RuleHit | null {
  const acting = ctx.session?.acting;
  if (!acting?.key || !ctx.actor || !KINDS.has(ctx.actor.kind)) return null;
  // The issuing event of the session itself is not a use of it.
  if (ctx.session?.issued && acting.key === ctx.session.issued.key) return null;
  if (e.actor.invokedBy || path(e.raw, 'vpcEndpointId')) return null;
  const now = networkOf(e.actor.sourceIp);
  const then = networkOf(acting.sourceIp);
  if (!now || !then || now === then) return null;
  const lineage = ctx.session?.lineage;
  return {
    severity: ctx.actor.environment === 'production' ? 'critical' : 'high',
    reasons: [
      `credentials of the ${ctx.actor.kind} session ${acting.key} (${shortIdentity(acting.identity)}) were issued to ${acting.sourceIp} at ${acting.issuedAt} and used from ${e.actor.sourceIp} for ${e.eventName}`,
      ...(lineage ? chainReasons(lineage) : []),
    ],
    dedupeKey: `${acting.key}|${now}`,
  };
}

export default { meta, evaluate } satisfies Rule;
