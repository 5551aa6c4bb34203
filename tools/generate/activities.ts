/**
 * Benign activity of the synthetic organisation. Each activity starts at a given second and
 * returns its records (the first at that second, follow-ups later); the generator interleaves
 * them in time order. Benign traffic is built so that no rule of the catalogue fires against
 * the generated baseline: OIDC subjects are all declared, IAM writes are made only by the
 * baselined `terraform-apply` (iac) role and grant nothing admin-equivalent, humans only read
 * or change non-IAM resources.
 */

import { CI_ACTIVITIES, type CiWorld, runCiActivity } from './ci-activities.js';
import {
  assumedRolePrincipal,
  type Draft,
  type Principal,
  type RoleSession,
  servicePrincipal,
  userPrincipal,
} from './cloudtrail.js';
import {
  assumeRoleByService,
  assumeRoleWithSaml,
  kmsByService,
  kmsForS3,
  s3Object,
  simple,
} from './events.js';
import {
  ACCOUNTS,
  type Account,
  type AccountKey,
  buckets,
  cliUa,
  kmsKeyArn,
  NAT_IPS,
  NOISE_ACCOUNTS,
  PEOPLE,
  type Person,
  ROLES,
  type Role,
  SSO,
  USERS,
  workloadsOf,
} from './org.js';
import type { Prng } from './prng.js';

const q = JSON.stringify;

const SDK_JS_UA =
  'aws-sdk-js/3.637.0 ua/2.1 os/linux#5.10.223-211.872.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/';
const BOTO_UA =
  'Boto3/1.35.10 md/Botocore#1.35.10 ua/2.0 os/linux#5.10.223 md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.10';

/** An activity: records starting at second `t`, at most `budget` of them. */
export type Activity = (t: number, budget: number) => Draft[];

interface WorkloadState {
  session: RoleSession;
  principal: Principal;
  /** Principal for KMS calls S3 makes on behalf of the session. */
  viaS3: Principal;
}

