/**
 * The organisation's CI jobs, one table: each job assumes a role through OIDC (an
 * AssumeRoleWithWebIdentity record from a runner address), then makes its calls with that session.
 * A spec says which role, subject and session name the job draws, and what it does after; one function
 * ({@link runCiActivity}) runs any of them. The order of PRNG draws is part of the generator's output
 * (test/generate/golden-digest.test.ts): `plan` draws before the role is assumed, `after` draws after.
 */
import { assumedRolePrincipal, type Draft, type RoleSession } from './cloudtrail.js';
import {
  assumeRoleWithWebIdentity,
  attachRolePolicy,
  createPolicyVersion,
  iam,
  putRolePolicy,
  s3Object,
  simple,
} from './events.js';
import {
  buckets,
  GITHUB_PROVIDER,
  GITLAB_PROVIDER,
  kmsKeyArn,
  ORG,
  ROLES,
  type Role,
  RUNNER_IPS,
  TFC_PROVIDER,
} from './org.js';
import type { Prng } from './prng.js';

const q = JSON.stringify;

const GHA_UA = 'aws-sdk-nodejs/2.1691.0 linux/v20.17.0 configure-aws-credentials-for-github-actions promise';
const GHA_CLI_UA =
  'aws-cli/2.17.46 md/awscrt#0.21.2 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#';
const GITLAB_UA =
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython exe/x86_64.debian.12 md/prompt#off md/command#';
const TF_UA =
  'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.67.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.5 ua/2.1 os/linux lang/go#1.22.6 md/GOOS#linux md/GOARCH#amd64 api/';

/** What a CI job needs of the organisation's state during a run. */
export interface CiWorld {
  readonly rng: Prng;
  /** Version of the customer-managed policy `api-read-config` (Terraform reads it and creates new ones). */
  readonly apiReadConfig: { version: number };
}

/** A job's session, once its role is assumed. */
export interface CiSession {
  /** The AssumeRoleWithWebIdentity record (the job's first record). */
  first: Draft;
  session: RoleSession;
  /** The runner's address, for every call of the job. */
  ip: string;
  /** Second the job started. */
  t: number;
  /** At most this many records in all, `first` included. */
  budget: number;
}

/** One run of a job, as drawn before the role is assumed. */
export interface CiRun {
  role: Role;
  subject: string;
  sessionName: string;
  /** The records after `first` (draws from the PRNG after the assume). */
  after(s: CiSession): Draft[];
}

/** One CI activity of the benign mix (all follow office hours). */
export interface CiActivitySpec {
  /** Name in the benign mix. */
  name: string;
  /** Runs per unit of time, relative to the other activities of {@link benignMix}. */
  weight: number;
  /** OIDC provider host. */
  provider: string;
  /** User agent of the AssumeRoleWithWebIdentity call. */
  stsUa: string;
  /** Draw the run's role, subject and session name (and whatever `after` needs drawn first). */
  plan(w: CiWorld): CiRun;
}

/** A call after the assume: service, eventName, read-only, requestParameters. */
type Step = readonly [string, string, boolean, string?];

/**
 * The job's calls in order, in the role's home region, each a few seconds after the previous one, with
 * the CLI's user agent for that call; stops at the budget.
 */
function calls(rng: Prng, s: CiSession, uaBase: string, steps: readonly Step[]): Draft[] {
  const acct = s.session.role.account;
  const region = acct.regions[0]!;
  const out = [s.first];
  let tt = s.t;
  for (const [svc, name, ro, req] of steps) {
    if (out.length >= s.budget) break;
    tt += rng.int(1, 40);
    const who = assumedRolePrincipal(s.session, s.ip, `${uaBase}${svc}.${name}`);
    out.push(simple(rng, tt, acct, region, who, svc, name, ro, req));
  }
  return out;
}

/** GitHub Actions deploys the api to ECS (production: environment; staging: main). */
const ghaDeployApi: CiActivitySpec = {
  name: 'gha-deploy-api',
  weight: 0.2,
  provider: GITHUB_PROVIDER,
  stsUa: GHA_UA,
  plan: ({ rng }) => {
    const prod = rng.chance(0.4);
    const role = prod ? ROLES.prodGhaApi : ROLES.stagingGhaApi;
    const subject = role.oidc!.subjects[prod ? 0 : rng.int(0, 1)]!;
    return {
      role,
      subject,
      sessionName: 'GitHubActions',
      after: (s) => {
        const cluster = role.account.name;
        return calls(rng, s, GHA_CLI_UA, [
          ['sts', 'GetCallerIdentity', true],
          ['ecr', 'GetAuthorizationToken', true, '{}'],
          ['ecs', 'DescribeTaskDefinition', true, '{"taskDefinition":"api"}'],
          [
            'ecs',
            'RegisterTaskDefinition',
            false,
            '{"family":"api","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"512","memory":"1024"}',
          ],
          [
            'ecs',
            'UpdateService',
            false,
            `{"cluster":"${cluster}","service":"api","taskDefinition":"api:${rng.int(100, 400)}"}`,
          ],
          ['ecs', 'DescribeServices', true, `{"cluster":"${cluster}","services":["api"]}`],
          ['ecs', 'DescribeServices', true, `{"cluster":"${cluster}","services":["api"]}`],
        ]);
      },
    };
  },
};

