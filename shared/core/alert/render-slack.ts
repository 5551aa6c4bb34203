/**
 * Slack Block Kit rendering of alerts and digests. Pure.
 *
 * Every value that came from an event goes through {@link mrkdwnCode} or {@link escapeMrkdwn}; every mrkdwn
 * object is `verbatim` (no auto-linking of URLs or channel names); the only link in a message is the
 * CloudTrail console button, built here from fields that passed strict patterns. Messages stay within
 * Slack's limits (≤ 50 blocks, section text ≤ 3000, field ≤ 2000, header ≤ 150 characters).
 */
import { originLine } from '../session/origin.js';
import type { Severity } from '../severity.js';
import type { Alert } from './alert.js';
import { escapeMrkdwn, mrkdwnCode, sanitizeText, shellQuote } from './escape.js';

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface MrkdwnTextObject {
  type: 'mrkdwn';
  text: string;
  /** `true`: Slack does not auto-link URLs or channel names in this text. */
  verbatim?: boolean;
}

export interface SlackButton {
  type: 'button';
  text: PlainTextObject;
  url: string;
  action_id?: string;
}

export type SlackBlock =
  | { type: 'header'; text: PlainTextObject }
  | { type: 'section'; text?: MrkdwnTextObject; fields?: MrkdwnTextObject[] }
  | { type: 'context'; elements: MrkdwnTextObject[] }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'divider' };

