/**
 * Neutralising attacker-controlled text for Slack mrkdwn and plain-text surfaces.
 *
 * Session names, user agents, OIDC subjects, user/policy names and error messages come from whoever made
 * the API call. They must never become markup, a mention, a link or a new line. The approach, in order:
 *
 * 1. **Sanitise**: C0/C1 control characters are removed (tab, CR, LF, U+2028/U+2029 become one space, so no
 *    new lines and no terminal escapes); bidirectional overrides (U+200E/F, U+202A–E, U+2066–9) are removed
 *    so text cannot visually reorder itself.
 * 2. **Cap**: output stops at `max` characters (default {@link DEFAULT_FIELD_MAX}) and ends with
 *    `… (N chars)` naming the original length. Capping counts *output* characters, after entity
 *    expansion, so a field of `<<<<` cannot blow past Slack's block limits. Surrogate pairs are never split.
 * 3. **Entities**: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` — the only escaping Slack defines. With no raw
 *    `<` in the text, `<!channel>`, `<!here>`, `<@U123>` and `<https://x|click>` cannot be live.
 * 4. **Formatting characters**:
 *    - {@link mrkdwnCode} (used for every untrusted *value*: ARNs, subjects, user agents, IPs …) puts the
 *      value in an inline code span. Slack applies no formatting and no auto-linking inside code; the only
 *      character that could close the span, the backtick, is replaced by `ˋ` (U+02CB).
 *    - {@link escapeMrkdwn} (free text such as reasons, which embed untrusted values in sentences) wraps each
 *      `*`, `_`, `~` and `` ` `` in zero-width spaces (U+200B). A formatting delimiter must sit at a word
 *      boundary *and* touch non-space text; a zero-width space on both sides breaks one of the two whichever
 *      way Slack classifies it, and the text still reads the same.
 * 5. **Links**: `://` becomes `:\u200B//` and `www.` becomes `www\u200B.`, so bare URLs are not auto-linked.
 *
 * Pure: no I/O.
 */

/** Default cap for one untrusted field, in output characters. */
export const DEFAULT_FIELD_MAX = 300;

const ZWSP = '\u200B';
const BACKTICK_SUBSTITUTE = '\u02CB';

type Mode = 'plain' | 'mrkdwn' | 'code';

export interface EscapeOptions {
  /** Maximum output length before the `… (N chars)` note. Default {@link DEFAULT_FIELD_MAX}. */
  max?: number;
}

/** True for characters removed outright: control characters other than whitespace, bidi overrides. */
function isDropped(code: number): boolean {
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  if (code === 0x200e || code === 0x200f) return true;
  if (code >= 0x202a && code <= 0x202e) return true;
  if (code >= 0x2066 && code <= 0x2069) return true;
  return false;
}

/** True for characters that turn into a single space (line breaks and tabs). */
function isBreak(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

function hasDroppedOrBreak(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (isDropped(code) || isBreak(code)) return true;
  }
  return false;
}

function transform(input: string, mode: Mode, max: number): string {
  const whole = transformUpTo(input, mode, max);
  if (whole.complete) return whole.out;
  // Truncated: reserve room for the note so the result never exceeds `max`.
  const note = `… (${input.length} chars)`;
  return transformUpTo(input, mode, Math.max(0, max - note.length)).out + note;
}

function transformUpTo(input: string, mode: Mode, max: number): { out: string; complete: boolean } {
  // Plain text that fits and has nothing to drop or turn into a space comes out as it went in: no string
  // built a character at a time (every alert's runbook values pass here).
  if (mode === 'plain' && input.length <= max && !hasDroppedOrBreak(input))
    return { out: input, complete: true };
  let out = '';
  let i = 0;
  const n = input.length;
  while (i < n) {
    const code = input.charCodeAt(i);
    // Keep surrogate pairs together.
    const isPair = code >= 0xd800 && code <= 0xdbff && i + 1 < n;
    const unit = isPair ? input.slice(i, i + 2) : input[i]!;
    let piece: string;
    if (isBreak(code)) piece = out.endsWith(' ') ? '' : ' ';
    else if (isDropped(code)) piece = '';
    else if (mode === 'plain') piece = unit;
    else if (unit === '&') piece = '&amp;';
    else if (unit === '<') piece = '&lt;';
    else if (unit === '>') piece = '&gt;';
    else if (unit === ':' && input.startsWith('//', i + 1)) piece = ':' + ZWSP;
    else if ((unit === 'w' || unit === 'W') && /^www\./i.test(input.slice(i, i + 4))) {
      piece = input.slice(i, i + 3) + ZWSP;
      if (out.length + piece.length > max) break;
      out += piece;
      i += 3;
      continue;
    } else if (mode === 'code') piece = unit === '`' ? BACKTICK_SUBSTITUTE : unit;
    else if (unit === '*' || unit === '_' || unit === '~' || unit === '`') piece = ZWSP + unit + ZWSP;
    else piece = unit;
    if (out.length + piece.length > max) break;
    out += piece;
    i += unit.length;
  }
  return { out, complete: i >= n };
}

/**
 * Plain text that is safe as one line in a terminal, a log line or a Slack `plain_text` object: control
 * characters and bidi overrides removed, line breaks folded to spaces, capped at `max` characters.
 * No markup escaping (plain text is not parsed).
 */
export function sanitizeText(s: string, opts: EscapeOptions = {}): string {
  return transform(s, 'plain', opts.max ?? DEFAULT_FIELD_MAX);
}

/**
 * Escape free text for a Slack mrkdwn text object: entities, formatting characters neutralised with
 * zero-width spaces, URLs broken, control characters removed, capped. See the module comment.
 */
export function escapeMrkdwn(s: string, opts: EscapeOptions = {}): string {
  return transform(s, 'mrkdwn', opts.max ?? DEFAULT_FIELD_MAX);
}

/**
 * An untrusted value as a Slack inline code span: no formatting, mentions or links can apply inside it.
 * Empty values render as an em dash outside code (an empty span would print two backticks).
 */
export function mrkdwnCode(s: string | null | undefined, opts: EscapeOptions = {}): string {
  if (s === null || s === undefined) return '—';
  const body = transform(s, 'code', opts.max ?? DEFAULT_FIELD_MAX).trim();
  return body === '' ? '—' : '`' + body + '`';
}

/** Quote a value for a POSIX shell when it is not a plain token (for copy-pasteable commands). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
