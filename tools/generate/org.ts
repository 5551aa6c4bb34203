/**
 * The synthetic organisation: accounts, regions, roles, people and resources. It is fixed
 * (it does not depend on the seed) so that the generated baseline describes every run.
 * Account ids and addresses are documentation values (111122223333, 192.0.2.0/24, …).
 */
import { stableHex, stableUpper } from './prng.js';

/** GitHub organisation / GitLab group / HCP Terraform organisation name used in subjects. */
export const ORG = 'example-org';

export const GITHUB_PROVIDER = 'token.actions.githubusercontent.com';
export const GITLAB_PROVIDER = 'gitlab.com';
export const TFC_PROVIDER = 'app.terraform.io';

export const AUDIENCE: Record<string, string> = {
  [GITHUB_PROVIDER]: 'sts.amazonaws.com',
  [GITLAB_PROVIDER]: 'https://gitlab.com',
  [TFC_PROVIDER]: 'aws.workload.identity',
};

export type AccountKey = 'prod' | 'staging' | 'shared' | 'mgmt';

export interface Account {
  key: AccountKey;
  id: string;
  name: string;
  /** Regions in use, the first being the home region; weights of use. */
  regions: readonly string[];
  regionWeights: readonly number[];
  environment: string;
}

export const ACCOUNTS: Record<AccountKey, Account> = {
  prod: {
    key: 'prod',
    id: '111122223333',
    name: 'production',
    regions: ['us-east-1', 'eu-west-1'],
    regionWeights: [0.7, 0.3],
    environment: 'production',
  },
  staging: {
    key: 'staging',
    id: '444455556666',
    name: 'staging',
    regions: ['us-east-1', 'eu-west-1'],
    regionWeights: [0.8, 0.2],
    environment: 'staging',
  },
  shared: {
    key: 'shared',
    id: '777788889999',
    name: 'shared-services',
    regions: ['us-east-1', 'us-west-2'],
    regionWeights: [0.75, 0.25],
    environment: 'shared',
  },
  mgmt: {
    key: 'mgmt',
    id: '999988887777',
    name: 'management',
    regions: ['us-east-1'],
    regionWeights: [1],
    environment: 'management',
  },
};

/** An account outside the organisation, used by attack scenarios (trust backdoor). */
export const FOREIGN_ACCOUNT = '123456789012';

export type Kind = 'human' | 'workload' | 'ci' | 'iac' | 'vendor' | 'break-glass';

/** An IAM role of the organisation. */
export interface Role {
  account: Account;
  name: string;
  /** IAM path ("/" or "/aws-reserved/sso.amazonaws.com/"). */
  path: string;
  arn: string;
  /** AROA… unique id (stable per ARN). */
  roleId: string;
  kind: Kind;
  owner: string;
  team: string;
  purpose: string;
  /** OIDC trust, when the role is assumed with a web identity token. */
  oidc?: { provider: string; subjects: string[]; workflows?: string[] };
  /** Expected AssumeRole callers (role ARNs), when the role lists them. */
  callers?: string[];
  /** AWS service that assumes the role (workloads). */
  service?: string;
}

function role(
  account: Account,
  name: string,
  spec: Omit<Role, 'account' | 'name' | 'path' | 'arn' | 'roleId'> & { path?: string },
): Role {
  const path = spec.path ?? '/';
  const arn = `arn:aws:iam::${account.id}:role${path}${name}`;
  return { ...spec, account, name, path, arn, roleId: `AROA${stableUpper(arn, 17)}` };
}

const SSO_PATH = '/aws-reserved/sso.amazonaws.com/';