function weighted<T>(rng: Prng, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rng.next() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

/** The organisation's mutable state during a run (current workload sessions, policy versions). */
export class World implements CiWorld {
  private readonly workloads = new Map<string, WorkloadState>();
  readonly apiReadConfig = { version: 4 };
  private readonly svcLegacy: Principal;

  constructor(readonly rng: Prng) {
    this.svcLegacy = userPrincipal(USERS.legacyReporting, '198.51.100.99', BOTO_UA);
  }

  region(a: Account): string {
    const rng = this.rng;
    let x = rng.next();
    for (let i = 0; i < a.regions.length; i++) {
      x -= a.regionWeights[i]!;
      if (x < 0) return a.regions[i]!;
    }
    return a.regions[0]!;
  }

  private sessionName(role: Role): string {
    const rng = this.rng;
    switch (role.service) {
      case 'lambda.amazonaws.com':
        return rng.pick(['billing-invoice-generator', 'billing-webhook-handler', 'billing-ledger-sync']);
      case 'ecs-tasks.amazonaws.com':
        return rng.hex(16);
      case 'ec2.amazonaws.com':
        return `i-0${rng.hex(8).slice(0, 16)}`;
      default:
        return 's3-replication';
    }
  }

  private install(role: Role, session: RoleSession): WorkloadState {
    const ip = NAT_IPS[role.account.key];
    const ua = role.service === 'lambda.amazonaws.com' ? `${SDK_JS_UA}s3#3.637.0` : BOTO_UA;
    const st: WorkloadState = {
      session,
      principal: assumedRolePrincipal(session, ip, ua),
      viaS3: assumedRolePrincipal(session, ip, ua, 's3.amazonaws.com'),
    };
    this.workloads.set(role.arn, st);
    return st;
  }

  /** Current session of a workload role (one that started before the window if none yet). */
  workload(role: Role, t: number): WorkloadState {
    const st = this.workloads.get(role.arn);
    if (st) return st;
    const rng = this.rng;
    return this.install(role, {
      role,
      sessionName: this.sessionName(role),
      accessKeyId: `ASIA${rng.upper(16)}`,
      created: t - rng.int(60, 3000),
    });
  }

  private noiseAccount(): Account {
    return ACCOUNTS[weighted(this.rng, NOISE_ACCOUNTS)];
  }

  private objectKey(): string {
    const rng = this.rng;
    return rng.pick([
      `exports/2026/part-${String(rng.int(0, 9999)).padStart(5, '0')}.parquet`,
      `uploads/${rng.hex(8)}/${rng.pick(['invoice', 'receipt', 'avatar', 'report'])}.${rng.pick(['pdf', 'png', 'json'])}`,
      `cache/${rng.hex(4)}/${rng.hex(8)}`,
      `config/${rng.pick(['features', 'limits', 'routes'])}.json`,
    ]);
  }

  /** S3 data event by a workload, with the SSE-KMS call S3 makes for it (most of the trail). */
  s3WithKms: Activity = (t, budget) => {
    const rng = this.rng;
    const acct = this.noiseAccount();
    const roles = workloadsOf(acct.key);
    if (roles.length === 0) return this.kmsService(t, budget);
    const role = rng.pick(roles);
    const st = this.workload(role, t);
    const region = this.region(acct);
    const bucket = rng.pick(buckets(acct));
    const key = this.objectKey();
    const name = rng.chance(0.62) ? 'GetObject' : rng.chance(0.85) ? 'PutObject' : 'HeadObject';
    const out: Draft[] = [s3Object(rng, t, acct, region, st.principal, name, bucket, key)];
    if (name !== 'HeadObject' && budget > 1 && rng.chance(0.9)) {
      out.push(
        kmsForS3(
          rng,
          t,
          acct,
          region,
          st.viaS3,
          name === 'GetObject' ? 'Decrypt' : 'GenerateDataKey',
          kmsKeyArn(acct, region),
          bucket,
          key,
        ),
      );
    }
    return out;
  };

  /** KMS calls services make for themselves (CloudTrail log encryption, Secrets Manager, EBS). */
  kmsService: Activity = (t) => {
    const rng = this.rng;
    const acct = this.noiseAccount();
    const region = this.region(acct);
    const svc = weighted(rng, [
      ['cloudtrail.amazonaws.com', 3],
      ['secretsmanager.amazonaws.com', 2],
      ['ec2.amazonaws.com', 1],
    ] as const);
    const ctx =
      svc === 'cloudtrail.amazonaws.com'
        ? `{"aws:cloudtrail:arn":"arn:aws:cloudtrail:us-east-1:${ACCOUNTS.mgmt.id}:trail/org-trail"}`
        : svc === 'secretsmanager.amazonaws.com'
          ? `{"SecretARN":"arn:aws:secretsmanager:${region}:${acct.id}:secret:${acct.name}/db-credentials-AbCdEf","SecretVersionId":"${rng.uuid()}"}`
          : `{"aws:ebs:id":"vol-0${rng.hex(8).slice(0, 16)}"}`;
    const name =
      svc === 'cloudtrail.amazonaws.com'
        ? 'GenerateDataKey'
        : rng.chance(0.7)
          ? 'Decrypt'
          : 'GenerateDataKey';
    return [kmsByService(rng, t, acct, region, svc, name, kmsKeyArn(acct, region), ctx)];
  };

  /** An AWS service assumes a workload role (Lambda cold start, ECS task, EC2 refresh). */
  serviceAssume: Activity = (t) => {
    const rng = this.rng;
    const acct = this.noiseAccount();
    const roles = workloadsOf(acct.key);
    if (roles.length === 0) return this.kmsService(t, 1);
    const role = rng.pick(roles);
    const { draft, session } = assumeRoleByService(
      rng,
      t,
      this.region(acct),
      role,
      role.service!,
      this.sessionName(role),
    );
    this.install(role, session);
    return [draft];
  };

  /** Reads workloads make all day: EC2 Describe*, CloudWatch metrics, Logs, Secrets, SSM, ECR. */
  workloadCall: Activity = (t) => {
    const rng = this.rng;
    const acct = this.noiseAccount();
    const roles = workloadsOf(acct.key);
    if (roles.length === 0) return this.kmsService(t, 1);
    const role = rng.pick(roles);
    const st = this.workload(role, t);
    const region = this.region(acct);
    /** A call of the workload's session at `t`. */
    const byWorkload = (service: string, name: string, readOnly: boolean, req: string) =>
      simple(rng, t, acct, region, st.principal, service, name, readOnly, req);
    const kind = weighted(rng, [
      ['ec2', 10],
      ['monitoring', 5],
      ['logs', 3],
      ['secrets', 3],
      ['ssm', 2],
      ['ecr', 2],
    ] as const);
    switch (kind) {
      case 'ec2': {
        const name = rng.pick([
          'DescribeInstances',
          'DescribeTags',
          'DescribeVolumes',
          'DescribeInstanceStatus',
          'DescribeNetworkInterfaces',
        ]);
        const req =
          name === 'DescribeInstances'
            ? `{"instancesSet":{"items":[{"instanceId":"i-0${rng.hex(8).slice(0, 16)}"}]},"filterSet":{}}`
            : '{"filterSet":{}}';
        return [byWorkload('ec2', name, true, req)];
      }
      case 'monitoring':
        return [
          byWorkload('monitoring', 'PutMetricData', false, `{"namespace":"${acct.name}/${role.name}"}`),
        ];
      case 'logs':
        return [
          byWorkload(
            'logs',
            'CreateLogStream',
            false,
            `{"logGroupName":"/aws/${role.name}","logStreamName":"${iso8(t)}/[$LATEST]${rng.hex(16)}"}`,
          ),
        ];
      case 'secrets':
        return [
          byWorkload(
            'secretsmanager',
            'GetSecretValue',
            true,
            `{"secretId":"arn:aws:secretsmanager:${region}:${acct.id}:secret:${acct.name}/db-credentials-AbCdEf"}`,
          ),
        ];
      case 'ssm':
        return [
          byWorkload(
            'ssm',
            'GetParameter',
            true,
            `{"name":"/${acct.name}/${role.name}/config","withDecryption":true}`,
          ),
        ];
      default:
        return [byWorkload('ecr', 'GetAuthorizationToken', true, '{}')];
    }
  };

  /** The legacy IAM user reading an export with its access key. */
  legacyUser: Activity = (t) => {
    const rng = this.rng;
    const acct = USERS.legacyReporting.account;
    return [
      s3Object(rng, t, acct, 'us-east-1', this.svcLegacy, 'GetObject', buckets(acct)[1]!, this.objectKey()),
    ];
  };

  /** A person signs in through IAM Identity Center and looks around (read-only or non-IAM). */
  humanSession: Activity = (t, budget) => {
    const rng = this.rng;
    const person: Person = rng.pick(PEOPLE);
    const acctKey: AccountKey = rng.pick(person.accounts);
    const acct = ACCOUNTS[acctKey];
    const set = rng.pick(person.sets);
    const role = SSO[acctKey][set];
    const { draft, session } = assumeRoleWithSaml(rng, t, role, person.email, person.ip, person.ua);
    const out: Draft[] = [draft];
    const region = this.region(acct);
    const n = Math.min(budget - 1, rng.int(3, 14));
    let tt = t;
    const calls: ReadonlyArray<readonly [string, string, boolean, number]> = [
      ['ec2', 'DescribeInstances', true, 6],
      ['ec2', 'DescribeSecurityGroups', true, 2],
      ['ec2', 'DescribeVpcs', true, 1],
      ['s3', 'ListBuckets', true, 3],
      ['logs', 'DescribeLogGroups', true, 3],
      ['logs', 'FilterLogEvents', true, 4],
      ['logs', 'StartQuery', false, 1],
      ['monitoring', 'GetMetricData', true, 4],
      ['monitoring', 'DescribeAlarms', true, 2],
      ['ecs', 'DescribeServices', true, 3],
      ['ecs', 'ListClusters', true, 1],
      ['lambda', 'ListFunctions20150331', true, 2],
      ['cloudformation', 'DescribeStacks', true, 2],
      ['iam', 'ListRoles', true, 1],
      ['iam', 'GetRole', true, 1],
      ['sts', 'GetCallerIdentity', true, 2],
      ['dynamodb', 'DescribeTable', true, 1],
      ['ce', 'GetCostAndUsage', true, acctKey === 'mgmt' ? 4 : 0.2],
      ['organizations', 'ListAccounts', true, acctKey === 'mgmt' ? 4 : 0],
    ];
    for (let i = 0; i < n; i++) {
      tt += rng.int(2, 150);
      const [svc, name, ro] = weighted(
        rng,
        calls.map((c) => [c, c[3]] as const),
      );
      const who = assumedRolePrincipal(session, person.ip, cliUa(person, `${svc}.${name}`));
      let req: string | undefined;
      if (name === 'GetRole')
        req = `{"roleName":${q(rng.pick([ROLES.prodApiTask.name, ROLES.prodBillingLambda.name]))}}`;
      else if (name === 'FilterLogEvents' || name === 'StartQuery')
        req = `{"logGroupName":"/aws/${rng.pick(['ecs/api', 'lambda/billing-invoice-generator', 'lambda/billing-webhook-handler'])}"}`;
      else if (name === 'DescribeServices') req = `{"cluster":"${acct.name}","services":["api"]}`;
      else if (name === 'ListBuckets') req = `{"Host":"s3.${region}.amazonaws.com"}`;
      out.push(simple(rng, tt, acct, region, who, svc, name, ro, req));
    }
    // A developer occasionally scales a service (non-IAM write).
    if (set === 'developer' && out.length < budget && rng.chance(0.15)) {
      tt += rng.int(5, 60);
      const who = assumedRolePrincipal(session, person.ip, cliUa(person, 'ecs.update-service'));
      out.push(
        simple(
          rng,
          tt,
          acct,
          region,
          who,
          'ecs',
          'UpdateService',
          false,
          `{"cluster":"${acct.name}","service":"api","desiredCount":${rng.int(2, 8)}}`,
        ),
      );
    }
    return out;
  };
}

function iso8(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10).replaceAll('-', '/');
}

/**
 * The benign mix: activity, weight (sessions per unit of time), and whether it follows office
 * hours. Weights were tuned so that the record mix matches the proportions documented in
 * README.md (measured there).
 */
export function benignMix(
  w: World,
): ReadonlyArray<{ name: string; run: Activity; weight: number; office: boolean }> {
  return [
    { name: 's3-with-kms', run: w.s3WithKms, weight: 30, office: false },
    { name: 'kms-by-service', run: w.kmsService, weight: 11, office: false },
    { name: 'service-assume-role', run: w.serviceAssume, weight: 9, office: false },
    { name: 'workload-calls', run: w.workloadCall, weight: 22, office: false },
    { name: 'legacy-user', run: w.legacyUser, weight: 0.6, office: false },
    { name: 'sso-human', run: w.humanSession, weight: 0.75, office: true },
    ...CI_ACTIVITIES.map((spec) => ({
      name: spec.name,
      run: (t: number, budget: number) => runCiActivity(spec, w, t, budget),
      weight: spec.weight,
      office: true,
    })),
  ];
}

export { servicePrincipal };
