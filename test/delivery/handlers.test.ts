import type { SNSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDigestHandler } from '../../functions/digest/build-handler.js';
import { buildSlackNotifyHandler } from '../../functions/slack-notify/build-handler.js';
import { SlackWebhookSink } from '../../shared/adapters/slack-webhook.js';
import { createWebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import { DeliveryError } from '../../shared/app/deliver.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import type { BaselineIdentity } from '../../shared/core/baseline/types.js';
import {
  fakeTiming,
  MemoryDeadLetters,
  makeAlert,
  memoryLog,
  type SlackStandIn,
  startSlackStandIn,
  textFields,
} from './helpers.js';

function snsEvent(...messages: Array<{ id: string; body: string }>): SNSEvent {
  return {
    Records: messages.map((m) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:iamwatch-prod-alerts:sub',
      Sns: {
        Type: 'Notification',
        MessageId: m.id,
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:iamwatch-prod-alerts',
        Subject: 'x',
        Message: m.body,
        Timestamp: '2026-03-02T10:15:31.000Z',
        SignatureVersion: '1',
        Signature: 'x',
        SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/x.pem',
        UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
        MessageAttributes: {},
      },
    })),
  };
}

let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(async () => {
  await slack.close();
});

function slackSink() {
  const resolver = createWebhookResolver({
    teams: async () => ({ teams: { platform: { slack: `${slack.url}/platform` } }, defaultTeam: 'platform' }),
    allowLoopbackHttp: true,
  });
  return new SlackWebhookSink({ resolver, timing: fakeTiming(), retry: { maxAttempts: 2 } });
}

describe('slack-notify handler', () => {
  it('posts once per alert id under duplicate SNS deliveries, with the event id as correlation id', async () => {
    const correlation: string[] = [];
    const dlq = new MemoryDeadLetters();
    const handler = buildSlackNotifyHandler({
      slack: slackSink(),
      deadLetter: dlq,
      log: memoryLog(),
      setCorrelationId: (id) => correlation.push(id),
    });
    const body = JSON.stringify(makeAlert());
    const r1 = await handler(snsEvent({ id: 'm1', body }, { id: 'm2', body }));
    const r2 = await handler(snsEvent({ id: 'm3', body })); // redelivery to the same container
    expect(slack.accepted).toHaveLength(1);
    expect(r1).toEqual({ received: 2, posted: 1, duplicates: 1, malformed: 0, deadLettered: 0 });
    expect(r2.duplicates).toBe(1);
    expect(correlation[0]).toBe('3b1a2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
  });

  it('uses claimDelivery across containers', async () => {
    const claimed = new Set<string>();
    const claimDelivery = async (id: string): Promise<'new' | 'duplicate'> => {
      if (claimed.has(id)) return 'duplicate';
      claimed.add(id);
      return 'new';
    };
    const body = JSON.stringify(makeAlert());
    const containerA = buildSlackNotifyHandler({
      slack: slackSink(),
      deadLetter: new MemoryDeadLetters(),
      log: memoryLog(),
      claimDelivery,
    });
    const containerB = buildSlackNotifyHandler({
      slack: slackSink(),
      deadLetter: new MemoryDeadLetters(),
      log: memoryLog(),
      claimDelivery,
    });
    await containerA(snsEvent({ id: 'm1', body }));
    await containerB(snsEvent({ id: 'm2', body }));
    expect(slack.accepted).toHaveLength(1);
  });

  it('parks a malformed message with its message id instead of throwing', async () => {
    const dlq = new MemoryDeadLetters();
    const log = memoryLog();
    const handler = buildSlackNotifyHandler({ slack: slackSink(), deadLetter: dlq, log });
    const bad = JSON.stringify({ ...makeAlert(), severity: 'catastrophic' });
    const r = await handler(snsEvent({ id: 'm-bad', body: bad }, { id: 'm-junk', body: 'not json{' }));
    expect(r).toMatchObject({ malformed: 2, deadLettered: 2, posted: 0 });
    expect(
      dlq.entries.map((e) => ({ alert: e.alert, raw: e.raw, messageId: e.messageId, sink: e.sink })),
    ).toEqual([
      { alert: null, raw: bad, messageId: 'm-bad', sink: 'slack-notify-input' },
      { alert: null, raw: 'not json{', messageId: 'm-junk', sink: 'slack-notify-input' },
    ]);
    expect(dlq.entries[0]!.reason).toMatch(/^not an alert: severity: /);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.fields?.messageId)).toEqual([
      'm-bad',
      'm-junk',
    ]);
  });

  it('parks the whole alert when Slack keeps failing, and throws only when the DLQ fails too', async () => {
    slack.reply = () => ({ status: 500, body: 'internal_error' });
    const dlq = new MemoryDeadLetters();
    const alert = makeAlert();
    const r = await buildSlackNotifyHandler({ slack: slackSink(), deadLetter: dlq, log: memoryLog() })(
      snsEvent({ id: 'm1', body: JSON.stringify(alert) }),
    );
    expect(r).toMatchObject({ posted: 0, deadLettered: 1 });
    expect(dlq.entries[0]).toMatchObject({
      alert,
      sink: 'slack',
      reason: 'HTTP 500 internal_error after 2 attempts',
    });

    const broken = new MemoryDeadLetters();
    broken.failing = true;
    const released: string[] = [];
    const handler = buildSlackNotifyHandler({
      slack: slackSink(),
      deadLetter: broken,
      log: memoryLog(),
      claimDelivery: async () => 'new',
      releaseDelivery: async (id) => {
        released.push(id);
      },
    });
    await expect(handler(snsEvent({ id: 'm2', body: JSON.stringify(alert) }))).rejects.toBeInstanceOf(
      DeliveryError,
    );
    expect(released).toEqual([alert.id]);
    // Not remembered as handled: the Lambda retry tries again.
    slack.reply = () => ({ status: 200, body: 'ok' });
    broken.failing = false;
    await handler(snsEvent({ id: 'm2', body: JSON.stringify(alert) }));
    expect(slack.accepted).toHaveLength(1);
  });
});

