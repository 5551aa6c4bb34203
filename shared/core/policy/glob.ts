/**
 * Wildcard matching used by policy analysis. Written here (not shared with baseline/patterns.ts) so the
 * policy module stays self-contained; both follow IAM `StringLike` (`*` any run including `:` and `/`, `?` one
 * character) and never build regular expressions from input.
 */

/**
 * IAM wildcard match: `*` matches any run of characters (including `:` and `/`), `?` exactly one.
 * `value` is taken literally, so a `*` in it only matches a `*` (or a wildcard) in `pattern`.
 */
export function iamGlob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '*') {
      starP = pi++;
      starV = vi;
    } else if (pc !== undefined && (pc === '?' || pc === v[vi])) {
      pi++;
      vi++;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** True when `text` holds an IAM wildcard (`*` or `?`). */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Longest pattern {@link baselineCovers} compares; IAM caps a trust policy at 4 096 characters in all. */
const MAX_COVER_LENGTH = 1024;

type Token = { kind: 'lit'; ch: string } | { kind: 'any' } | { kind: 'one' };

/** Reads an IAM pattern as literal characters and wildcard tokens (`*` = any run, `?` = one character). */
function iamTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const ch of text) {
    if (ch === '*') {
      if (tokens.at(-1)?.kind !== 'any') tokens.push({ kind: 'any' });
    } else if (ch === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'lit', ch });
  }
  return tokens;
}

/**
 * Baseline-pattern containment check: true only when every string the IAM pattern `iamPattern` can match is
 * also matched by the baseline pattern `baselinePattern`. Both follow IAM (DESIGN.md "Patterns"): subjects are
 * `StringLike` (`*` any run, `:` included; `?` one character; `**` is `*`); when both are six-part ARNs they
 * are compared like `ArnLike`, part by part, so a baseline `*` in the account never covers a resource.
 *
 * Sound and, for these wildcard-only languages, exact up to `?` (a baseline `?` covers a literal or an IAM
 * `?`, never an IAM `*`). Dynamic programming over (baseline index, token index): O(p×t) states.
 */
export function baselineCovers(baselinePattern: string, iamPattern: string): boolean {
  // Real patterns and ARNs are short; refuse (not covered) rather than work hard on hostile input.
  if (baselinePattern.length > MAX_COVER_LENGTH || iamPattern.length > MAX_COVER_LENGTH) return false;
  const b = arnSplit(baselinePattern);
  const t = arnSplit(iamPattern);
  if (b !== null && t !== null) return b.every((part, i) => covers(part, t[i] ?? ''));
  return covers(baselinePattern, iamPattern);
}

function arnSplit(text: string): string[] | null {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function covers(baseline: string, iamPattern: string): boolean {
  const b = baseline;
  const t = iamTokens(iamPattern);
  const memo = new Map<number, boolean>();
  const width = t.length + 1;
  const go = (bi: number, ti: number): boolean => {
    const key = bi * width + ti;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (bi === b.length) {
      result = ti === t.length;
    } else if (b[bi] === '*') {
      let next = bi + 1;
      while (b[next] === '*') next++;
      // `*` absorbs zero or more tokens of any kind (one step at a time keeps the table O(p×t)).
      result = go(next, ti) || (ti < t.length && go(bi, ti + 1));
    } else {
      const token = t[ti];
      result =
        token !== undefined &&
        (b[bi] === '?' ? token.kind !== 'any' : token.kind === 'lit' && token.ch === b[bi]) &&
        go(bi + 1, ti + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
