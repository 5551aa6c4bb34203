import { describe, expect, it } from 'vitest';
import { compilePattern, matchPattern } from '../../shared/core/baseline/patterns.js';

describe('matchPattern', () => {
  it.each([
    // pattern, value, expected
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:ref:refs/heads/main', true],
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:ref:refs/heads/feature/x', true],
    ['repo:example-org/api:ref:refs/heads/*', 'repo:example-org/api:pull_request', false],
    [
      'repo:example-org/api:ref:refs/heads/*',
      'repo:example-org/api:ref:refs/heads/a:job_workflow_ref:x',
      false,
    ],
    ['repo:example-org/api:**', 'repo:example-org/api:ref:refs/heads/a:job_workflow_ref:x', true],
    ['repo:example-org/*', 'repo:example-org/api:pull_request', false],
    ['repo:example-org/**', 'repo:example-org/api:pull_request', true],
    ['repo:example-org/api:*', 'repo:example-org/api:pull_request', true],
    ['repo:example-org/api:*', 'repo:example-org/api:ref:refs/heads/main', false],
    ['*', 'anything-without-colons', true],
    ['*', 'a:b', false],
    ['**', 'a:b', true],
    ['**', '', true],
    ['*', '', true],
    // anchored: no prefix / suffix matches
    ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/api:ref:refs/heads/main-x', false],
    ['repo:example-org/api:ref:refs/heads/main', 'xrepo:example-org/api:ref:refs/heads/main', false],
    // regex metacharacters are literal
    ['repo:o/r.js:ref:refs/heads/main', 'repo:o/rxjs:ref:refs/heads/main', false],
    ['repo:o/r.js:ref:refs/heads/main', 'repo:o/r.js:ref:refs/heads/main', true],
    ['a+b(c)[d]{e}|f^g$h?i\\j', 'a+b(c)[d]{e}|f^g$h?i\\j', true],
    ['a?c', 'abc', false],
    ['arn:aws:iam::*:role/ci-runner', 'arn:aws:iam::111122223333:role/ci-runner', true],
    ['arn:aws:iam::*:role/ci-runner', 'arn:aws:iam::111122223333:role/other', false],
    ['arn:aws:iam::111122223333:*', 'arn:aws:iam::111122223333:role/path/x', true],
    ['arn:aws:iam::*:**', 'arn:aws:iam::444455556666:user/a', true],
    // case-sensitive, like IAM StringLike
    ['repo:Example-Org/api:*', 'repo:example-org/api:pull_request', false],
    // runs of three or more stars behave like **
    ['a***b', 'a:x:b', true],
    ['a*b*c', 'a:b:c', false],
    ['a*b*c', 'axxbyyc', true],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(matchPattern(pattern, value)).toBe(expected);
  });

  it('caches compiled patterns and stays bounded', () => {
    const first = compilePattern('repo:cache-test/*');
    expect(compilePattern('repo:cache-test/*')).toBe(first);
    for (let i = 0; i < 3000; i += 1) compilePattern(`repo:o/r${i}:*`);
    // evicted after the bound was passed: a fresh (equal) regex is compiled
    expect(compilePattern('repo:cache-test/*')).not.toBe(first);
    expect(compilePattern('repo:cache-test/*').source).toBe(first.source);
  });

  it('does not blow up on long non-matching values', () => {
    const value = `repo:${'a'.repeat(20_000)}`;
    const started = performance.now();
    expect(matchPattern('repo:*/*:ref:refs/heads/*', value)).toBe(false);
    expect(matchPattern('**:**:x', value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