describe('digest', () => {
  const now = Date.parse('2026-03-03T08:00:00Z');
  const history: Alert[] = [
    makeAlert({ id: 'h1', team: 'platform', rule: 'policy-modified', severity: 'medium', count: 3 }),
    makeAlert({ id: 'h2', team: 'platform', rule: 'policy-modified', severity: 'high', count: 1 }),
    makeAlert({
      id: 'h3',
      team: 'platform',
      rule: 'oidc-unexpected-subject',
      severity: 'critical',
      count: 12,
    }),
    makeAlert({ id: 'h4', team: null, rule: 'root-activity', severity: 'critical', count: 1 }),
  ];
  const identity = (arn: string, reviewAfter: string | undefined, team?: string): BaselineIdentity => ({
    arn,
    kind: 'ci',
    owner: 'owner <!channel>',
    purpose: 'p',
    oidc: [],
    callers: [],
    ...(reviewAfter ? { reviewAfter } : {}),
    ...(team ? { team } : {}),
  });

  it('summarises per team and rule, lists overdue reviews, includes self-check and posts one escaped message per team', async () => {
    let sinceAsked = 0;
    const handler = buildDigestHandler({
      history: {
        since: async (ms) => {
          sinceAsked = ms;
          return history;
        },
      },
      baseline: {
        teams: async () => ({
          teams: {
            platform: { slack: `${slack.url}/platform` },
            security: { slack: `${slack.url}/security` },
          },
          defaultTeam: 'security',
        }),
        listIdentities: async () => [
          identity('arn:aws:iam::111122223333:role/old', '2026-02-01', 'platform'),
          identity('arn:aws:iam::111122223333:role/fresh', '2026-12-01', 'platform'),
          identity('arn:aws:iam::111122223333:role/none', undefined),
        ],
      },
      clock: { nowMs: () => now },
      selfCheck: async () => [
        makeAlert({ id: 'sc1', team: null, rule: 'self-check', title: 'Rule iamwatch-prod-sts disabled' }),
      ],
      resolver: createWebhookResolver({
        teams: async () => ({
          teams: {
            platform: { slack: `${slack.url}/platform` },
            security: { slack: `${slack.url}/security` },
          },
          defaultTeam: 'security',
        }),
        allowLoopbackHttp: true,
      }),
      slackOptions: { timing: fakeTiming() },
      log: memoryLog(),
    });
    const r = await handler({});
    expect(sinceAsked).toBe(now - 24 * 3_600_000);
    expect(r.digest.teams.map((t) => t.team)).toEqual(['platform', 'security']);
    expect(r.digest.teams[0]).toMatchObject({
      rules: [
        { rule: 'oidc-unexpected-subject', severity: 'critical', alerts: 1, events: 12 },
        { rule: 'policy-modified', severity: 'high', alerts: 2, events: 4 },
      ],
      overdue: [
        {
          arn: 'arn:aws:iam::111122223333:role/old',
          reviewAfter: '2026-02-01',
          daysOverdue: 30,
          owner: 'owner <!channel>',
        },
      ],
    });
    expect(r.digest.teams[1]).toMatchObject({
      rules: [{ rule: 'root-activity', alerts: 1 }],
      selfCheck: [expect.objectContaining({ id: 'sc1' })],
    });
    expect(r.teams.map((t) => [t.team, t.posted])).toEqual([
      ['platform', true],
      ['security', true],
    ]);
    expect(slack.accepted.map((a) => a.path)).toEqual(['/platform', '/security']);
    for (const a of slack.accepted) for (const t of textFields(a.body)) expect(t).not.toContain('<!');
    expect(JSON.stringify(r)).toContain('&lt;!channel&gt;');
  });
});
