import { describe, expect, it } from 'vitest';
import {
  type MatchStats,
  matchArn,
  matchesSomeExtensionOf,
  matchPattern,
} from '../../shared/core/baseline/patterns.js';

// Patterns follow IAM (DESIGN.md "Patterns", revised in v0.2). Rows marked "v0.2" asserted the opposite
// under v0.1's "`*` stops at `:`" rule.
describe('matchPattern (IAM StringLike)', () => {
  it.each([
    // pattern, value, expected
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:ref:refs/heads/main', true],
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:ref:refs/heads/feature/x', true],
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:pull_request', false],
    // v0.2: `*` spans `:` (was false)
    [
      'repo:example-org/api:ref:refs/heads/*',
      'repo:example-org/api:ref:refs/heads/a:job_workflow_ref:x',
      true,
    ],
    ['repo:example-org/api:**', 'repo:example-org/api:ref:refs/heads/a:job_workflow_ref:x', true],
    // v0.2: GitHub's documented `repo:ORG/*` and `repo:ORG/REPO:*` match (were false)
    ['repo:example-org/*', 'repo:example-org/api:pull_request', true],
    ['repo:example-org/*', 'repo:example-org/api:ref:refs/heads/main', true],
    ['repo:example-org/api:*', 'repo:example-org/api:ref:refs/heads/main', true],
    ['repo:example-org/api:*', 'repo:example-org/api:pull_request', true],
    ['repo:example-org/api:*', 'repo:example-org/api:environment:production', true],
    ['repo:example-org/api:*', 'repo:example-org/api-other:ref:refs/heads/main', false],
    ['repo:example-org/**', 'repo:example-org/api:pull_request', true],
    ['*', 'anything-without-colons', true],
    ['*', 'a:b', true], // v0.2 (was false)
    ['**', 'a:b', true],
    ['**', '', true],
    ['*', '', true],
    // `?` is one character (v0.2: was literal)
    ['a?c', 'abc', true],
    ['a?c', 'a:c', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['repo:example-org/api:environment:pro?', 'repo:example-org/api:environment:prod', true],
    // anchored: no prefix / suffix matches
    ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/api:ref:refs/heads/main-x', false],
    ['repo:example-org/api:ref:refs/heads/main', 'xrepo:example-org/api:ref:refs/heads/main', false],
    ['repo:example-org/api:ref:refs/heads/*', 'xrepo:example-org/api:ref:refs/heads/main', false],
    // regex metacharacters are literal
    ['repo:o/r.js:ref:refs/heads/main', 'repo:o/rxjs:ref:refs/heads/main', false],
    ['repo:o/r.js:ref:refs/heads/main', 'repo:o/r.js:ref:refs/heads/main', true],
    ['a+b(c)[d]{e}|f^g$h\\j', 'a+b(c)[d]{e}|f^g$h\\j', true],
    ['a+b(c)*', 'a+b(c)[d]', true],
    ['a+b(c)*', 'aab(c)[d]', false],
    // case-sensitive, like IAM StringLike
    ['repo:Example-Org/api:*', 'repo:example-org/api:pull_request', false],
    ['a***b', 'a:x:b', true],
    ['a*b*c', 'a:b:c', true], // v0.2 (was false)
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(matchPattern(pattern, value)).toBe(expected);
  });

  it('runs in pattern × value steps: 10 stars against a 1,000-character subject', () => {
    // Before v0.2 a backtracking regular expression took seconds on `release-*-*-*-*-*-*-final` here.
    const pattern = `repo:example-org/api:ref:refs/heads/release-${'*-'.repeat(10)}final`;
    const subject = `repo:example-org/api:ref:refs/heads/release-${'1-'.repeat(480)}x`;
    expect(subject.length).toBeGreaterThanOrEqual(1000);
    const stats: MatchStats = { steps: 0 };
    expect(matchPattern(pattern, subject, stats)).toBe(false);
    expect(stats.steps).toBeLessThanOrEqual((pattern.length + 1) * (subject.length + 1));
    expect(matchPattern(pattern, `${subject.slice(0, -1)}final`)).toBe(true);
  });

  it('the step bound holds for hostile shapes', () => {
    for (const [pattern, value] of [
      ['*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)],
      ['**:**:**:x', `${'a:'.repeat(3000)}y`],
      ['?*?*?*?*?*!', '?'.repeat(4000)],
    ] as const) {
      const stats: MatchStats = { steps: 0 };
      expect(matchPattern(pattern, value, stats)).toBe(false);
      expect(stats.steps).toBeLessThanOrEqual((pattern.length + 1) * (value.length + 1));
    }
  });
});

describe('matchesSomeExtensionOf', () => {
  it.each([
    ['repo:example-org/*', 'repo:example-org/api:', true],
    ['repo:example-org/api:*', 'repo:example-org/api:', true],
    ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/api:', true],
    ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/web:', false],
    ['repo:*', 'repo:anyone/anything:', true],
    ['repo:example-org/a?i:*', 'repo:example-org/api:', true],
  ])('%s extends %s → %s', (pattern, prefix, expected) => {
    expect(matchesSomeExtensionOf(pattern, prefix)).toBe(expected);
  });
});

describe('matchArn (IAM ArnLike)', () => {
  it.each([
    ['arn:aws:iam::*:role/ci-runner', 'arn:aws:iam::111122223333:role/ci-runner', true],
    ['arn:aws:iam::*:role/ci-runner', 'arn:aws:iam::111122223333:role/other', false],
    ['arn:aws:iam::111122223333:*', 'arn:aws:iam::111122223333:role/path/x', true],
    ['arn:aws:iam::*:**', 'arn:aws:iam::444455556666:user/a', true],
    ['arn:aws:iam::*:*', 'arn:aws:iam::444455556666:user/a', true],
    // each part on its own: a `*` in the account never reaches the resource
    ['arn:aws:iam::*role/x', 'arn:aws:iam::111122223333:role/x', false],
    ['arn:aws:iam::1111*:role/x', 'arn:aws:iam::111122223333:role/x', true],
    ['arn:aws:iam::*:role/*', 'arn:aws:sts::111122223333:assumed-role/x/s', false],
    ['arn:aws:*::*:role/x', 'arn:aws:iam::111122223333:role/x', true],
    // the sixth part is the rest of the ARN, colons and all
    ['arn:aws:logs:*:*:log-group:*', 'arn:aws:logs:us-east-1:111122223333:log-group:a:b', true],
    ['arn:aws:iam::111122223333:role/x', 'not-an-arn', false],
    // not a six-part ARN pattern: matched as a whole
    ['*', 'arn:aws:iam::111122223333:role/x', true],
    ['111122223333', '111122223333', true],
    ['codebuild.amazonaws.com', 'codebuild.amazonaws.com', true],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(matchArn(pattern, value)).toBe(expected);
  });
});
