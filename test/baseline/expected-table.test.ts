/**
 * "Is this principal expected?" has one answer: the same cases run through the rules (the detection
 * pipeline), the observation flag, and `baseline show|seen|who` over a real store (dynalite), and every path
 * must give the same verdict. Records are CloudTrail shapes from the rule fixtures (public AWS documentation
 * examples, see their `origin`), retargeted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { Observation, ObservationSink } from '../../shared/ports.js';
import { fixturesOf } from '../helpers/rule-fixtures.js';
import { type Backend, freshStore, startDynalite, syncOpts } from '../store/helpers.js';

type Rec = Record<string, unknown>;
const GH = 'token.actions.githubusercontent.com';
const ACCT = '111122223333';
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const WF = 'acme/api/.github/workflows/deploy.yml@refs/heads/main';

const BASELINE = `version: 1
identities:
  - arn: ${role('gha-deploy')}
    kind: ci
    owner: platform
    purpose: deploy (the pattern GitHub's docs put in trust policies)
    oidc:
      - provider: ${GH}
        audience: sts.amazonaws.com
        subjects: ["repo:acme/api:*"]
  - arn: ${role('gha-org')}
    kind: ci
    owner: platform
    purpose: any repository of acme, deploy workflow only
    oidc:
      - provider: ${GH}
        subjects: ["repo:acme/**"]
        workflows: ["${WF}"]
        allow_pull_requests: true
  - arn: ${role('ops')}
    kind: workload
    owner: platform
    purpose: assumed by the runner and another account's auditor
    callers: ["arn:aws:iam::${ACCT}:role/ci-runner", "arn:aws:iam::444455556666:role/auditor", "arn:aws:iam::${ACCT}:saml-provider/Okta"]
  - arn: ${role('closed')}
    kind: workload
    owner: platform
    purpose: nobody assumes it
    callers: []
  - arn: ${role('plain')}
    kind: workload
    owner: platform
    purpose: no expectation about callers
`;

function template(rule: string, file: string): Rec {
  const f = fixturesOf(rule).find((x) => x.file === `${rule}/fixtures/${file}.json`);
  if (!f) throw new Error(`no fixture ${file}`);
  return structuredClone(f.record) as Rec;
}

let seq = 0;
function oidcEvent(target: string, sub: string, aud = 'sts.amazonaws.com'): Rec {
  const r = template('oidc-unexpected-subject', 'wrong-audience');
  const provider = `arn:aws:iam::${ACCT}:oidc-provider/${GH}`;
  r.eventID = `table-${++seq}`;
  r.userIdentity = {
    type: 'WebIdentityUser',
    principalId: `${provider}:${aud}:${sub}`,
    userName: sub,
    identityProvider: provider,
  };
  (r.requestParameters as Rec).roleArn = role(target);
  const re = r.responseElements as Rec;
  re.subjectFromWebIdentityToken = sub;
  re.audience = aud;
  re.assumedRoleUser = {
    assumedRoleId: 'AROAEXAMPLE:s',
    arn: `arn:aws:sts::${ACCT}:assumed-role/${target}/s`,
  };
  return r;
}

function assumeRole(target: string, userIdentity: Rec): Rec {
  const r = template('role-unexpected-caller', 'role-chaining-by-listed-session-issuer');
  r.eventID = `table-${++seq}`;
  r.userIdentity = userIdentity;
  r.recipientAccountId = ACCT;
  (r.requestParameters as Rec).roleArn = role(target);
  (r.responseElements as Rec).assumedRoleUser = {
    assumedRoleId: 'AROAEXAMPLE:s',
    arn: `arn:aws:sts::${ACCT}:assumed-role/${target}/s`,
  };
  return r;
}

const session = (account: string, name: string): Rec => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLE:${name}-session`,
  arn: `arn:aws:sts::${account}:assumed-role/${name}/s1`,
  accountId: account,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLE',
      arn: `arn:aws:iam::${account}:role/${name}`,
      accountId: account,
      userName: name,
    },
  },
});

function saml(target: string, providerArn: string): Rec {
  const r = template('role-unexpected-caller', 'saml-through-listed-provider');
  r.eventID = `table-${++seq}`;
  const rp = r.requestParameters as Rec;
  rp.roleArn = role(target);
  rp.principalArn = providerArn;
  r.recipientAccountId = ACCT;
  (r.responseElements as Rec).assumedRoleUser = {
    assumedRoleId: 'AROA:s',
    arn: `arn:aws:sts::${ACCT}:assumed-role/${target}/s`,
  };
  return r;
}

/** [case, record, target role, verdict: true expected / false unexpected / null no expectation] */
const CASES: Array<[string, Rec, string, boolean | null]> = [
  [
    'main deploy under repo:acme/api:*',
    oidcEvent('gha-deploy', 'repo:acme/api:ref:refs/heads/main'),
    'gha-deploy',
    true,
  ],
  [
    'environment under repo:acme/api:*',
    oidcEvent('gha-deploy', 'repo:acme/api:environment:production'),
    'gha-deploy',
    true,
  ],
  [
    'pull request under repo:acme/api:* without allow_pull_requests',
    oidcEvent('gha-deploy', 'repo:acme/api:pull_request'),
    'gha-deploy',
    false,
  ],
  ['other repository', oidcEvent('gha-deploy', 'repo:acme/web:ref:refs/heads/main'), 'gha-deploy', false],
  [
    'wrong audience',
    oidcEvent('gha-deploy', 'repo:acme/api:ref:refs/heads/hotfix', 'api://custom'),
    'gha-deploy',
    false,
  ],
  [
    'listed workflow under repo:acme/**',
    oidcEvent('gha-org', `repo:acme/web:ref:refs/heads/main:job_workflow_ref:${WF}`),
    'gha-org',
    true,
  ],
  [
    'unlisted workflow under repo:acme/**',
    oidcEvent(
      'gha-org',
      'repo:acme/web:ref:refs/heads/main:job_workflow_ref:acme/web/.github/workflows/x.yml@refs/heads/main',
    ),
    'gha-org',
    false,
  ],
  [
    'pull request allowed by allow_pull_requests',
    oidcEvent('gha-org', `repo:acme/web:pull_request:job_workflow_ref:${WF}`),
    'gha-org',
    true,
  ],
  ['listed caller', assumeRole('ops', session(ACCT, 'ci-runner')), 'ops', true],
  ['listed caller, name in other case', assumeRole('ops', session(ACCT, 'CI-Runner')), 'ops', true],
  ['unlisted caller', assumeRole('ops', session(ACCT, 'intruder')), 'ops', false],
  [
    'account-only caller of a listed account',
    assumeRole('ops', { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '444455556666' }),
    'ops',
    true,
  ],
  [
    'account-only caller of another account',
    assumeRole('ops', { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '777788889999' }),
    'ops',
    false,
  ],
  ['listed SAML provider', saml('ops', `arn:aws:iam::${ACCT}:saml-provider/Okta`), 'ops', true],
  ['unlisted SAML provider', saml('ops', `arn:aws:iam::${ACCT}:saml-provider/Evil`), 'ops', false],
  [
    'role chaining into an oidc-only role',
    assumeRole('gha-deploy', session(ACCT, 'gha-plan')),
    'gha-deploy',
    false,
  ],
  [
    'AWS service into an oidc-only role',
    assumeRole('gha-deploy', { type: 'AWSService', invokedBy: 'codebuild.amazonaws.com' }),
    'gha-deploy',
    false,
  ],
  ['any caller of callers: []', assumeRole('closed', session(ACCT, 'ci-runner')), 'closed', false],
  [
    'any caller of a role without callers or oidc',
    assumeRole('plain', session(ACCT, 'ci-runner')),
    'plain',
    null,
  ],
];

