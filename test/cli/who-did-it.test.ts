/**
 * Issue 10 item 5: the human of an SSO or federated session is visible in the alert JSON, the table, Slack and
 * the text rendering, and runbook placeholders are filled. End to end through `iamwatch replay`.
 *
 * Records: AttachRolePolicy made from an IAM Identity Center session, shaped like the AWS documentation's
 * CloudTrail `userIdentity` for IAM Identity Center role sessions (AssumedRole whose session issuer is the
 * `aws-reserved/sso.amazonaws.com/AWSReservedSSO_<permission set>_<id>` role and whose session name is the
 * user's name) with documentation account ids and addresses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { renderSlackMessage } from '../../shared/core/alert/render-slack.js';
import { renderAlertLine, renderAlertText } from '../../shared/core/alert/render-text.js';
import { textFields } from '../delivery/helpers.js';
import { runCli } from '../helpers/cli.js';

const ACCOUNT = '111122223333';
const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
const SSO_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`;

function ssoRecord(sessionName: string, eventId: string, eventTime: string) {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLEID123456789:${sessionName}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${SSO_ROLE}/${sessionName}`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLEKEY123456',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID123456789',
          arn: SSO_ROLE_ARN,
          accountId: ACCOUNT,
          userName: SSO_ROLE,
        },
        attributes: { creationDate: '2026-03-02T09:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime,
    eventSource: 'iam.amazonaws.com',
    eventName: 'PutRolePolicy',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: {
      roleName: 'app-reader',
      policyName: 'inline',
      policyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    },
    responseElements: null,
    requestID: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

const BASELINE = `version: 1
accounts:
  "${ACCOUNT}": { name: prod }
teams:
  security: { slack: "env:SLACK_SECURITY" }
defaults: { team: security }
identities:
  - arn: arn:aws:iam::${ACCOUNT}:role/app-reader
    kind: workload
    owner: data-team
    purpose: reads reports
    review_after: 2027-01-01
`;

const HOSTILE =
  'eve\n[CRITICAL] forged line <!channel> <@U0123ABC> <https://evil.example|click> *b* \u001b[31m\u202Eend';

async function replay(records: unknown[], format: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-who-'));
  writeFileSync(path.join(dir, 'trail.json'), JSON.stringify({ Records: records }));
  writeFileSync(path.join(dir, 'baseline.yaml'), BASELINE);
  return runCli(
    [
      'replay',
      path.join(dir, 'trail.json'),
      '--baseline',
      path.join(dir, 'baseline.yaml'),
      '--format',
      format,
      '--quiet',
    ],
    {
      cwd: dir,
    },
  );
}

/** The text of one column of the first row (row and continuation lines), spaces removed. */
function columnText(table: string, name: string, next: string | null): string {
  const [header, ...lines] = table.split('\n');
  const from = header!.indexOf(name);
  const to = next ? header!.indexOf(next) : undefined;
  const row: string[] = [];
  for (const [i, l] of lines.entries()) {
    if (i > 0 && !/^ {20}/.test(l)) break; // the next row
    if (/^ {4}\S/.test(l)) break; // reasons under the row
    row.push(l.slice(from, to));
  }
  return row.join('').replace(/\s+/g, '');
}