/** The JSON body posted to an incoming webhook. */
export interface SlackMessage {
  /** Fallback for notifications and clients without blocks (mrkdwn, escaped). */
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

export interface RenderSlackOptions {
  /**
   * Console base URL, e.g. `https://{region}.console.amazonaws-us-gov.com` (`{region}` is substituted).
   * Default `https://{region}.console.aws.amazon.com`. Must be a plain https URL or the link is omitted.
   */
  consoleBaseUrl?: string;
}

/** Slack's documented limits that matter here. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
} as const;

const SEVERITY_BADGE: Record<Severity, string> = {
  critical: '🔴 CRITICAL',
  high: '🟠 HIGH',
  medium: '🟡 MEDIUM',
  low: '🔵 LOW',
  info: '⚪ INFO',
};

const ACCOUNT_RE = /^\d{12}$/;
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const EVENT_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONSOLE_BASE_RE =
  /^https:\/\/(?:[A-Za-z0-9-]+|\{region\})(?:\.(?:[A-Za-z0-9-]+|\{region\}))*(?::\d{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/;
const PLAIN_ARN_RE = /^arn:aws[a-z-]*:(?:iam|sts)::(?:\d{12}|\*):[A-Za-z0-9+=,.@_/-]+$/;

function mrkdwn(text: string): MrkdwnTextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** Plain text for headers/buttons: sanitised, and without `<`/`>` at all. */
function plain(s: string, max: number): PlainTextObject {
  return {
    type: 'plain_text',
    text: sanitizeText(s, { max }).replace(/</g, '‹').replace(/>/g, '›'),
    emoji: true,
  };
}

/**
 * Link to the event in CloudTrail event history, or null when account, region or event id do not match
 * strict patterns (they are copied from the record and must not steer the URL).
 */
export function consoleEventUrl(
  alert: Pick<Alert, 'account' | 'region' | 'eventId'>,
  consoleBaseUrl?: string,
): string | null {
  if (!ACCOUNT_RE.test(alert.account) || !REGION_RE.test(alert.region) || !EVENT_ID_RE.test(alert.eventId)) {
    return null;
  }
  const template = consoleBaseUrl ?? 'https://{region}.console.aws.amazon.com';
  if (!CONSOLE_BASE_RE.test(template)) return null;
  const base = template.replace(/\{region\}/g, alert.region).replace(/\/$/, '');
  return `${base}/cloudtrailv2/home?region=${alert.region}#/events/${alert.eventId}`;
}

/** The copy-pasteable next command: `iamwatch baseline show ARN` (shell-quoted unless a plain ARN). */
export function nextCommand(alert: Alert): string | null {
  const arn = alert.target?.arn ?? alert.actor.arn;
  if (arn) return `iamwatch baseline show ${PLAIN_ARN_RE.test(arn) ? arn : shellQuote(arn)}`;
  if (alert.actor.subject) return `iamwatch baseline who ${shellQuote(alert.actor.subject)}`;
  return null;
}

/**
 * Actor types whose session name names a person or a chosen session (IAM Identity Center, SAML, federated
 * users, role sessions), as opposed to a CI token's fixed session name.
 */
export const HUMAN_SESSION_TYPES: ReadonlySet<string> = new Set([
  'AssumedRole',
  'FederatedUser',
  'SAMLUser',
  'IdentityCenterUser',
]);

/** `prod (111122223333)`, or whichever of the two is known. */
export function accountLabel(id: string | null | undefined, name: string | null | undefined): string | null {
  if (id && name) return `${name} (${id})`;
  return name || id || null;
}

function line(label: string, value: string | null | undefined, max?: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  return `${label}: ${mrkdwnCode(value, max === undefined ? {} : { max })}`;
}

function lines(...items: Array<string | null>): string {
  return items.filter((x): x is string => x !== null).join('\n');
}

function reasonsText(reasons: string[]): string {
  const shown = reasons.slice(0, 8);
  const per = Math.max(120, Math.min(500, Math.floor(2600 / Math.max(1, shown.length))));
  const items = shown.map((r) => `• ${escapeMrkdwn(r, { max: per })}`);
  if (reasons.length > shown.length) items.push(`• … and ${reasons.length - shown.length} more`);
  if (items.length === 0) items.push('• (no reason given)');
  return `*Why*\n${items.join('\n')}`;
}

/** Render one alert as a Block Kit message. */
export function renderSlackMessage(alert: Alert, opts: RenderSlackOptions = {}): SlackMessage {
  const blocks: SlackBlock[] = [];
  blocks.push({
    type: 'header',
    text: plain(`${SEVERITY_BADGE[alert.severity]} · ${alert.title}`, SLACK_LIMITS.headerText),
  });
  blocks.push({ type: 'section', text: mrkdwn(reasonsText(alert.reasons)) });

  const a = alert.actor;
  blocks.push({
    type: 'section',
    text: mrkdwn(
      lines(
        `*Actor* ${mrkdwnCode(a.type, { max: 60 })}`,
        line('arn', a.arn),
        line('subject', a.subject),
        line('provider', a.provider, 120),
        line('session name', a.sessionName),
        line('role', a.roleName, 200),
        line('account', accountLabel(a.accountId, a.accountName), 120),
        line('source IP', a.sourceIp, 80),
        line('user agent', a.userAgent),
      ),
    ),
  });

  const origin = originLine(alert.origin);
  if (origin) {
    // Subjects and session names in the chain are attacker-controlled: one escaped line, never markup.
    blocks.push({ type: 'section', text: mrkdwn(`*Origin* ${escapeMrkdwn(origin, { max: 600 })}`) });
  }

  const t = alert.target;
  blocks.push({
    type: 'section',
    text: mrkdwn(
      t
        ? lines(`*Target* ${mrkdwnCode(t.type, { max: 60 })}`, line('arn', t.arn), line('name', t.name))
        : '*Target* —',
    ),
  });

  const b = alert.baseline;
  const eventDay = alert.eventTime.slice(0, 10);
  const review =
    b?.reviewAfter == null
      ? null
      : `${b.reviewAfter}${/^\d{4}-\d{2}-\d{2}$/.test(eventDay) && b.reviewAfter < eventDay ? ' (overdue)' : ''}`;
  blocks.push({
    type: 'section',
    text: mrkdwn(
      b
        ? lines(
            `*Baseline* ${mrkdwnCode(b.kind, { max: 40 })}`,
            `owner: ${escapeMrkdwn(b.owner, { max: 200 })}`,
            `purpose: ${escapeMrkdwn(b.purpose, { max: 500 })}`,
            review === null ? 'review: not set' : `review after: ${escapeMrkdwn(review, { max: 40 })}`,
            alert.environment ? `environment: ${escapeMrkdwn(alert.environment, { max: 60 })}` : null,
          )
        : '*Baseline* no baseline for this identity',
    ),
  });

  const fields: MrkdwnTextObject[] = [
    mrkdwn(`*Event*\n${mrkdwnCode(alert.eventName, { max: 120 })}`),
    mrkdwn(`*Time*\n${mrkdwnCode(alert.eventTime, { max: 40 })}`),
    mrkdwn(`*Account*\n${mrkdwnCode(accountLabel(alert.account, alert.accountName), { max: 120 })}`),
    mrkdwn(`*Region*\n${mrkdwnCode(alert.region, { max: 40 })}`),
    mrkdwn(`*Rule*\n${mrkdwnCode(alert.rule, { max: 80 })}`),
    mrkdwn(`*Team*\n${alert.team ? escapeMrkdwn(alert.team, { max: 80 }) : '—'}`),
  ];
  if (alert.count > 1) {
    const last = alert.lastEventTime ? `, last at ${mrkdwnCode(alert.lastEventTime, { max: 40 })}` : '';
    fields.push(mrkdwn(`*Count*\n${alert.count} events${last}`));
  }
  blocks.push({ type: 'section', fields });

  const cmd = nextCommand(alert);
  const next: string[] = [];
  if (cmd) next.push(mrkdwnCode(cmd, { max: 700 }));
  if (alert.runbook) next.push(escapeMrkdwn(alert.runbook, { max: 600 }));
  if (next.length > 0) blocks.push({ type: 'section', text: mrkdwn(`*Next*\n${next.join('\n')}`) });

  const url = consoleEventUrl(alert, opts.consoleBaseUrl);
  if (url) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: plain('Open event in CloudTrail', 75), url, action_id: 'open-cloudtrail' },
      ],
    });
  }

  const context: string[] = [
    `iamwatch · alert ${mrkdwnCode(alert.id, { max: 80 })} · event ${mrkdwnCode(alert.eventId, { max: 80 })}`,
  ];
  if (alert.attack.length > 0)
    context.push(
      `ATT&amp;CK ${alert.attack
        .slice(0, 6)
        .map((x) => mrkdwnCode(x, { max: 20 }))
        .join(' ')}`,
    );
  if (alert.degraded && alert.degraded.length > 0) {
    context.push(
      `⚠️ delivered without: ${alert.degraded
        .slice(0, 6)
        .map((x) => escapeMrkdwn(x, { max: 60 }))
        .join(', ')}`,
    );
  }
  blocks.push({ type: 'context', elements: context.map(mrkdwn) });

  const who = alert.target?.arn ?? alert.actor.arn ?? alert.actor.subject ?? '';
  const by =
    alert.actor.sessionName && HUMAN_SESSION_TYPES.has(alert.actor.type)
      ? ` by ${escapeMrkdwn(alert.actor.sessionName, { max: 120 })}`
      : '';
  const text = `[${alert.severity.toUpperCase()}] ${escapeMrkdwn(alert.title, { max: 150 })}${
    who ? ` — ${escapeMrkdwn(who, { max: 200 })}` : ''
  }${by} (${escapeMrkdwn(alert.account, { max: 20 })} ${escapeMrkdwn(alert.region, { max: 20 })})`;

  return fitSlackLimits({ text, blocks, unfurl_links: false, unfurl_media: false });
}

