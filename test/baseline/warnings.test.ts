import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseBaseline } from '../../shared/core/baseline/parse.js';
import { callerProblem, subjectProblem } from '../../shared/core/baseline/warnings.js';

const text = readFileSync(new URL('../fixtures/baselines/broad-patterns.yaml', import.meta.url), 'utf8');

describe('baseline warnings', () => {
  it('flags broad subjects, callers and suppressions, with lines', () => {
    const r = parseBaseline(text, 'broad.yaml', { nowMs: Date.parse('2026-06-01T00:00:00Z') });
    expect(r.baseline).not.toBeNull();
    expect(r.issues.every((i) => i.level === 'warning')).toBe(true);
    // v0.2: `*` spans `:` and `/`, `**` is `*` (deprecated), and every sentence is true of the matcher.
    const deprecated = (line: number, field: string, what: string, pattern: string) =>
      `broad.yaml:${line}: warning: ${field}: ${what} "${pattern}": "**" is deprecated and now means the same as "*" (IAM wildcards: "*" already matches ":" and "/"); write "*"`;
    expect(r.issues.map(formatIssue)).toEqual([
      'broad.yaml:11: warning: identities[0].oidc[0].subjects[0]: subject "repo:example-org/*:ref:refs/heads/main" trusts every repository of example-org',
      deprecated(12, 'identities[0].oidc[0].subjects[1]', 'subject', 'repo:example-org/**'),
      'broad.yaml:12: warning: identities[0].oidc[0].subjects[1]: subject "repo:example-org/**" trusts every repository of example-org',
      'broad.yaml:13: warning: identities[0].oidc[0].subjects[2]: subject "repo:example-org/api:*" trusts every ref and environment of example-org/api, pull requests included',
      deprecated(14, 'identities[0].oidc[0].subjects[3]', 'subject', 'repo:example-org/api:**'),
      'broad.yaml:14: warning: identities[0].oidc[0].subjects[3]: subject "repo:example-org/api:**" trusts every ref and environment of example-org/api, pull requests included',
      'broad.yaml:15: warning: identities[0].oidc[0].subjects[4]: subject "repo:example-org/api:ref:*" trusts every ref (any branch or tag) of example-org/api',
      'broad.yaml:16: warning: identities[0].oidc[0].subjects[5]: subject "*" trusts every subject of the provider',
      deprecated(17, 'identities[0].oidc[0].subjects[6]', 'subject', '**'),
      'broad.yaml:17: warning: identities[0].oidc[0].subjects[6]: subject "**" trusts every subject of the provider',
      'broad.yaml:19: warning: identities[0].oidc[0].subjects[8]: subject "repo:*/api:ref:refs/heads/main" trusts every repository of every owner',
      'broad.yaml:20: warning: identities[0].oidc[0].subjects[9]: subject "repo:example-org/api:environment:*" trusts every environment of example-org/api',
      'broad.yaml:21: warning: identities[0].oidc[0].allow_pull_requests: pull-request contexts may assume the production identity arn:aws:iam::111122223333:role/gha-everything',
      deprecated(22, 'identities[0].callers[0]', 'caller', 'arn:aws:iam::*:**'),
      'broad.yaml:22: warning: identities[0].callers[0]: caller "arn:aws:iam::*:**" trusts every principal of every account',
      'broad.yaml:22: warning: identities[0].callers[1]: caller "arn:aws:iam::*:role/ci-runner" trusts that principal name in any account',
      'broad.yaml:24: warning: suppressions[0]: suppresses every policy-modified finding (no actor or target given)',
      'broad.yaml:24: warning: suppressions[0].expires: expired on 2026-01-31: it no longer applies',
    ]);
  });

  it('reports expiry only with a clock, counting a date as the whole day', () => {
    const noClock = parseBaseline(text, 'broad.yaml');
    expect(noClock.issues.some((i) => i.field.endsWith('.expires'))).toBe(false);
    const sameDay = parseBaseline(text, 'broad.yaml', { nowMs: Date.parse('2026-01-31T23:59:59Z') });
    expect(sameDay.issues.some((i) => i.field.endsWith('.expires'))).toBe(false);
  });

  it('does not warn about precise subjects (overdue reviews are checks.ts warnings)', () => {
    const r = parseBaseline(
      readFileSync(new URL('../fixtures/baselines/valid-full.yaml', import.meta.url), 'utf8'),
      'valid.yaml',
      { nowMs: Date.parse('2030-01-01T00:00:00Z'), ruleIds: ['policy-modified', 'access-key-created'] },
    );
    // Both suppressions have expired by 2030, and two reviews are overdue; nothing else is reported.
    expect(r.issues.map((i) => i.field)).toEqual([
      'identities[0].review_after',
      'identities[2].review_after',
      'suppressions[0].expires',
      'suppressions[1].expires',
    ]);
  });

  it('rejects unknown rule ids when the catalogue is given, with a suggestion', () => {
    const r = parseBaseline(
      'version: 1\nsuppressions:\n  - { rule: policy-modifed, actor: "arn:aws:iam::*:role/t", reason: r, owner: o, expires: 2099-01-01 }\n',
      'b.yaml',
      { ruleIds: ['policy-modified'] },
    );
    expect(r.issues.map(formatIssue)).toEqual([
      'b.yaml:3: suppressions[0].rule: unknown rule "policy-modifed": this suppression would suppress nothing (did you mean "policy-modified"?)',
    ]);
  });

  it.each([
    ['project_path:group/*:ref_type:branch:ref:main', 'trusts every project under group'],
    ['project_path:group/app:ref_type:branch:ref:*', 'trusts every branch of group/app'],
    [
      'repo:example-org/api:*',
      'trusts every ref and environment of example-org/api (pull requests stay refused: allow_pull_requests is false)',
    ],
    ['repo:acme*', 'trusts repositories of more than one owner'],
    ['repo:acme/api*', 'trusts more than one repository of acme'],
    ['*:ref:refs/heads/main', 'starts with * and trusts subjects of every repository of every owner'],
    ['organization:acme:project:p:workspace:*:run_phase:apply', 'trusts every workspace of acme'],
    ['system:serviceaccount:payments:*', 'trusts every service account of namespace payments'],
    ['repo:example-org@123/*:ref:refs/heads/main', 'trusts every repository of example-org'],
  ])('subject %s', (pattern, message) => {
    expect(subjectProblem(pattern)).toBe(`subject "${pattern}" ${message}`);
  });

  it.each([
    'repo:example-org/api:ref:refs/heads/main',
    'repo:example-org/api:ref:refs/heads/*',
    'repo:example-org/api:ref:refs/tags/v*',
    'repo:example-org/api:environment:production',
    'repo:example-org/api:pull_request',
    'project_path:group/app:ref_type:branch:ref:main',
    'system:serviceaccount:payments:api',
    '{repo-uuid}:{step-uuid}',
  ])('no warning for %s', (pattern) => {
    expect(subjectProblem(pattern)).toBeNull();
  });

  it('callers', () => {
    expect(callerProblem('*')).toBe('caller "*" trusts every principal');
    expect(callerProblem('arn:aws:iam::111122223333:*')).toBeNull();
    expect(callerProblem('arn:aws:iam::111122223333:role/ci-runner')).toBeNull();
    expect(callerProblem('arn:aws:iam::1111222233?3:role/ci-runner')).toBe(
      'caller "arn:aws:iam::1111222233?3:role/ci-runner" trusts principals of more than one account',
    );
  });
});
