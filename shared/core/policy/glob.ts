/**
 * Wildcard matching used by policy analysis. Written here (not shared with baseline/patterns.ts) so the
 * policy module stays self-contained; both are linear-time loops, never regular expressions built from input.
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

type Token = { kind: 'lit'; ch: string } | { kind: 'wild' };

/** Reads an IAM pattern as literal characters and wildcard tokens (`*`, `?`: both may stand for `:`). */
function iamTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const ch of text) {
    if (ch === '*' || ch === '?') {
      if (tokens.at(-1)?.kind !== 'wild') tokens.push({ kind: 'wild' });
    } else tokens.push({ kind: 'lit', ch });
  }
  return tokens;
}

/**
 * Baseline-pattern containment check: true only when every string the IAM pattern `iamPattern` can match
 * is also matched by the baseline glob `baselinePattern` (`*` = any run without `:`, `**` = anything).
 *
 * Sound but conservative: a wildcard of the IAM pattern can only be absorbed by a `**` of the baseline
 * pattern (an IAM `*` may span `:`, a baseline `*` may not). A literal IAM value is simply matched.
 */
export function baselineCovers(baselinePattern: string, iamPattern: string): boolean {
  // Real patterns and ARNs are short; refuse (not covered) rather than recurse deeply on hostile input.
  if (baselinePattern.length > MAX_COVER_LENGTH || iamPattern.length > MAX_COVER_LENGTH) return false;
  const b = baselinePattern;
  const t = iamTokens(iamPattern);
  // Dynamic programming over (baseline index, token index); sizes are small (patterns, ARNs).
  const memo = new Map<number, boolean>();
  const width = t.length + 1;
  const go = (bi: number, ti: number): boolean => {
    const key = bi * width + ti;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (bi === b.length) {
      result = ti === t.length;
    } else if (b[bi] === '*' && b[bi + 1] === '*') {
      let next = bi + 2;
      while (b[next] === '*') next++;
      // `**` absorbs zero or more tokens of any kind.
      result = false;
      for (let k = ti; k <= t.length && !result; k++) result = go(next, k);
    } else if (b[bi] === '*') {
      // `*` absorbs zero or more literal non-colon characters.
      result = go(bi + 1, ti);
      for (let k = ti; k < t.length && !result; k++) {
        const token = t[k];
        if (token === undefined || token.kind !== 'lit' || token.ch === ':') break;
        result = go(bi + 1, k + 1);
      }
    } else {
      const token = t[ti];
      result = token !== undefined && token.kind === 'lit' && token.ch === b[bi] && go(bi + 1, ti + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