function ssoRoles(account: Account): { admin: Role; developer: Role; readOnly: Role } {
  const suffix = (set: string) => stableHex(`${account.id}:${set}`, 8);
  const common = { path: SSO_PATH, kind: 'human' as const, owner: 'identity-team', team: 'security' };
  return {
    admin: role(account, `AWSReservedSSO_AdministratorAccess_${suffix('admin')}`, {
      ...common,
      purpose: 'IAM Identity Center permission set AdministratorAccess (platform on-call)',
    }),
    developer: role(account, `AWSReservedSSO_Developer_${suffix('developer')}`, {
      ...common,
      purpose: 'IAM Identity Center permission set Developer (day-to-day operations, no IAM)',
    }),
    readOnly: role(account, `AWSReservedSSO_ReadOnly_${suffix('readonly')}`, {
      ...common,
      purpose: 'IAM Identity Center permission set ReadOnlyAccess',
    }),
  };
}

const A = ACCOUNTS;
const gh = (repo: string, rest: string) => `repo:${ORG}/${repo}:${rest}`;
const tfc = (workspace: string, phase: 'plan' | 'apply') =>
  `organization:${ORG}:project:platform:workspace:${workspace}:run_phase:${phase}`;

export const WEB_WORKFLOW = `${ORG}/web/.github/workflows/deploy.yml@refs/heads/main`;

export const SSO = {
  prod: ssoRoles(A.prod),
  staging: ssoRoles(A.staging),
  shared: ssoRoles(A.shared),
  mgmt: ssoRoles(A.mgmt),
};

/** Every role of the organisation, by purpose. */
export const ROLES = {
  prodGhaApi: role(A.prod, 'gha-deploy-api', {
    kind: 'ci',
    owner: 'api-team',
    team: 'platform',
    purpose: 'GitHub Actions deploys the api service to production (ECS)',
    oidc: { provider: GITHUB_PROVIDER, subjects: [gh('api', 'environment:production')] },
  }),
  prodGhaWeb: role(A.prod, 'gha-deploy-web', {
    kind: 'ci',
    owner: 'web-team',
    team: 'platform',
    purpose: 'GitHub Actions publishes the web front end to S3 and CloudFront',
    oidc: {
      provider: GITHUB_PROVIDER,
      subjects: [gh('web', `environment:production:job_workflow_ref:${WEB_WORKFLOW}`)],
      workflows: [WEB_WORKFLOW],
    },
  }),
  prodGitlabBilling: role(A.prod, 'gitlab-deploy-billing', {
    kind: 'ci',
    owner: 'payments-team',
    team: 'payments',
    purpose: 'GitLab CI deploys the billing Lambda functions to production',
    oidc: {
      provider: GITLAB_PROVIDER,
      subjects: [`project_path:${ORG}/payments/billing:ref_type:branch:ref:main`],
    },
  }),
  prodTfApply: role(A.prod, 'terraform-apply', {
    kind: 'iac',
    owner: 'platform-team',
    team: 'platform',
    purpose: 'HCP Terraform applies the prod-iam workspace (owns IAM of production)',
    oidc: { provider: TFC_PROVIDER, subjects: [tfc('prod-iam', 'apply')] },
  }),
  prodTfPlan: role(A.prod, 'terraform-plan', {
    kind: 'iac',
    owner: 'platform-team',
    team: 'platform',
    purpose: 'HCP Terraform plans the prod-iam workspace (read-only)',
    oidc: { provider: TFC_PROVIDER, subjects: [tfc('prod-iam', 'plan')] },
  }),
  prodBreakGlass: role(A.prod, 'break-glass', {
    kind: 'break-glass',
    owner: 'security-team',
    team: 'security',
    purpose: 'Emergency administrator access during a declared incident',
    callers: [SSO.prod.admin.arn],
  }),
  prodApiTask: role(A.prod, 'api-task-role', {
    kind: 'workload',
    owner: 'api-team',
    team: 'platform',
    purpose: 'ECS task role of the api service',
    service: 'ecs-tasks.amazonaws.com',
  }),
  prodBillingLambda: role(A.prod, 'billing-lambda-role', {
    kind: 'workload',
    owner: 'payments-team',
    team: 'payments',
    purpose: 'Execution role of the billing Lambda functions',
    service: 'lambda.amazonaws.com',
  }),
  prodBatchWorker: role(A.prod, 'batch-worker-instance', {
    kind: 'workload',
    owner: 'data-team',
    team: 'platform',
    purpose: 'EC2 instance profile of the nightly batch workers',
    service: 'ec2.amazonaws.com',
  }),
  stagingGhaApi: role(A.staging, 'gha-deploy-api', {
    kind: 'ci',
    owner: 'api-team',
    team: 'platform',
    purpose: 'GitHub Actions deploys the api service to staging from main',
    oidc: {
      provider: GITHUB_PROVIDER,
      subjects: [gh('api', 'ref:refs/heads/main'), gh('api', 'environment:staging')],
    },
  }),
  stagingGitlabBilling: role(A.staging, 'gitlab-deploy-billing', {
    kind: 'ci',
    owner: 'payments-team',
    team: 'payments',
    purpose: 'GitLab CI deploys the billing Lambda functions to staging',
    oidc: {
      provider: GITLAB_PROVIDER,
      subjects: [`project_path:${ORG}/payments/billing:ref_type:branch:ref:develop`],
    },
  }),
  stagingTfApply: role(A.staging, 'terraform-apply', {
    kind: 'iac',
    owner: 'platform-team',
    team: 'platform',
    purpose: 'HCP Terraform applies the staging-iam workspace (owns IAM of staging)',
    oidc: { provider: TFC_PROVIDER, subjects: [tfc('staging-iam', 'apply')] },
  }),
  stagingApiTask: role(A.staging, 'api-task-role', {
    kind: 'workload',
    owner: 'api-team',
    team: 'platform',
    purpose: 'ECS task role of the api service (staging)',
    service: 'ecs-tasks.amazonaws.com',
  }),
  stagingBillingLambda: role(A.staging, 'billing-lambda-role', {
    kind: 'workload',
    owner: 'payments-team',
    team: 'payments',
    purpose: 'Execution role of the billing Lambda functions (staging)',
    service: 'lambda.amazonaws.com',
  }),
  sharedGhaImages: role(A.shared, 'gha-publish-images', {
    kind: 'ci',
    owner: 'platform-team',
    team: 'platform',
    purpose: 'GitHub Actions pushes release images of the api to ECR on tags',
    oidc: { provider: GITHUB_PROVIDER, subjects: [gh('api', 'ref:refs/tags/v*')] },
  }),
  sharedLogArchive: role(A.shared, 'log-archive-replication', {
    kind: 'workload',
    owner: 'security-team',
    team: 'security',
    purpose: 'S3 replication of the CloudTrail archive bucket',
    service: 's3.amazonaws.com',
  }),
} as const;

