import { defineRule } from '../../detection/rule.js';
import { chainReasons } from '../../session/origin.js';
import { instanceSession } from '../_common.js';

const KINDS = new Set(['ci', 'workload', 'vendor']);
const SIGNIN = 'signin.amazonaws.com';

export default defineRule({
  meta: {
    id: 'session-to-console',
    title: 'Machine session turned into a console session',
    description:
      'A session of a `ci`, `workload` or `vendor` role asked the federation endpoint for a sign-in token ' +
      '(GetSigninToken) or signed in to the AWS console. Machines have no use for the console; stolen session ' +
      'credentials are turned into a browser session this way (aws_consoler, pacu) to act outside the API ' +
      'logs a detector watches. A session named like an EC2 instance id (`i-…`, an instance profile) counts as ' +
      'a machine session even when its role is not in the baseline.',
    severity: 'high',
    appliesTo: { eventSources: [SIGNIN], eventNames: ['GetSigninToken', 'ConsoleLogin'] },
    attack: ['T1550.001', 'T1078.004'],
    emulatedBy: [],
    falsePositives: ['An engineer debugging a pipeline by signing in with its role (better: a human role).'],
    runbook:
      'iamwatch trace <key> to see where the session came from and what it did; iamwatch baseline show <role>.',
    dedupWindowMinutes: 60,
  },
  match: (e, { actor }) =>
    e.success &&
    (e.actor.type === 'AssumedRole' || e.actor.type === 'FederatedUser') &&
    (actor !== null
      ? KINDS.has(actor.kind) || (instanceSession(e) && actor.kind !== 'human')
      : instanceSession(e)),
  severity: (_e, { actor }) => (actor?.environment === 'production' ? 'critical' : 'high'),
  reasons: (e, { actor, session }) => [
    `the ${actor && KINDS.has(actor.kind) ? actor.kind : 'EC2 instance'} session ${e.actor.sessionArn ?? e.actor.arn} ${
      e.eventName === 'GetSigninToken' ? 'asked for a console sign-in token' : 'signed in to the console'
    } from ${e.actor.sourceIp ?? 'an unknown address'}`,
    ...(instanceSession(e)
      ? [
          'the session is named like an EC2 instance id: instance credentials belong to a machine, not a person',
        ]
      : []),
    ...(session?.lineage ? chainReasons(session.lineage) : []),
  ],
});
