/**
 * Plain-text rendering of alerts for terminals, e-mail bodies and log lines. Pure.
 * Untrusted values are sanitised ({@link sanitizeText}): no control characters (so no terminal escapes and no
 * forged log lines), no bidi overrides, capped length.
 */
import type { Alert } from './alert.js';
import { sanitizeText } from './escape.js';
import { accountLabel, HUMAN_SESSION_TYPES, nextCommand } from './render-slack.js';

const s = (v: string | null | undefined, max = 300): string =>
  v === null || v === undefined || v === '' ? '-' : sanitizeText(v, { max });

/** One line: `[HIGH] title — target by session (account region) rule=… id=…`. */
export function renderAlertLine(alert: Alert): string {
  const who = alert.target?.arn ?? alert.actor.arn ?? alert.actor.subject ?? null;
  const count = alert.count > 1 ? ` x${alert.count}` : '';
  const by =
    alert.actor.sessionName && HUMAN_SESSION_TYPES.has(alert.actor.type)
      ? ` by ${s(alert.actor.sessionName, 120)}`
      : '';
  return `[${alert.severity.toUpperCase()}] ${s(alert.title, 150)} — ${s(who, 200)}${by} (${s(alert.account, 20)} ${s(
    alert.region,
    20,
  )}) rule=${s(alert.rule, 60)} id=${s(alert.id, 80)}${count}`;
}

/** A multi-line plain-text block with the same content as the Slack message. */
export function renderAlertText(alert: Alert): string {
  const a = alert.actor;
  const out: string[] = [`${alert.severity.toUpperCase()}: ${s(alert.title, 150)}`, ''];
  for (const r of alert.reasons.slice(0, 8)) out.push(`  - ${s(r, 500)}`);
  if (alert.reasons.length > 8) out.push(`  - … and ${alert.reasons.length - 8} more`);
  out.push('', `Actor:    ${s(a.type, 60)} ${s(a.arn)}`);
  if (a.subject) out.push(`  subject:    ${s(a.subject)}`);
  if (a.provider) out.push(`  provider:   ${s(a.provider, 120)}`);
  if (a.sessionName) out.push(`  session:    ${s(a.sessionName)}`);
  if (a.roleName) out.push(`  role:       ${s(a.roleName, 200)}`);
  const acct = accountLabel(a.accountId, a.accountName);
  if (acct) out.push(`  account:    ${s(acct, 120)}`);
  out.push(`  source IP:  ${s(a.sourceIp, 80)}`, `  user agent: ${s(a.userAgent)}`);
  out.push(`Target:   ${alert.target ? `${s(alert.target.type, 60)} ${s(alert.target.arn)}` : '-'}`);
  const b = alert.baseline;
  out.push(
    b
      ? `Baseline: ${s(b.kind, 40)}, owner ${s(b.owner, 200)}, purpose ${s(b.purpose, 500)}, review after ${s(b.reviewAfter, 40)}`
      : 'Baseline: none',
  );
  out.push(
    `Event:    ${s(alert.eventName, 120)} at ${s(alert.eventTime, 40)} in ${s(accountLabel(alert.account, alert.accountName), 120)} ${s(alert.region, 20)} (${s(alert.eventId, 80)})`,
  );
  if (alert.count > 1) out.push(`Count:    ${alert.count} events, last at ${s(alert.lastEventTime, 40)}`);
  out.push(`Rule:     ${s(alert.rule, 60)} · team ${s(alert.team, 80)} · alert ${s(alert.id, 80)}`);
  const cmd = nextCommand(alert);
  if (cmd) out.push(`Next:     ${sanitizeText(cmd, { max: 700 })}`);
  if (alert.runbook) out.push(`Runbook:  ${s(alert.runbook, 600)}`);
  if (alert.degraded?.length) out.push(`Degraded: ${alert.degraded.map((d) => s(d, 60)).join(', ')}`);
  return out.join('\n');
}
