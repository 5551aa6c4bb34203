/**
 * The baseline file (contract version 1) that matches the synthetic organisation: every
 * role and user with owner, purpose, kind, environment, team and review date; OIDC subjects
 * and workflows; break-glass callers; teams routed through `env:` Slack references; the
 * Terraform suppression; and incident windows for planted in-incident break-glass use.
 */
import { iso } from './cloudtrail.js';
import { ACCOUNTS, AUDIENCE, ROLES, type Role, SSO, USERS, type User } from './org.js';

/** A declared incident window written to `incidents:`. */
export interface PlannedIncident {
  identity: string;
  ticket: string;
  /** Seconds since epoch. */
  from: number;
  until: number;
}

const q = JSON.stringify;

function day(t: number): string {
  return iso(t).slice(0, 10);
}

function identityYaml(x: Role | User, reviewAfter: string): string {
  const isRole = 'roleId' in x;
  const lines = [
    `  - arn: ${q(x.arn)}`,
    `    kind: ${x.kind}`,
    `    owner: ${x.owner}`,
    `    purpose: ${q(x.purpose)}`,
    `    environment: ${x.account.environment}`,
    `    team: ${x.team}`,
    `    review_after: ${reviewAfter}`,
  ];
  if (isRole && x.oidc) {
    lines.push('    oidc:');
    lines.push(`      - provider: ${x.oidc.provider}`);
    lines.push(`        audience: ${q(AUDIENCE[x.oidc.provider] ?? 'sts.amazonaws.com')}`);
    lines.push(`        subjects: [${x.oidc.subjects.map((s) => q(s)).join(', ')}]`);
    if (x.oidc.workflows) lines.push(`        workflows: [${x.oidc.workflows.map((s) => q(s)).join(', ')}]`);
    lines.push('        allow_pull_requests: false');
  }
  if (isRole && x.callers) lines.push(`    callers: [${x.callers.map((s) => q(s)).join(', ')}]`);
  return lines.join('\n');
}

/**
 * Render the baseline YAML. `endTime` is the last generated second: review dates and
 * expiries are placed after it so that benign traffic never looks overdue.
 */
export function renderBaseline(endTime: number, incidents: readonly PlannedIncident[]): string {
  const reviewAfter = day(endTime + 200 * 86400);
  const expires = day(endTime + 365 * 86400);
  const accounts = Object.values(ACCOUNTS)
    .map((a) => `  ${q(a.id)}: { name: ${a.name} }`)
    .join('\n');
  const roles: Array<Role | User> = [
    ...Object.values(ROLES),
    ...Object.values(USERS),
    ...Object.values(SSO).flatMap((s) => [s.admin, s.developer, s.readOnly]),
  ];
  const out = [
    '# Baseline of the synthetic organisation written by `iamwatch generate` (file contract version 1).',
    '# Every identity the generated benign traffic uses is declared here; planted attacks are not.',
    'version: 1',
    'accounts:',
    accounts,
    'teams:',
    '  platform: { slack: "env:IAMWATCH_SLACK_PLATFORM" }',
    '  payments: { slack: "env:IAMWATCH_SLACK_PAYMENTS" }',
    '  security: { slack: "env:IAMWATCH_SLACK_SECURITY" }',
    'defaults: { team: security }',
    'identities:',
    roles.map((r) => identityYaml(r, reviewAfter)).join('\n'),
    'suppressions:',
    '  - rule: policy-modified',
    '    actor: "arn:aws:iam::*:role/terraform-apply"',
    '    reason: "HCP Terraform owns IAM; changes are reviewed in the prod-iam and staging-iam workspaces"',
    '    owner: platform-team',
    `    expires: ${expires}`,
  ];
  if (incidents.length > 0) {
    out.push('incidents:');
    for (const i of incidents) {
      out.push(
        `  - { identity: ${q(i.identity)}, ticket: ${i.ticket}, from: ${iso(i.from)}, until: ${iso(i.until)} }`,
      );
    }
  } else {
    out.push('incidents: []');
  }
  return out.join('\n') + '\n';
}