const VERDICT_RULES = new Set([
  'oidc-unexpected-subject',
  'oidc-untrusted-context',
  'role-unexpected-caller',
]);

class MemorySink implements ObservationSink {
  readonly seen: Observation[] = [];
  record(o: Observation): void {
    this.seen.push(o);
  }
  async flush(): Promise<void> {}
}

describe('one verdict for rules, observations and baseline show/seen/who', () => {
  const parsed = parseBaseline(BASELINE, 'table.yaml');
  if (!parsed.baseline) throw new Error(JSON.stringify(parsed.issues));
  const baseline = parsed.baseline;
  const view = buildIndex(baseline);
  const pipeline = new DetectionPipeline();
  let backend: Backend;
  beforeAll(async () => {
    backend = await startDynalite();
  }, 60_000);
  afterAll(async () => {
    await backend?.stop();
  });

  const runs = CASES.map(([name, raw, target, verdict]) => {
    const n = normaliseRecord(raw);
    if (!n.ok) throw new Error(`${name}: ${n.reason}`);
    const sink = new MemorySink();
    const { alerts } = pipeline.evaluate(n.event, view, sink);
    return { name, target, verdict, alerts, observation: sink.seen[0] };
  });

  it.each(runs.map((r) => [r.name, r] as const))('rules and observation: %s', (_name, r) => {
    const raised = r.alerts.filter((a) => VERDICT_RULES.has(a.rule)).map((a) => a.rule);
    expect(raised.length > 0).toBe(r.verdict === false);
    expect(r.observation?.identity).toBe(role(r.target));
    expect(r.observation?.expected).toBe(r.verdict !== false);
  });

  it('baseline show, seen and who give the same verdicts from a real store', async () => {
    const h = await freshStore(backend);
    try {
      await h.store.sync(baseline, syncOpts());
      for (const r of runs) if (r.observation) h.observations.record(r.observation);
      await h.observations.flush();
      for (const r of runs) {
        const o = r.observation as Observation;
        const show = await h.queries.show(role(r.target), { recent: 100 });
        const shown = show.observations.find((x) => x.principal === o.principal);
        expect([r.name, shown?.allowed]).toEqual([r.name, r.verdict]);
        const seen = await h.queries.seen(role(r.target), 0);
        expect([r.name, seen.principals.find((x) => x.principal === o.principal)?.allowed]).toEqual([
          r.name,
          r.verdict,
        ]);
        // `who` answers without the token's audience: skip the case that differs only by audience.
        if (r.name === 'wrong audience') continue;
        const query = o.principal.replace(/^(subject|caller):/, '');
        if (o.kind === 'saml') continue; // `who` looks up AssumeRole callers and OIDC subjects
        const who = await h.queries.who(query);
        const listed = who.allowed.some((a) => a.role === role(r.target));
        expect([r.name, listed]).toEqual([r.name, r.verdict === true]);
      }
    } finally {
      await h.close();
    }
  }, 60_000);
});
