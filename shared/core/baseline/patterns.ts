/**
 * Baseline patterns (DESIGN.md "Patterns", revised in v0.2): they follow IAM exactly, so a pattern copied
 * from a trust policy means what it meant there.
 *
 * - OIDC `subjects` and `workflows` are IAM `StringLike`: `*` matches any run of characters (`:` and `/`
 *   included), `?` exactly one character, everything else is literal; the whole value must match.
 * - ARNs (`arn`, `callers`, suppression `actor`/`target`, incident `identity`) are IAM `ArnLike`: each of the
 *   six `:`-separated parts is matched on its own (the sixth part is the rest of the ARN).
 * - `**` (v0.1's "anything") is a run of stars, which is the same as one `*`; `baseline validate` warns.
 *
 * Matching simulates the pattern's automaton over the value (a set of pattern positions, advanced one value
 * character at a time): at most (pattern length + 1) × (value length + 1) steps, never a backtracking
 * regular expression, so no pattern/value pair can take super-linear time.
 */

/** Work done by one match, for tests that want to see the O(p×v) bound (optional). */
export interface MatchStats {
  /** Pattern positions visited, summed over all value characters. */
  steps: number;
}

/**
 * True when `value` matches `pattern` as a whole, like IAM `StringLike` (case-sensitive).
 *
 * `repo:example-org/api:*` matches `repo:example-org/api:ref:refs/heads/main` and
 * `repo:example-org/api:pull_request`; `repo:example-org/api:ref:refs/heads/*` does not match
 * `repo:example-org/api:pull_request`.
 */
export function matchPattern(pattern: string, value: string, stats?: MatchStats): boolean {
  if (!hasWildcard(pattern)) return pattern === value;
  const states = run(pattern, value, stats);
  return states !== null && states[pattern.length] === 1;
}

/**
 * True when some string starting with `prefix` matches `pattern` (StringLike). Used to ask "can this subject
 * pattern match any subject of repository R?" with the prefix `repo:R:`. Same O(p×v) bound.
 */
export function matchesSomeExtensionOf(pattern: string, prefix: string, stats?: MatchStats): boolean {
  // Any reachable pattern position can be completed: the rest of a pattern always matches some string.
  return run(pattern, prefix, stats) !== null;
}

/** True when the pattern contains an IAM wildcard (`*` or `?`) and so is not a literal. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * True when `arn` matches `pattern` like IAM `ArnLike`: both are split at their first five `:` into six
 * parts, and each part is matched with {@link matchPattern} on its own, so a `*` in the account part never
 * spans into the resource. A pattern starting `arn:` with fewer than six parts matches nothing. A pattern
 * that is not an ARN at all (`*`, a bare account id, an AWS service
 * name such as `codebuild.amazonaws.com`) is matched against the whole value with {@link matchPattern}.
 */
export function matchArn(pattern: string, arn: string, stats?: MatchStats): boolean {
  const p = arnParts(pattern);
  // IAM never matches an ARN against a pattern of fewer than six parts that starts like an ARN.
  if (p === null) return !pattern.startsWith('arn:') && matchPattern(pattern, arn, stats);
  const a = arnParts(arn);
  if (a === null) return false;
  for (let i = 0; i < 6; i += 1) {
    if (!matchPattern(p[i] as string, a[i] as string, stats)) return false;
  }
  return true;
}

/** The six parts of an ARN (`arn`, partition, service, region, account, resource), or null. */
export function arnParts(text: string): string[] | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i += 1) {
    const colon = text.indexOf(':', start);
    if (colon < 0) return null;
    parts.push(text.slice(start, colon));
    start = colon + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** True when the pattern holds a `**` run, which v0.1 read as "anything" and v0.2 reads as `*`. */
export function hasDoubleStar(pattern: string): boolean {
  return pattern.includes('**');
}

/**
 * Positions of `pattern` reachable after reading all of `value` (1 = reachable), or null when none is.
 * Position k means "the first k pattern characters are consumed"; a `*` at k may stay at k while consuming.
 */
function run(pattern: string, value: string, stats?: MatchStats): Uint8Array | null {
  const n = pattern.length;
  let cur = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  cur[0] = 1;
  closeOverStars(pattern, cur);
  let steps = 0;
  for (let vi = 0; vi < value.length; vi += 1) {
    const ch = value[vi];
    next.fill(0);
    let any = false;
    for (let k = 0; k < n; k += 1) {
      steps += 1;
      if (cur[k] !== 1) continue;
      const pc = pattern[k];
      if (pc === '*') {
        next[k] = 1;
        any = true;
      } else if (pc === '?' || pc === ch) {
        next[k + 1] = 1;
        any = true;
      }
    }
    if (!any) {
      if (stats) stats.steps += steps;
      return null;
    }
    closeOverStars(pattern, next);
    [cur, next] = [next, cur];
  }
  if (stats) stats.steps += steps;
  for (let k = 0; k <= n; k += 1) if (cur[k] === 1) return cur;
  return null;
}

/** A `*` may match nothing: every position reachable before a `*` is reachable after it too. */
function closeOverStars(pattern: string, set: Uint8Array): void {
  for (let k = 0; k < pattern.length; k += 1) {
    if (set[k] === 1 && pattern[k] === '*') set[k + 1] = 1;
  }
}
