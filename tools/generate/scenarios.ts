/**
 * Attack scenarios the generator can plant (`--attacks`), modelled on Stratus Red Team
 * techniques and OIDC abuse. Each returns its records and, per record that a rule should
 * flag, the expected rule ids (findings before dedupe, i.e. as `replay --no-dedupe` sees them).
 */
import {
  assumedRolePrincipal,
  type Draft,
  type Principal,
  rootPrincipal,
  userPrincipal,
} from './cloudtrail.js';
import {
  assumeRoleBySession,
  assumeRoleWithSaml,
  assumeRoleWithWebIdentity,
  attachRolePolicy,
  consoleLogin,
  createAccessKey,
  createLoginProfile,
  getFederationToken,
  iam,
  simple,
  stopLogging,
  updateAssumeRolePolicy,
} from './events.js';
import {
  ACCOUNTS,
  ATTACKER_IPS,
  BROWSER_UA,
  CONSOLE_UA,
  FOREIGN_ACCOUNT,
  GITHUB_PROVIDER,
  ORG,
  ROLES,
  RUNNER_IPS,
  SSO,
  USERS,
} from './org.js';
import type { Prng } from './prng.js';

export const SCENARIO_NAMES = [
  'oidc-pr-to-deploy',
  'oidc-foreign-repo',
  'oidc-retry-storm',
  'key-for-other-user',
  'admin-policy-attached',
  'break-glass-outside-incident',
  'break-glass-in-incident',
  'backdoor-role-trust',
  'root-console-login',
  'stop-logging',
  'login-profile-other-user',
  'federation-token',
  'chained-pr-to-apply',
  'ci-token-reused',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** A record of a planted scenario that should raise findings. */
export interface ExpectedFinding {
  eventId: string;
  eventName: string;
  rules: string[];
  /** Severity expected when it is not the rule's usual one (e.g. `low` inside an incident window). */
  severity?: string;
}

export interface PlantedScenario {
  scenario: ScenarioName;
  description: string;
  occurrence: number;
  eventTime: string;
  account: string;
  /** Every record of the scenario, in time order (some, like the SAML sign-in, raise nothing). */
  eventIds: string[];
  /** The records that raise findings, with their rule ids (before dedupe). */
  alerting: ExpectedFinding[];
  note?: string;
  /**
   * Session lineage expected on the last alerting record (issue 13): the roles of the chain from the origin,
   * how the origin was obtained and its subject.
   */
  lineage?: { roles: string[]; via: string; subject: string };
}

export interface ScenarioOutput {
  drafts: Draft[];
  alerting: ExpectedFinding[];
  description: string;
  note?: string;
  lineage?: { roles: string[]; via: string; subject: string };
}

const GHA_UA = 'aws-sdk-nodejs/2.1691.0 linux/v20.17.0 configure-aws-credentials-for-github-actions promise';
const ATTACKER_CLI =
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.15-amd64 exe/x86_64.kali.2024 prompt/off command/';

function expect(d: Draft, rules: string[], severity?: string): ExpectedFinding {
  return severity
    ? { eventId: d.eventId, eventName: d.eventName, rules, severity }
    : { eventId: d.eventId, eventName: d.eventName, rules };
}

/** An SSO AdministratorAccess session in production, signed in from `ip` (a stolen or misused session). */
function adminSession(rng: Prng, t: number, email: string, ip: string, ua: string) {
  return assumeRoleWithSaml(rng, t, SSO.prod.admin, email, ip, ua);
}

/** Build the records of one occurrence of `name` starting at second `t`. */
export function buildScenario(rng: Prng, name: ScenarioName, t: number): ScenarioOutput {
  const prod = ACCOUNTS.prod;
  const attackerIp = rng.pick(ATTACKER_IPS);
  switch (name) {
    case 'oidc-pr-to-deploy': {
      const { draft, session } = assumeRoleWithWebIdentity(rng, {
        t,
        region: 'us-east-1',
        role: ROLES.prodGhaApi,
        provider: GITHUB_PROVIDER,
        subject: `repo:${ORG}/api:pull_request`,
        sessionName: 'GitHubActions',
        ip: '198.51.100.177',
        ua: GHA_UA,
      });
      const who = assumedRolePrincipal(session!, '198.51.100.177', `${ATTACKER_CLI}sts.get-caller-identity`);
      const d2 = simple(rng, t + 4, prod, 'us-east-1', who, 'sts', 'GetCallerIdentity', true);
      const d3 = simple(rng, t + 9, prod, 'us-east-1', who, 'secretsmanager', 'ListSecrets', true, '{}');
      return {
        drafts: [draft, d2, d3],
        alerting: [expect(draft, ['oidc-untrusted-context', 'oidc-unexpected-subject'])],
        description:
          'A pull_request workflow of example-org/api assumed the production deploy role (trust policy allowed repo:example-org/api:*).',
      };
    }
    case 'oidc-foreign-repo': {
      const { draft } = assumeRoleWithWebIdentity(rng, {
        t,
        region: 'us-east-1',
        role: ROLES.prodGhaApi,
        provider: GITHUB_PROVIDER,
        subject: 'repo:examp1e-org/api:ref:refs/heads/main',
        sessionName: 'GitHubActions',
        ip: attackerIp,
        ua: GHA_UA,
      });
      return {
        drafts: [draft],
        alerting: [expect(draft, ['oidc-unexpected-subject'])],
        description:
          'A look-alike repository (examp1e-org/api) assumed the production deploy role through a wildcard trust.',
      };
    }
    case 'oidc-retry-storm': {
      const drafts: Draft[] = [];
      const subject = `repo:${ORG}/experiments:ref:refs/heads/try-oidc`;
      let tt = t;
      for (let i = 0; i < 12; i++) {
        const { draft } = assumeRoleWithWebIdentity(rng, {
          t: tt,
          region: 'us-east-1',
          role: ROLES.prodGhaApi,
          provider: GITHUB_PROVIDER,
          subject,
          sessionName: 'GitHubActions',
          ip: '198.51.100.131',
          ua: GHA_UA,
          error: {
            code: 'AccessDenied',
            message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
            roleArnNull: i % 4 === 3,
          },
        });
        drafts.push(draft);
        tt += Math.min(2 ** i, 30) + rng.int(0, 2);
      }
      return {
        drafts,
        alerting: drafts.map((d) => expect(d, ['oidc-assume-failed'])),
        description:
          'One GitHub Actions job of example-org/experiments retried AssumeRoleWithWebIdentity 12 times and was denied each time.',
        note: 'oidc-assume-failed aggregates the 12 failures per provider+subject: with dedupe, expect one alert with count 12.',
      };
    }
    case 'key-for-other-user': {
      const { draft: saml, session } = adminSession(rng, t, 'alice@example.com', attackerIp, BROWSER_UA);
      const who = assumedRolePrincipal(session, attackerIp, CONSOLE_UA);
      const d = createAccessKey(rng, t + 40, prod, who, USERS.legacyReporting.name);
      return {
        drafts: [saml, d],
        alerting: [expect(d, ['access-key-created'])],
        description:
          'An SSO administrator session created a new access key for the IAM user svc-legacy-reporting (aws.persistence.iam-backdoor-user).',
      };
    }
    case 'admin-policy-attached': {
      const { draft: saml, session } = adminSession(rng, t, 'bob@example.com', '192.0.2.23', BROWSER_UA);
      const who = assumedRolePrincipal(session, '192.0.2.23', CONSOLE_UA);
      const d = attachRolePolicy(
        rng,
        t + 65,
        prod,
        who,
        ROLES.prodApiTask.name,
        'arn:aws:iam::aws:policy/AdministratorAccess',
      );
      return {
        drafts: [saml, d],
        alerting: [expect(d, ['policy-modified', 'privilege-escalation'])],
        description: 'A person attached AdministratorAccess to the api task role from the console.',
      };
    }
    case 'break-glass-outside-incident':
    case 'break-glass-in-incident': {
      const inside = name === 'break-glass-in-incident';
      const email = inside ? 'alice@example.com' : 'bob@example.com';
      const ip = inside ? '192.0.2.10' : '192.0.2.23';
      const { draft: saml, session } = adminSession(rng, t, email, ip, BROWSER_UA);
      const caller: Principal = assumedRolePrincipal(session, ip, `${ATTACKER_CLI}sts.assume-role`);
      const { draft: assume, session: bg } = assumeRoleBySession(
        rng,
        t + 30,
        'us-east-1',
        caller,
        ROLES.prodBreakGlass,
        email.split('@')[0]!,
      );
      const who = assumedRolePrincipal(bg, ip, `${ATTACKER_CLI}iam.list-roles`);
      const d1 = iam(rng, t + 45, prod, who, 'ListRoles', true, '{}');
      const d2 = simple(
        rng,
        t + 80,
        prod,
        'us-east-1',
        assumedRolePrincipal(bg, ip, `${ATTACKER_CLI}ec2.describe-instances`),
        'ec2',
        'DescribeInstances',
        true,
        '{"filterSet":{}}',
      );
      const rules = ['break-glass-used'];
      const sev = inside ? 'low' : undefined;
      return {
        drafts: [saml, assume, d1, d2],
        alerting: [expect(assume, rules, sev), expect(d1, rules, sev), expect(d2, rules, sev)],
        description: inside
          ? 'The break-glass role used inside the declared incident window INC-4711 (baseline incidents): still delivered, at low severity.'
          : 'The break-glass role assumed and used with no incident declared.',
        ...(inside ? { note: 'Inside a declared window: break-glass-used at low severity only.' } : {}),
      };
    }
    case 'backdoor-role-trust': {
      const { draft: saml, session } = adminSession(rng, t, 'alice@example.com', attackerIp, BROWSER_UA);
      const who = assumedRolePrincipal(session, attackerIp, `${ATTACKER_CLI}iam.update-assume-role-policy`);
      const d = updateAssumeRolePolicy(rng, t + 50, prod, who, ROLES.prodApiTask.name, {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${FOREIGN_ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      });
      return {
        drafts: [saml, d],
        alerting: [expect(d, ['trust-policy-modified', 'trust-policy-weak'])],
        description:
          'The trust policy of the api task role now also trusts an account outside the organisation (aws.persistence.iam-backdoor-role).',
      };
    }
    case 'root-console-login': {
      const who = rootPrincipal(ACCOUNTS.mgmt, attackerIp, BROWSER_UA);
      const d = consoleLogin(rng, t, ACCOUNTS.mgmt, who, false);
      return {
        drafts: [d],
        alerting: [expect(d, ['root-activity', 'console-login-without-mfa'])],
        description: 'The root user of the management account signed in to the console without MFA.',
      };
    }
    case 'stop-logging': {
      const who = userPrincipal(USERS.legacyReporting, attackerIp, `${ATTACKER_CLI}cloudtrail.stop-logging`);
      const d = stopLogging(
        rng,
        t,
        prod,
        'us-east-1',
        who,
        `arn:aws:cloudtrail:us-east-1:${prod.id}:trail/account-trail`,
      );
      return {
        drafts: [d],
        alerting: [expect(d, ['logging-disabled'])],
        description:
          'The leaked key of svc-legacy-reporting stopped the account trail (aws.defense-evasion.cloudtrail-stop).',
      };
    }
    case 'login-profile-other-user': {
      const { draft: saml, session } = adminSession(rng, t, 'bob@example.com', attackerIp, BROWSER_UA);
      const who = assumedRolePrincipal(session, attackerIp, CONSOLE_UA);
      const d = createLoginProfile(rng, t + 35, prod, who, USERS.legacyReporting.name);
      return {
        drafts: [saml, d],
        alerting: [expect(d, ['login-profile-modified'])],
        description:
          'A console password was created for the IAM user svc-legacy-reporting (aws.persistence.iam-create-user-login-profile).',
      };
    }
    case 'federation-token': {
      const who = userPrincipal(USERS.legacyReporting, attackerIp, `${ATTACKER_CLI}sts.get-federation-token`);
      const d = getFederationToken(rng, t, prod, 'us-east-1', who, 'backup', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      });
      return {
        drafts: [d],
        alerting: [expect(d, ['federation-token-issued'])],
        description:
          'The leaked key of svc-legacy-reporting obtained a federation token (aws.persistence.sts-federation-token).',
      };
    }
    case 'chained-pr-to-apply': {
      // A pull request (here from a fork-like branch of example-org/api) gets the deploy role's session,
      // chains into terraform-apply and mints a key for a user: lineage names the PR token as the origin.
      const subject = `repo:${ORG}/api:pull_request`;
      const ip = rng.pick(RUNNER_IPS);
      const { draft: d1, session: s1 } = assumeRoleWithWebIdentity(rng, {
        t,
        region: 'us-east-1',
        role: ROLES.prodGhaApi,
        provider: GITHUB_PROVIDER,
        subject,
        sessionName: 'GitHubActions',
        ip,
        ua: GHA_UA,
      });
      const caller = assumedRolePrincipal(s1!, ip, `${ATTACKER_CLI}sts.assume-role`);
      const { draft: d2, session: s2 } = assumeRoleBySession(
        rng,
        t + 20,
        'us-east-1',
        caller,
        ROLES.prodTfApply,
        'GitHubActions',
      );
      const who = assumedRolePrincipal(s2, ip, `${ATTACKER_CLI}iam.create-access-key`);
      const d3 = createAccessKey(rng, t + 41, prod, who, USERS.legacyReporting.name);
      return {
        drafts: [d1, d2, d3],
        alerting: [
          expect(d1, ['oidc-untrusted-context', 'oidc-unexpected-subject']),
          expect(d2, ['role-unexpected-caller']),
          expect(d3, ['access-key-created']),
        ],
        description:
          'A pull_request workflow of example-org/api got the deploy role, chained into terraform-apply and created an access key for svc-legacy-reporting; the key creation names the pull request as its origin.',
        lineage: { roles: ['gha-deploy-api', 'terraform-apply'], via: 'oidc', subject },
      };
    }
    case 'ci-token-reused': {
      // A legitimate production deploy; its session credentials are then used from the attacker's network
      // to get a console sign-in token (stolen runner token).
      const subject = `repo:${ORG}/api:environment:production`;
      const ip = rng.pick(RUNNER_IPS);
      const { draft: d1, session } = assumeRoleWithWebIdentity(rng, {
        t,
        region: 'us-east-1',
        role: ROLES.prodGhaApi,
        provider: GITHUB_PROVIDER,
        subject,
        sessionName: 'GitHubActions',
        ip,
        ua: GHA_UA,
      });
      const who = assumedRolePrincipal(session!, attackerIp, 'python-requests/2.31.0');
      const d2 = simple(rng, t + 300, prod, 'us-east-1', who, 'signin', 'GetSigninToken', false, '{}', '{}');
      return {
        drafts: [d1, d2],
        alerting: [expect(d2, ['session-credentials-moved', 'session-to-console'])],
        description:
          "The production deploy role's session was used five minutes later from an attacker's address to get a console sign-in token.",
        lineage: { roles: ['gha-deploy-api'], via: 'oidc', subject },
      };
    }
  }
}

/** Number of records a scenario writes (for budget checks). */
export function scenarioSize(name: ScenarioName): number {
  switch (name) {
    case 'oidc-retry-storm':
      return 12;
    case 'break-glass-outside-incident':
    case 'break-glass-in-incident':
      return 4;
    case 'oidc-pr-to-deploy':
    case 'chained-pr-to-apply':
      return 3;
    case 'oidc-foreign-repo':
    case 'root-console-login':
    case 'stop-logging':
    case 'federation-token':
      return 1;
    default:
      return 2;
  }
}