/** An IAM user with a long-lived access key (legacy workload). */
export interface User {
  account: Account;
  name: string;
  arn: string;
  userId: string;
  accessKeyId: string;
  kind: Kind;
  owner: string;
  team: string;
  purpose: string;
}

function user(account: Account, name: string, spec: Pick<User, 'kind' | 'owner' | 'team' | 'purpose'>): User {
  const arn = `arn:aws:iam::${account.id}:user/${name}`;
  return {
    ...spec,
    account,
    name,
    arn,
    userId: `AIDA${stableUpper(arn, 17)}`,
    accessKeyId: `AKIA${stableUpper(`${arn}:key`, 16)}`,
  };
}

export const USERS = {
  legacyReporting: user(A.prod, 'svc-legacy-reporting', {
    kind: 'workload',
    owner: 'data-team',
    team: 'platform',
    purpose: 'Legacy reporting job outside AWS reads exports from S3 with an access key (migration planned)',
  }),
} as const;

/** An SSO person: e-mail, home address (documentation range) and the permission sets they use. */
export interface Person {
  email: string;
  ip: string;
  ua: string;
  sets: ReadonlyArray<'admin' | 'developer' | 'readOnly'>;
  accounts: readonly AccountKey[];
}

const CLI_UA =
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#';
export const CONSOLE_UA = 'AWS Internal';
export const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export const PEOPLE: readonly Person[] = [
  {
    email: 'alice@example.com',
    ip: '192.0.2.10',
    ua: CLI_UA,
    sets: ['admin', 'developer'],
    accounts: ['prod', 'staging', 'shared', 'mgmt'],
  },
  {
    email: 'bob@example.com',
    ip: '192.0.2.23',
    ua: CLI_UA,
    sets: ['admin', 'readOnly'],
    accounts: ['prod', 'staging', 'mgmt'],
  },
  {
    email: 'carol@example.com',
    ip: '198.51.100.14',
    ua: CONSOLE_UA,
    sets: ['developer', 'readOnly'],
    accounts: ['prod', 'staging'],
  },
  {
    email: 'dave@example.com',
    ip: '192.0.2.41',
    ua: CLI_UA,
    sets: ['developer'],
    accounts: ['staging', 'shared'],
  },
  {
    email: 'erin@example.com',
    ip: '198.51.100.57',
    ua: CONSOLE_UA,
    sets: ['readOnly'],
    accounts: ['prod', 'staging', 'shared'],
  },
  {
    email: 'frank@example.com',
    ip: '192.0.2.88',
    ua: CONSOLE_UA,
    sets: ['developer', 'readOnly'],
    accounts: ['prod', 'staging'],
  },
];

