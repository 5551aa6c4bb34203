/**
 * Keep an alert within a transport's size limit (SNS and EventBridge: 256 KiB) by shortening its longest
 * strings, and say so in `degraded`. Real CloudTrail fields are short; this guards against hostile input.
 * Pure.
 */
import type { Alert } from './alert.js';

/** UTF-8 byte length. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

/** Shorten strings longer than `perField` characters in the untrusted parts of an alert. */
export function shortenAlert(alert: Alert, perField: number): Alert {
  const c = (v: string | null | undefined) => (typeof v === 'string' ? cut(v, perField) : v);
  const actor = {
    ...alert.actor,
    arn: c(alert.actor.arn) ?? null,
    sourceIp: c(alert.actor.sourceIp) ?? null,
    userAgent: c(alert.actor.userAgent) ?? null,
  };
  if (alert.actor.subject !== undefined) actor.subject = c(alert.actor.subject);
  if (alert.actor.sessionName !== undefined) actor.sessionName = c(alert.actor.sessionName);
  if (alert.actor.provider !== undefined) actor.provider = c(alert.actor.provider);
  const target = alert.target ? { ...alert.target, arn: c(alert.target.arn) ?? null } : null;
  if (target && alert.target?.name !== undefined) target.name = c(alert.target.name);
  return {
    ...alert,
    title: cut(alert.title, perField),
    reasons: alert.reasons.slice(0, 50).map((r) => cut(r, perField)),
    actor,
    target,
    degraded: [...new Set([...(alert.degraded ?? []), 'truncated'])],
  };
}

/**
 * The alert's JSON if it fits in `maxBytes`; otherwise the JSON of a shortened copy (marked
 * `degraded: ['truncated']`). `truncated` says which.
 */
export function fitAlertJson(
  alert: Alert,
  maxBytes: number,
): { json: string; alert: Alert; truncated: boolean } {
  const json = JSON.stringify(alert);
  if (utf8Length(json) <= maxBytes) return { json, alert, truncated: false };
  for (const per of [16_384, 4096, 1024, 256]) {
    const short = shortenAlert(alert, per);
    const j = JSON.stringify(short);
    if (utf8Length(j) <= maxBytes) return { json: j, alert: short, truncated: true };
  }
  const short = shortenAlert(alert, 64);
  return { json: JSON.stringify(short), alert: short, truncated: true };
}
