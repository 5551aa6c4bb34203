/**
 * Baseline glob patterns (DESIGN.md "Patterns"): `*` matches any run of characters except `:`,
 * `**` matches anything, every other character is literal, and the whole value must match.
 */

const MAX_CACHED = 2048;
const cache = new Map<string, RegExp>();

/**
 * True when `value` matches `pattern` as a whole.
 *
 * `repo:example-org/api:ref:refs/heads/*` matches `repo:example-org/api:ref:refs/heads/main` but not
 * `repo:example-org/api:pull_request`. Comparison is case-sensitive, as in IAM `StringLike`.
 */
export function matchPattern(pattern: string, value: string): boolean {
  if (!hasWildcard(pattern)) return pattern === value;
  return compilePattern(pattern).test(value);
}

/** True when the pattern contains `*` (and so is not a literal). */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

/** The anchored regular expression for a pattern; compiled once and kept in a bounded cache. */
export function compilePattern(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const re = new RegExp(`^${toRegexSource(pattern)}$`);
  if (cache.size >= MAX_CACHED) {
    // Evict the oldest entry (Map keeps insertion order).
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(pattern, re);
  return re;
}

function toRegexSource(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      let run = 0;
      while (pattern[i] === '*') {
        run += 1;
        i += 1;
      }
      // `*` alone excludes `:`; any longer run is `**` (collapsing runs keeps backtracking in check).
      out += run === 1 ? '[^:]*' : '[\\s\\S]*';
      continue;
    }
    out += escapeRegex(ch);
    i += 1;
  }
  return out;
}

function escapeRegex(ch: string): string {
  return /[\\^$.|?*+()[\]{}/]/.test(ch) ? `\\${ch}` : ch;
}