/** GitHub Actions (custom subject template with job_workflow_ref) publishes the web site. */
const ghaDeployWeb: CiActivitySpec = {
  name: 'gha-deploy-web',
  weight: 0.1,
  provider: GITHUB_PROVIDER,
  stsUa: GHA_UA,
  plan: ({ rng }) => {
    const role = ROLES.prodGhaWeb;
    return {
      role,
      subject: role.oidc!.subjects[0]!,
      sessionName: 'GitHubActions',
      after: ({ first, session, ip, t, budget }) => {
        const acct = role.account;
        const who = assumedRolePrincipal(session, ip, `${GHA_CLI_UA}s3.sync`);
        const out = [first];
        let tt = t + rng.int(2, 8);
        const n = Math.min(budget - 2, rng.int(4, 12));
        for (let i = 0; i < n; i++) {
          tt += rng.int(0, 2);
          out.push(
            s3Object(
              rng,
              tt,
              acct,
              'us-east-1',
              who,
              'PutObject',
              `${ORG}-web-site`,
              `assets/${rng.hex(6)}.${rng.pick(['js', 'css', 'svg'])}`,
            ),
          );
        }
        if (out.length < budget) {
          const who2 = assumedRolePrincipal(session, ip, `${GHA_CLI_UA}cloudfront.create-invalidation`);
          out.push(
            simple(
              rng,
              tt + rng.int(1, 5),
              acct,
              'us-east-1',
              who2,
              'cloudfront',
              'CreateInvalidation',
              false,
              `{"distributionId":"E2EXAMPLE1WEB","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]},"callerReference":"${rng.hex(8)}"}}`,
            ),
          );
        }
        return out;
      },
    };
  },
};

/** GitHub Actions pushes a release image to ECR in the shared-services account on a tag. */
const ghaPublishImage: CiActivitySpec = {
  name: 'gha-publish-image',
  weight: 0.05,
  provider: GITHUB_PROVIDER,
  stsUa: GHA_UA,
  plan: ({ rng }) => {
    const tag = `v1.${rng.int(10, 40)}.${rng.int(0, 9)}`;
    return {
      role: ROLES.sharedGhaImages,
      subject: `repo:${ORG}/api:ref:refs/tags/${tag}`,
      sessionName: 'GitHubActions',
      after: (s) =>
        calls(rng, s, GHA_CLI_UA, [
          ['ecr', 'GetAuthorizationToken', true, '{}'],
          ['ecr', 'InitiateLayerUpload', false, '{"repositoryName":"api"}'],
          ['ecr', 'CompleteLayerUpload', false, '{"repositoryName":"api"}'],
          ['ecr', 'PutImage', false, `{"repositoryName":"api","imageTag":"${tag}"}`],
        ]),
    };
  },
};

/** GitLab CI deploys the billing Lambda functions. */
const gitlabDeployBilling: CiActivitySpec = {
  name: 'gitlab-deploy-billing',
  weight: 0.12,
  provider: GITLAB_PROVIDER,
  stsUa: `${GITLAB_UA}sts.assume-role-with-web-identity`,
  plan: ({ rng }) => {
    const role = rng.chance(0.4) ? ROLES.prodGitlabBilling : ROLES.stagingGitlabBilling;
    return {
      role,
      subject: role.oidc!.subjects[0]!,
      sessionName: `GitLabRunner-${rng.int(40_000_000, 49_999_999)}-${rng.int(1_200_000_000, 1_299_999_999)}`,
      after: (s) => {
        const fn = rng.pick(['billing-invoice-generator', 'billing-webhook-handler', 'billing-ledger-sync']);
        return calls(rng, s, GITLAB_UA, [
          ['sts', 'GetCallerIdentity', true],
          ['lambda', 'GetFunction20150331v2', true, `{"functionName":"${fn}"}`],
          [
            'lambda',
            'UpdateFunctionCode20150331v2',
            false,
            `{"functionName":"${fn}","publish":false,"dryRun":false}`,
          ],
          ['lambda', 'GetFunctionConfiguration20150331v2', true, `{"functionName":"${fn}"}`],
          ['lambda', 'PublishVersion20150331', false, `{"functionName":"${fn}"}`],
          ['lambda', 'UpdateAlias20150331', false, `{"functionName":"${fn}","name":"live"}`],
        ]);
      },
    };
  },
};

