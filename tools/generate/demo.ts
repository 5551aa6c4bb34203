/**
 * The demo profile: one working day of the synthetic organisation (about 5,000 records in
 * about 30 objects) with a handful of planted incidents at fixed times, and the README that
 * documents them. `iamwatch generate --profile demo --out examples/demo --force` rewrites it.
 */
import type { GenerateOptions, Generation } from './generator.js';

export const DEMO_OPTIONS: GenerateOptions = {
  events: 5000,
  seed: 'iamwatch-demo-2026-05-12',
  start: '2026-05-12T00:00:00Z',
  days: 1,
  attacks: [
    'break-glass-in-incident',
    'oidc-pr-to-deploy',
    'admin-policy-attached',
    'key-for-other-user',
    'break-glass-outside-incident',
    'root-console-login',
    'chained-pr-to-apply',
    'ci-token-reused',
  ],
  plantAt: [
    { scenario: 'break-glass-in-incident', at: '2026-05-12T03:20:00Z' },
    { scenario: 'oidc-pr-to-deploy', at: '2026-05-12T10:42:00Z' },
    { scenario: 'admin-policy-attached', at: '2026-05-12T11:31:00Z' },
    { scenario: 'key-for-other-user', at: '2026-05-12T14:07:00Z' },
    { scenario: 'break-glass-outside-incident', at: '2026-05-12T16:55:00Z' },
    { scenario: 'root-console-login', at: '2026-05-12T20:14:00Z' },
    { scenario: 'chained-pr-to-apply', at: '2026-05-12T09:12:00Z' },
    { scenario: 'ci-token-reused', at: '2026-05-12T15:36:00Z' },
  ],
  recordsPerObject: [120, 260],
};

/** README.md of examples/demo, listing the planted incidents of `gen` (after generation). */
export function demoReadme(gen: Generation): string {
  const s = gen.stats;
  const rows = gen.scenarios
    .map((p) => {
      const al = p.alerting.map(
        (a) =>
          `\`${a.eventId}\` (${a.eventName}) → ${a.rules.map((r) => `\`${r}\``).join(' + ')}${a.severity ? ` at **${a.severity}**` : ''}`,
      );
      return `| ${p.eventTime} | \`${p.scenario}\` | ${p.description} | ${al.join('<br>')} |`;
    })
    .join('\n');
  const sources = Object.entries(s.bySource)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `| ${k} | ${v} | ${((100 * v) / s.records).toFixed(1)}% |`)
    .join('\n');
  return `# Demo archive: one day of a small organisation

Generated, not hand-written: \`node bin/iamwatch.mjs generate --profile demo --out examples/demo --force\`
rewrites every file here byte for byte (fixed seed \`${gen.options.seed}\`). \`npm run demo\` replays it:

\`\`\`
node bin/iamwatch.mjs replay examples/demo/cloudtrail --baseline examples/demo/baseline.yaml --format table
\`\`\`

## What is in it

${s.records} CloudTrail records of ${gen.options.start.slice(0, 10)} in ${s.objects} gzip objects under
\`cloudtrail/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/\`, laid out as CloudTrail writes them to S3.
Four accounts (111122223333 production, 444455556666 staging, 777788889999 shared-services,
999988887777 management) in us-east-1, eu-west-1 and us-west-2:

* GitHub Actions deploys through OIDC (\`gha-deploy-api\`, \`gha-deploy-web\` with a custom subject template
  carrying \`job_workflow_ref\`, \`gha-publish-images\` on tags), GitLab CI deploying the billing Lambdas
  (\`gitlab-deploy-billing\`), HCP Terraform plans and applies (\`terraform-plan\`, \`terraform-apply\`), the
  apply changing IAM (PutRolePolicy, AttachRolePolicy, CreatePolicyVersion with raw JSON policy documents);
* people signing in through IAM Identity Center (AssumeRoleWithSAML) and reading (or scaling an ECS service);
* the service noise that dominates real trails: S3 data events with the KMS calls S3 makes for them, KMS by
  CloudTrail and Secrets Manager, STS AssumeRole by Lambda/ECS/EC2, EC2 Describe*, CloudWatch, Logs, SSM,
  Secrets Manager, ECR.

\`baseline.yaml\` declares every identity the benign traffic uses (owners, purposes, OIDC subjects and
workflows, break-glass callers), a suppression for Terraform's IAM edits (\`policy-modified\` by the iac role
is \`info\` anyway), and the incident window INC-4711 for the break-glass role. Benign traffic raises nothing
at the demo's minimum severity \`low\`.

| eventSource | records | share |
|---|---:|---:|
${sources}

## Planted incidents

\`alerting\` lists the records that raise findings (before dedupe, i.e. \`replay --no-dedupe\`); the other
records of a scenario (the SSO sign-in before it, follow-up calls) raise nothing. Machine-readable copy:
\`scenarios.json\`.

| time (UTC) | scenario | what happened | eventId → expected rules |
|---|---|---|---|
${rows}

Severities as the catalogue defines them: \`oidc-untrusted-context\` critical, \`oidc-unexpected-subject\`
critical (production role), \`access-key-created\` critical (for another user), \`break-glass-used\` critical
outside an incident and low inside INC-4711, \`policy-modified\` medium and \`privilege-escalation\` critical
(AdministratorAccess), \`root-activity\` critical and \`console-login-without-mfa\` high.

All values are documentation values: accounts 111122223333-style, addresses from 192.0.2.0/24 (office),
198.51.100.0/24 (VPN, CI runners, NAT) and 203.0.113.0/24 (attackers), e-mail addresses at example.com.
`;
}