/** The command suffix of the CLI user agent (`md/command#ec2.describe-instances`). */
export function cliUa(person: Person, command: string): string {
  return person.ua === CLI_UA ? CLI_UA + command : person.ua;
}

/** Egress addresses of CI runners and NAT gateways (documentation range 198.51.100.128/25). */
export const RUNNER_IPS = [
  '198.51.100.130',
  '198.51.100.131',
  '198.51.100.145',
  '198.51.100.162',
  '198.51.100.201',
];
export const NAT_IPS: Record<AccountKey, string> = {
  prod: '198.51.100.220',
  staging: '198.51.100.221',
  shared: '198.51.100.222',
  mgmt: '198.51.100.223',
};
/** Attacker addresses (documentation range 203.0.113.0/24). */
export const ATTACKER_IPS = ['203.0.113.7', '203.0.113.45', '203.0.113.99', '203.0.113.150', '203.0.113.201'];

/** S3 buckets and KMS keys per account (for data-event and KMS noise). */
const bucketCache = new Map<string, readonly string[]>();
export function buckets(account: Account): readonly string[] {
  let v = bucketCache.get(account.id);
  if (!v) {
    const n = account.name;
    v = [`${ORG}-${n}-app-data`, `${ORG}-${n}-exports`, `${ORG}-${n}-artifacts`];
    bucketCache.set(account.id, v);
  }
  return v;
}

const keyCache = new Map<string, string>();
/** The account's KMS key in a region (stable). */
export function kmsKeyArn(account: Account, region: string): string {
  const k = `${account.id}:${region}`;
  let v = keyCache.get(k);
  if (!v) {
    v = `arn:aws:kms:${region}:${account.id}:key/${stableHexUuid(`${k}:kms`)}`;
    keyCache.set(k, v);
  }
  return v;
}

function stableHexUuid(name: string): string {
  const h = stableHex(name, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Accounts with workloads (where service noise happens), with their weight of traffic. */
export const NOISE_ACCOUNTS: ReadonlyArray<[AccountKey, number]> = [
  ['prod', 0.55],
  ['staging', 0.25],
  ['shared', 0.17],
  ['mgmt', 0.03],
];

/** Workload roles by account (assumed by AWS services, then making calls). */
export function workloadsOf(key: AccountKey): Role[] {
  switch (key) {
    case 'prod':
      return [ROLES.prodApiTask, ROLES.prodBillingLambda, ROLES.prodBatchWorker];
    case 'staging':
      return [ROLES.stagingApiTask, ROLES.stagingBillingLambda];
    case 'shared':
      return [ROLES.sharedLogArchive];
    default:
      return [];
  }
}