describe('alerts show who did it', () => {
  it('JSON actor carries session name, role name and account name; runbook placeholders are filled', async () => {
    const run = await replay(
      [ssoRecord('alice@acme.com', '6a7e8feb-b491-4cf7-a9f1-bf3703467718', '2026-03-02T10:00:00Z')],
      'jsonl',
    );
    expect(run.code).toBe(0);
    const alerts = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    const a = alerts.find((x) => x.rule === 'policy-modified')!;
    expect(a).toBeDefined();
    expect(a.actor).toMatchObject({
      type: 'AssumedRole',
      arn: SSO_ROLE_ARN,
      sessionName: 'alice@acme.com',
      roleName: SSO_ROLE,
      accountId: ACCOUNT,
      accountName: 'prod',
    });
    expect(a.accountName).toBe('prod');
    expect(a.runbook).toBe(
      // Every alert's runbook ends with the trace of the session that acted (issue 13).
      `iamwatch baseline show ${SSO_ROLE_ARN}; match the change to a reviewed pull request or change ticket; iamwatch trace ASIAEXAMPLEKEY123456`,
    );
    for (const x of alerts)
      expect(x.runbook ?? '').not.toMatch(/<(role|identity|actor|user|subject|target|key)>/);

    // Slack and the text rendering show the person, the role and the account name.
    const slack = textFields(renderSlackMessage(a)).join('\n');
    expect(slack).toContain('alice@acme.com');
    expect(slack).toContain(SSO_ROLE);
    expect(slack).toContain('prod (111122223333)');
    expect(renderSlackMessage(a).text).toContain('by alice@acme.com');
    expect(slack).not.toContain('<actor>');
    const text = renderAlertText(a);
    expect(text).toContain('session:    alice@acme.com');
    expect(text).toContain(`role:       ${SSO_ROLE}`);
    expect(text).toContain('account:    prod (111122223333)');
    expect(renderAlertLine(a)).toContain('by alice@acme.com');
  });

  it('the table shows the person, the role and the account name', async () => {
    const run = await replay(
      [ssoRecord('alice@acme.com', '6a7e8feb-b491-4cf7-a9f1-bf3703467718', '2026-03-02T10:00:00Z')],
      'table',
    );
    expect(run.code).toBe(0);
    expect(columnText(run.stdout, 'ACTOR', 'TARGET')).toBe(`alice@acme.comvia${SSO_ROLE}@prod`);
    expect(columnText(run.stdout, 'TARGET', null)).toBe('role/app-reader@prod');
    for (const l of run.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('a hostile session name is data: no markup, mention, link or new line in JSON runbook, Slack, table or text', async () => {
    const records = [ssoRecord(HOSTILE, '7b8f9fec-c5a2-4d08-b0a2-c04814578829', '2026-03-02T10:00:00Z')];
    const json = await replay(records, 'jsonl');
    expect(json.code).toBe(0);
    const alerts = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a.actor.sessionName).toBe(HOSTILE); // the JSON keeps the data as it was
      expect(a.runbook ?? '').not.toMatch(/[\n\r\u001b\u202e]/);
      const msg = renderSlackMessage(a);
      for (const t of textFields(msg)) {
        expect(t).not.toContain('<!');
        expect(t).not.toContain('<@');
        expect(t).not.toContain('<http');
        expect(t).not.toContain('https://evil');
        expect(t).not.toMatch(/[\r\u001b\u202e]/);
        expect(t).not.toMatch(/\n\[CRITICAL\] forged/);
      }
      expect(renderAlertLine(a)).not.toMatch(/[\n\r\u001b\u202e]/);
      expect(renderAlertText(a)).not.toMatch(/\n\[CRITICAL\] forged/);
    }
    const table = await replay(records, 'table');
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/[\r\u001b\u202e]/);
    expect(table.stdout).not.toMatch(/^\[CRITICAL\] forged/m);
    expect(table.stdout).not.toMatch(/^\s*\[CRITICAL\]/m);
  });
});

describe('runbook placeholders over the public samples', () => {
  it('only <file> and <archive> (which the event cannot know) are left', async () => {
    const root = path.join(import.meta.dirname, '../..');
    const run = await runCli(
      [
        'replay',
        path.join(root, 'test/fixtures/cloudtrail-public'),
        '--baseline',
        path.join(root, 'shared/core/rules/_baselines/org.yaml'),
        '--quiet',
        '--no-dedupe',
      ],
      { cwd: root },
    );
    expect(run.code).toBe(0);
    const alerts = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    expect(alerts.length).toBeGreaterThan(10);
    const left = new Set(alerts.flatMap((a) => a.runbook?.match(/<[a-z-]+>/g) ?? []));
    expect([...left].filter((p) => p !== '<file>' && p !== '<archive>')).toEqual([]);
    expect(alerts.some((a) => /iamwatch baseline (show|seen) (arn:|')/.test(a.runbook ?? ''))).toBe(true);
  });
});