/** Overdue review line of a digest. */
export interface DigestOverdue {
  arn: string;
  owner: string;
  reviewAfter: string;
  daysOverdue: number;
}

/** Alerts of one rule in a digest. */
export interface DigestRuleLine {
  rule: string;
  /** Highest severity among the alerts. */
  severity: Severity;
  /** Distinct alerts. */
  alerts: number;
  /** Events folded into them (sum of counts). */
  events: number;
}

/** One team's daily summary (built by shared/app/digest.ts). */
export interface TeamDigest {
  team: string;
  /** ISO times bounding the period. */
  from: string;
  to: string;
  rules: DigestRuleLine[];
  overdue: DigestOverdue[];
  /** Findings of the rule self-check, when one ran. */
  selfCheck: Alert[];
}

/** Render one team's digest as a Block Kit message. */
export function renderDigestSlack(d: TeamDigest): SlackMessage {
  const blocks: SlackBlock[] = [];
  const total = d.rules.reduce((n, r) => n + r.alerts, 0);
  blocks.push({ type: 'header', text: plain(`iamwatch daily digest · ${d.team}`, SLACK_LIMITS.headerText) });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(`${mrkdwnCode(d.from, { max: 40 })} → ${mrkdwnCode(d.to, { max: 40 })} · ${total} alerts`),
    ],
  });
  const ruleLines = d.rules
    .slice(0, 40)
    .map(
      (r) =>
        `• ${SEVERITY_BADGE[r.severity]} ${mrkdwnCode(r.rule, { max: 60 })}: ${r.alerts} alerts, ${r.events} events`,
    );
  if (d.rules.length > 40) ruleLines.push(`• … and ${d.rules.length - 40} more rules`);
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Alerts by rule*\n${ruleLines.length > 0 ? ruleLines.join('\n') : 'none'}`),
  });
  const overdue = d.overdue
    .slice(0, 20)
    .map(
      (o) =>
        `• ${mrkdwnCode(o.arn, { max: 120 })} owner ${escapeMrkdwn(o.owner, { max: 60 })}, review after ${escapeMrkdwn(o.reviewAfter, { max: 12 })} (${o.daysOverdue} days overdue)`,
    );
  if (d.overdue.length > 20) overdue.push(`• … and ${d.overdue.length - 20} more`);
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Baseline reviews overdue*\n${overdue.length > 0 ? overdue.join('\n') : 'none'}`),
  });
  if (d.selfCheck.length > 0) {
    const items = d.selfCheck
      .slice(0, 10)
      .map(
        (a) =>
          `• ${SEVERITY_BADGE[a.severity]} ${escapeMrkdwn(a.title, { max: 120 })}: ${escapeMrkdwn(a.reasons[0] ?? '', { max: 150 })}`,
      );
    blocks.push({ type: 'section', text: mrkdwn(`*Self-check*\n${items.join('\n')}`) });
  }
  const text = `iamwatch digest for ${escapeMrkdwn(d.team, { max: 80 })}: ${total} alerts, ${d.overdue.length} overdue reviews`;
  return fitSlackLimits({ text, blocks, unfurl_links: false, unfurl_media: false });
}

