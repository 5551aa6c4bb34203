/**
 * parseSubject remembers what it parsed (CI tokens repeat a few subjects endlessly): the answer is the one
 * parsing gives every time, frozen so that no caller can change it for the next, and keyed so that no
 * provider and subject text can pass for another pair.
 */
import { describe, expect, it } from 'vitest';
import { normaliseHost, parseSubject, parseSubjectUncached } from '../../shared/core/oidc/subject.js';

const GITHUB = 'token.actions.githubusercontent.com';

describe('parseSubject memo', () => {
  it('gives what parsing gives, the same frozen claims on a repeat', () => {
    const sub = 'repo:example-org/api:environment:production';
    const first = parseSubject(sub, GITHUB);
    expect(first).toEqual(parseSubjectUncached(sub, GITHUB));
    expect(parseSubject(sub, GITHUB)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.pairs)).toBe(true);
    expect(first.pairs.every((p) => Object.isFrozen(p))).toBe(true);
    expect(() => (first.pairs as Array<[string, string]>).push(['x', 'y'])).toThrow(TypeError);
  });

  it('keeps providers apart: the same subject parses by the provider given', () => {
    const sub = 'project_path:group/app:ref_type:branch:ref:main';
    expect(parseSubject(sub, 'gitlab.com')).toEqual(parseSubjectUncached(sub, 'gitlab.com'));
    expect(parseSubject(sub, GITHUB)).toEqual(parseSubjectUncached(sub, GITHUB));
    expect(parseSubject(sub, null)).toEqual(parseSubjectUncached(sub, null));
    expect(parseSubject(sub, undefined)).toEqual(parseSubjectUncached(sub, undefined));
    expect(parseSubject(sub, '')).toEqual(parseSubjectUncached(sub, ''));
  });

  it('cannot be confused by a provider or subject that contains the separator', () => {
    // Joined naively with ':', both pairs would read `gitlab.com:repo:a/b:ref:refs/heads/main`.
    const a = parseSubject('repo:a/b:ref:refs/heads/main', 'gitlab.com');
    const b = parseSubject('a/b:ref:refs/heads/main', 'gitlab.com:repo');
    expect(a).toEqual(parseSubjectUncached('repo:a/b:ref:refs/heads/main', 'gitlab.com'));
    expect(b).toEqual(parseSubjectUncached('a/b:ref:refs/heads/main', 'gitlab.com:repo'));
    expect(a.raw).not.toBe(b.raw);
    // A subject that starts like the marker of "no provider".
    expect(parseSubject('-repo:a/b:ref:refs/heads/main', null).raw).toBe('-repo:a/b:ref:refs/heads/main');
    expect(parseSubject('repo:a/b:ref:refs/heads/main', null).raw).toBe('repo:a/b:ref:refs/heads/main');
  });
});

describe('normaliseHost memo', () => {
  it('gives the same host for every spelling, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(normaliseHost(' HTTPS://Token.Actions.GitHubUserContent.com/ ')).toBe(GITHUB);
      expect(normaliseHost('https://')).toBeNull();
      expect(normaliseHost('')).toBeNull();
      expect(normaliseHost(null)).toBeNull();
    }
  });
});
