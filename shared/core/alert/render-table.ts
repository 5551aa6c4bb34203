/**
 * `replay --format table`: alerts as a fixed-width table for a terminal. Pure.
 *
 * - Rows are sorted by event time (stable: alerts with the same time keep their input order).
 * - Every line fits `width` columns. A cell too long for its column wraps onto the next lines of the same
 *   column, preferring breaks after `/`, `:`, `@` and spaces: nothing is cut, so the identifying end of an ARN
 *   (`role/gha-deploy`) is always printed whole.
 * - Who did it: for a role session the session name (the person behind an IAM Identity Center or SAML
 *   session), the role and the account name from the baseline's `accounts:`.
 * - Untrusted text is sanitised ({@link sanitizeText}): no control characters, no line breaks, no bidi overrides.
 * - Linear in the number of alerts: no spread of per-row values into a call (which overflows the stack at
 *   ~100k arguments).
 */

import { parseArn } from '../arn.js';
import { originLine } from '../session/origin.js';
import type { Alert } from './alert.js';
import { sanitizeText } from './escape.js';
import { HUMAN_SESSION_TYPES } from './render-slack.js';

/** Width used when the output is not a terminal. */
export const DEFAULT_TABLE_WIDTH = 100;
/** Narrowest layout the table keeps; narrower terminals get lines of this width. */
export const MIN_TABLE_WIDTH = 60;

export interface TableOptions {
  /** Terminal width in columns (default {@link DEFAULT_TABLE_WIDTH}; at least {@link MIN_TABLE_WIDTH}). */
  width?: number;
}

const GAP = '  ';
const TIME_W = 20;
const SEV_W = 8;
const RULE_MAX = 30;
/** Cap per untrusted value: longer than any IAM ARN (role path ≤ 512, name ≤ 64). */
const VALUE_MAX = 700;
/** Narrowest actor or target column. */
const MIN_FLEX = 12;

/** Printable ASCII only: nothing for {@link sanitizeText} to change (the common case, checked fast). */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

const clean = (v: string | null | undefined, max = VALUE_MAX): string => {
  if (v === null || v === undefined || v === '') return '';
  return v.length <= max && PLAIN_ASCII.test(v) ? v : sanitizeText(v, { max });
};

/** `role/gha-deploy @ prod`: the resource part of an ARN (never shortened) and the account's name or id. */
export function compactArn(arn: string, accountName?: string | null): string {
  const p = parseArn(arn);
  if (!p) return arn;
  const where = accountName || p.account;
  return where ? `${p.resource} @ ${where}` : p.resource;
}

/** Who acted, as the table shows it. */
export function actorCell(a: Alert): string {
  const actor = a.actor;
  const account = actor.accountName ?? (actor.accountId ? null : a.accountName);
  if (actor.sessionName && HUMAN_SESSION_TYPES.has(actor.type)) {
    const role = actor.roleName ? ` via ${clean(actor.roleName)}` : '';
    const where = account || actor.accountId || (actor.arn ? parseArn(actor.arn)?.account : '') || '';
    return `${clean(actor.sessionName)}${role}${where ? ` @ ${clean(where)}` : ''}`;
  }
  if (actor.subject) return clean(actor.subject);
  if (actor.arn) return clean(compactArn(actor.arn, account));
  return clean(actor.type) || '-';
}

/** What was acted on, as the table shows it. */
export function targetCell(a: Alert): string {
  const t = a.target;
  if (!t) return '-';
  if (t.arn) {
    const acct = parseArn(t.arn)?.account;
    const name =
      acct && acct === a.account ? a.accountName : acct === a.actor.accountId ? a.actor.accountName : null;
    return clean(compactArn(t.arn, name));
  }
  return clean(t.name) || '-';
}

/** Break after these first (ARN and address structure), then after {@link BREAK_AFTER_WORD}. */
const BREAK_AFTER = new Set(['/', ':', '@', ',']);
const BREAK_AFTER_WORD = new Set(['-', '_', '.']);

/** The first piece of `rest` of at most `w` characters, and what is left. See {@link wrapText}. */
function takePiece(rest: string, w: number): [string, string] {
  if (rest.length <= w) return [rest, ''];
  const low = Math.ceil(w / 2);
  let cut = -1;
  for (let i = w; i >= low && cut < 0; i--) if (rest[i] === ' ' || rest[i - 1] === ' ') cut = i;
  for (let i = w; i >= low && cut < 0; i--) if (BREAK_AFTER.has(rest[i - 1]!)) cut = i;
  for (let i = w; i >= low && cut < 0; i--) if (BREAK_AFTER_WORD.has(rest[i - 1]!)) cut = i;
  if (cut < 0) cut = w;
  // Keep surrogate pairs whole.
  const code = rest.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut -= 1;
  return [rest.slice(0, cut).trimEnd(), rest.slice(cut).replace(/^ +/, '')];
}

/**
 * Splits `text` into pieces of at most `width` characters (`firstWidth` for the first), breaking at a space
 * when one falls in the second half of the piece, else after one of `/ : @ ,`, else after `- _ .`, else hard. Nothing but
 * the spaces at a break is dropped.
 */