/** HCP Terraform: plan (IAM reads) or apply (reads, then a few IAM policy writes). */
const terraformRun: CiActivitySpec = {
  name: 'terraform-run',
  weight: 0.1,
  provider: TFC_PROVIDER,
  stsUa: `${TF_UA}sts#1.30.5`,
  plan: ({ rng, apiReadConfig }) => {
    const apply = rng.chance(0.35);
    const prod = rng.chance(0.6);
    const role = apply ? (prod ? ROLES.prodTfApply : ROLES.stagingTfApply) : ROLES.prodTfPlan;
    const runId = `run-${rng.alnum(16)}`;
    return {
      role,
      subject: role.oidc!.subjects[0]!,
      sessionName: `terraform-run-${runId}`,
      after: ({ first, session, ip, t, budget }) => {
        const acct = role.account;
        const who = assumedRolePrincipal(session, ip, `${TF_UA}iam#1.35.0`);
        const out: Draft[] = [first];
        let tt = t + rng.int(3, 10);
        const targets = [ROLES.prodApiTask, ROLES.prodBillingLambda, ROLES.prodBatchWorker];
        const reads = Math.min(budget - 1, rng.int(6, 16));
        for (let i = 0; i < reads; i++) {
          tt += rng.int(0, 2);
          const r = rng.pick(targets);
          const op = rng.pick([
            'GetRole',
            'ListRolePolicies',
            'ListAttachedRolePolicies',
            'GetRolePolicy',
            'GetPolicy',
            'GetPolicyVersion',
          ]);
          const req =
            op === 'GetPolicy' || op === 'GetPolicyVersion'
              ? `{"policyArn":"arn:aws:iam::${acct.id}:policy/api-read-config"${op === 'GetPolicyVersion' ? `,"versionId":"v${apiReadConfig.version}"` : ''}}`
              : op === 'GetRolePolicy'
                ? `{"roleName":${q(r.name)},"policyName":"${r.name}-inline"}`
                : `{"roleName":${q(r.name)}}`;
          out.push(iam(rng, tt, acct, who, op, true, req));
        }
        if (!apply) return out;
        const writes = rng.int(1, 3);
        for (let i = 0; i < writes && out.length < budget; i++) {
          tt += rng.int(1, 4);
          const kind = rng.int(0, 2);
          const bucket = buckets(acct)[rng.int(0, 2)]!;
          if (kind === 0) {
            const r = rng.pick([ROLES.prodApiTask, ROLES.prodBillingLambda]);
            const roleName = r.name;
            out.push(
              putRolePolicy(rng, tt, acct, who, roleName, `${roleName}-inline`, {
                Statement: [
                  {
                    Action: ['s3:GetObject', 's3:PutObject'],
                    Effect: 'Allow',
                    Resource: `arn:aws:s3:::${bucket}/*`,
                  },
                  { Action: 'kms:Decrypt', Effect: 'Allow', Resource: kmsKeyArn(acct, 'us-east-1') },
                ],
                Version: '2012-10-17',
              }),
            );
          } else if (kind === 1) {
            out.push(
              attachRolePolicy(
                rng,
                tt,
                acct,
                who,
                rng.pick([ROLES.prodApiTask.name, ROLES.prodBatchWorker.name]),
                rng.pick([
                  `arn:aws:iam::${acct.id}:policy/api-read-config`,
                  'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
                  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
                ]),
              ),
            );
          } else {
            apiReadConfig.version++;
            out.push(
              createPolicyVersion(
                rng,
                tt,
                acct,
                who,
                `arn:aws:iam::${acct.id}:policy/api-read-config`,
                {
                  Statement: [
                    {
                      Action: ['ssm:GetParameter', 'ssm:GetParametersByPath'],
                      Effect: 'Allow',
                      Resource: `arn:aws:ssm:*:${acct.id}:parameter/${acct.name}/api/*`,
                    },
                  ],
                  Version: '2012-10-17',
                },
                apiReadConfig.version,
              ),
            );
          }
        }
        return out;
      },
    };
  },
};

/** The five CI activities, in the order of the benign mix. */
export const CI_ACTIVITIES: readonly CiActivitySpec[] = [
  ghaDeployApi,
  ghaDeployWeb,
  ghaPublishImage,
  gitlabDeployBilling,
  terraformRun,
];

/** Run one CI job starting at second `t`: its AssumeRoleWithWebIdentity, then its calls (at most `budget`). */
export function runCiActivity(spec: CiActivitySpec, w: CiWorld, t: number, budget: number): Draft[] {
  const rng = w.rng;
  const run = spec.plan(w);
  const ip = rng.pick(RUNNER_IPS);
  const { draft, session } = assumeRoleWithWebIdentity(rng, {
    t,
    region: run.role.account.regions[0]!,
    role: run.role,
    provider: spec.provider,
    subject: run.subject,
    sessionName: run.sessionName,
    ip,
    ua: spec.stsUa,
  });
  return run.after({ first: draft, session: session!, ip, t, budget });
}