/** Cut mrkdwn at `max` without leaving half an entity or an unclosed code span. */
function cutMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 2).replace(/&[a-z]*$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  if ((cut.match(/`/g) ?? []).length % 2 === 1) cut += '`';
  return cut + '…';
}

/** Last-resort guard: enforce Slack's limits on a message (rendering already stays within them). */
export function fitSlackLimits(msg: SlackMessage): SlackMessage {
  const blocks = msg.blocks.slice(0, SLACK_LIMITS.blocks).map((b): SlackBlock => {
    switch (b.type) {
      case 'header':
        return { ...b, text: { ...b.text, text: b.text.text.slice(0, SLACK_LIMITS.headerText) } };
      case 'section': {
        const out: SlackBlock = { type: 'section' };
        if (b.text) out.text = { ...b.text, text: cutMrkdwn(b.text.text, SLACK_LIMITS.sectionText) };
        if (b.fields) {
          out.fields = b.fields
            .slice(0, SLACK_LIMITS.fields)
            .map((f) => ({ ...f, text: cutMrkdwn(f.text, SLACK_LIMITS.fieldText) }));
        }
        return out;
      }
      case 'context':
        return {
          ...b,
          elements: b.elements
            .slice(0, SLACK_LIMITS.contextElements)
            .map((e) => ({ ...e, text: cutMrkdwn(e.text, SLACK_LIMITS.sectionText) })),
        };
      default:
        return b;
    }
  });
  return { ...msg, text: cutMrkdwn(msg.text, 3000), blocks };
}