export function wrapText(text: string, width: number, firstWidth = width): string[] {
  const out: string[] = [];
  let [piece, rest] = takePiece(text, Math.max(1, firstWidth));
  out.push(piece);
  while (rest.length > 0) {
    [piece, rest] = takePiece(rest, Math.max(1, width));
    out.push(piece);
  }
  return out;
}

const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** Lines of free text under a row: `indent` first, `indent + 2` on continuation lines, within `width`. */
function indented(text: string, indent: string, width: number): string[] {
  const cont = `${indent}  `;
  return wrapText(text, width - cont.length, width - indent.length).map(
    (l, i) => (i === 0 ? indent : cont) + l,
  );
}

/** The whole table (header, rows sorted by event time, reasons and baseline owner under each row). */
export function renderAlertTable(alerts: readonly Alert[], opts: TableOptions = {}): string {
  return `${alertTableLines(alerts, opts).join('\n')}\n`;
}

/** {@link renderAlertTable} as an array of lines (no trailing newline). */
export function alertTableLines(alerts: readonly Alert[], opts: TableOptions = {}): string[] {
  if (alerts.length === 0) return ['no alerts'];
  const requested = opts.width !== undefined && Number.isFinite(opts.width) ? Math.floor(opts.width) : 0;
  const width = Math.max(MIN_TABLE_WIDTH, requested || DEFAULT_TABLE_WIDTH);

  // Sort by event time, stable; unparsable times sort first, in input order.
  const order = alerts.map((a, i) => ({ a, i, t: Date.parse(a.eventTime) || 0 }));
  order.sort((x, y) => x.t - y.t || x.i - y.i);

  const cellsOf = order.map(({ a }) => ({ a, actor: actorCell(a), target: targetCell(a) }));
  let ruleW = 4;
  let countW = 0;
  let actorWant = 'ACTOR'.length;
  let targetWant = 'TARGET'.length;
  for (const { a, actor, target } of cellsOf) {
    if (a.rule.length > ruleW) ruleW = a.rule.length;
    if (a.count > 1) countW = Math.max(countW, String(a.count).length, 1);
    if (actor.length > actorWant) actorWant = actor.length;
    if (target.length > targetWant) targetWant = target.length;
  }
  ruleW = Math.min(ruleW, RULE_MAX);
  const countCol = countW > 0 ? GAP.length + countW : 0;
  const fixed = TIME_W + SEV_W + ruleW + GAP.length * 4 + countCol;
  // Too narrow for actor and target columns: they go on their own lines under the row.
  const stacked = width - fixed < 2 * MIN_FLEX;
  if (stacked) ruleW = Math.min(ruleW, width - (TIME_W + SEV_W + GAP.length * 2 + countCol));
  const free = Math.max(2 * MIN_FLEX, width - fixed);
  // Actor and target share what is left: what they need when it fits; else a column whose longest cell fits in
  // half gets it whole and the other the rest; else half each.
  let actorW = actorWant;
  let targetW = targetWant;
  if (actorWant + targetWant > free) {
    const half = Math.floor(free / 2);
    if (targetWant <= half) actorW = free - targetW;
    else if (actorWant <= half) targetW = free - actorW;
    else {
      actorW = free - half;
      targetW = half;
    }
  }
  const widths = stacked ? [TIME_W, SEV_W, ruleW] : [TIME_W, SEV_W, ruleW, actorW, targetW];
  if (countW > 0) widths.push(countW);

  const row = (cells: string[]): string[] => {
    const wrapped = cells.map((c, i) => wrapText(c, widths[i]!));
    let height = 1;
    for (const w of wrapped) if (w.length > height) height = w.length;
    const lines: string[] = [];
    for (let l = 0; l < height; l++) {
      lines.push(
        wrapped
          .map((w, i) => (i === wrapped.length - 1 ? (w[l] ?? '') : padEnd(w[l] ?? '', widths[i]!)))
          .join(GAP)
          .trimEnd(),
      );
    }
    return lines;
  };

  const header = stacked ? ['TIME', 'SEVERITY', 'RULE'] : ['TIME', 'SEVERITY', 'RULE', 'ACTOR', 'TARGET'];
  if (countW > 0) header.push('N');
  const out: string[] = row(header);
  for (const { a, actor, target } of cellsOf) {
    const cells = [
      clean(a.eventTime.replace(/\.\d+Z$/, 'Z'), 40),
      a.severity.toUpperCase(),
      clean(a.rule, 80),
    ];
    if (!stacked) cells.push(actor, target);
    if (countW > 0) cells.push(a.count > 1 ? String(a.count) : '');
    for (const l of row(cells)) out.push(l);
    if (stacked) {
      for (const l of indented(`actor:  ${actor}`, '    ', width)) out.push(l);
      for (const l of indented(`target: ${target}`, '    ', width)) out.push(l);
    }
    for (const r of a.reasons) for (const l of indented(`- ${clean(r, 1000)}`, '    ', width)) out.push(l);
    if (a.baseline) {
      const owner = `owner ${clean(a.baseline.owner, 120)} · ${clean(a.baseline.purpose, 300)}`;
      for (const l of indented(owner, '    ', width)) out.push(l);
    }
    const origin = originLine(a.origin);
    if (origin) for (const l of indented(`origin ${clean(origin, 600)}`, '    ', width)) out.push(l);
  }
  return out;
}
