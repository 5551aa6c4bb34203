/**
 * Every warning `baseline validate` prints about a subject or caller pattern is a claim about the matcher;
 * this property test generates patterns and checks each claim against `matchPattern` / `matchArn`
 * (fixed seed, so a failure reproduces).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { principalExpected } from '../../shared/core/baseline/expected.js';
import { matchArn, matchPattern } from '../../shared/core/baseline/patterns.js';
import type { BaselineIdentity, OidcTrust } from '../../shared/core/baseline/types.js';
import { callerProblem, subjectProblem } from '../../shared/core/baseline/warnings.js';

const SEED = 20_260_501;
const GH = 'token.actions.githubusercontent.com';

const piece = fc.constantFrom('a', 'b', 'c', '-', '*', '?', '**', 'api', 'acme');
const segment = fc.array(piece, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(''));
const context = fc.oneof(
  fc.constantFrom(
    'ref:refs/heads/main',
    'ref:refs/heads/*',
    'ref:*',
    'ref:refs/*',
    'ref:refs/tags/v*',
    'environment:*',
    'environment:prod',
    'environment:pro?',
    'pull_request',
    '*',
    '**',
    'p*',
    '*:job_workflow_ref:acme/api/.github/workflows/d.yml@refs/heads/main',
  ),
  segment,
);
const githubPattern = fc
  .tuple(segment, fc.option(segment, { nil: undefined }), fc.option(context, { nil: undefined }))
  .map(
    ([owner, repo, ctx]) =>
      `repo:${owner}${repo === undefined ? '' : `/${repo}`}${ctx === undefined ? '' : `:${ctx}`}`,
  );
const anyPattern = fc.oneof(
  githubPattern,
  githubPattern.map((p) => `*${p.slice('repo:'.length)}`),
  fc.constantFrom('*', '**', '***'),
);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

/**
 * Concrete strings a pattern produces (each matches it by construction): the first three wildcards take
 * each of a few texts, later ones the first text only.
 */
function instances(pattern: string, starTexts: readonly string[], oneTexts: readonly string[]): string[] {
  let out = [''];
  let wildcards = 0;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '*' || ch === '?') {
      while (ch === '*' && pattern[i + 1] === '*') i += 1;
      const texts = ch === '*' ? starTexts : oneTexts;
      const choices = wildcards < 3 ? texts : texts.slice(0, 1);
      wildcards += 1;
      out = out.flatMap((s) => choices.map((t) => s + t));
    } else out = out.map((s) => s + ch);
  }
  return out;
}

/** Owner and repository of a GitHub subject (`repo:OWNER/REPO:…`). */
function repoOf(subject: string): { owner: string; repo: string } | null {
  const m = /^repo:([^/:]+)\/([^:]+)(?::|$)/.exec(subject);
  return m === null ? null : { owner: m[1] as string, repo: m[2] as string };
}

const trustOf = (pattern: string, allowPullRequests: boolean): OidcTrust => ({
  provider: GH,
  subjects: [pattern],
  allowPullRequests,
});

function identityOf(trust: OidcTrust): BaselineIdentity {
  return {
    arn: 'arn:aws:iam::111122223333:role/r',
    kind: 'ci',
    owner: 'o',
    purpose: 'p',
    oidc: [trust],
    callers: [],
  };
}

describe('baseline warnings are true of the matcher', () => {
  it('subject warnings', () => {
    fc.assert(
      fc.property(anyPattern, fc.boolean(), name, name, name, (pattern, allowPr, o, r, x) => {
        const trust = trustOf(pattern, allowPr);
        const message = subjectProblem(pattern, trust);
        const claim = message?.slice(`subject "${pattern}" `.length) ?? null;
        const samples = instances(pattern, ['', 'zz', ':q', '/y', 'x/y'], ['a', 'b']).map(
          (s) => `${s}:ref:refs/heads/main`,
        );
        const fullSamples = instances(
          pattern,
          ['', 'zz', 'x/y', `${o}/${r}:ref:refs/heads/${x}`],
          ['a', 'b'],
        );
        for (const s of fullSamples) expect(matchPattern(pattern, s)).toBe(true);

        if (claim === 'trusts every subject of the provider') {
          for (const s of [`repo:${o}/${r}:ref:refs/heads/${x}`, `${o}:${r}`, '', 'repo:a/b:pull_request']) {
            expect(matchPattern(pattern, s)).toBe(true);
          }
        } else if (
          claim === 'trusts every repository of every owner' ||
          claim === 'starts with * and trusts subjects of every repository of every owner'
        ) {
          // For any owner/repo some subject of it matches: the first `*` reads "OWNER/REPO:" (or more).
          const first = pattern.indexOf('*');
          const witness = instances(pattern.slice(first + 1), [''], ['a']).map(
            (rest) => `${pattern.slice(0, first)}${first === 0 ? `repo:${o}/${r}:` : `${o}/${r}:`}${rest}`,
          );
          expect(
            witness.some((s) => matchPattern(pattern, s) && repoOf(s)?.owner === o && repoOf(s)?.repo === r),
          ).toBe(true);
        } else if (claim === 'trusts repositories of more than one owner') {
          const owners = new Set(
            fullSamples.concat(samples.filter((s) => matchPattern(pattern, s))).flatMap((s) => {
              const at = repoOf(s);
              return at === null ? [] : [at.owner];
            }),
          );
          expect(owners.size).toBeGreaterThan(1);
        } else if (claim?.startsWith('trusts every repository of ')) {
          const owner = claim.slice('trusts every repository of '.length);
          const first = pattern.indexOf('*');
          const witness = instances(pattern.slice(first + 1), [''], ['a']).map(
            (rest) => `${pattern.slice(0, first)}${r}:${rest}`,
          );
          expect(
            witness.some(
              (s) => matchPattern(pattern, s) && repoOf(s)?.owner === owner && repoOf(s)?.repo === r,
            ),
          ).toBe(true);
        } else if (claim?.startsWith('trusts more than one repository of ')) {
          const repos = new Set(
            fullSamples.flatMap((s) => {
              const at = repoOf(s);
              return at === null ? [] : [`${at.owner}/${at.repo}`];
            }),
          );
          expect(repos.size).toBeGreaterThan(1);
        } else if (claim !== null) {
          const m =
            /^trusts every (ref and environment|ref \(any branch or tag\)|environment) of ([^ ,]+)(.*)$/.exec(
              claim,
            );
          expect(m, `unrecognised claim: ${claim}`).not.toBeNull();
          const [, what = '', repo = '', tail = ''] = m ?? [];
          const base = `repo:${repo}:`;
          if (what !== 'environment') {
            expect(matchPattern(pattern, `${base}ref:refs/heads/${x}`)).toBe(true);
            expect(matchPattern(pattern, `${base}ref:refs/tags/${x}`)).toBe(true);
          }
          if (what !== 'ref (any branch or tag)')
            expect(matchPattern(pattern, `${base}environment:${x}`)).toBe(true);
          if (what === 'ref and environment') {
            const pr = `${base}pull_request`;
            expect(matchPattern(pattern, pr)).toBe(true);
            const verdict = principalExpected(identityOf(trust), {
              kind: 'oidc',
              provider: GH,
              audience: null,
              subject: pr,
            });
            // "pull requests included" ⇔ a PR subject is expected; "stay refused" ⇔ it is not.
            expect(verdict.expected).toBe(tail === ', pull requests included');
          }
        }

        // No warning on a `repo:` pattern ⇒ every subject it matches belongs to one repository.
        if (message === null && pattern.startsWith('repo:')) {
          const repos = new Set(
            fullSamples
              .concat(samples)
              .filter((s) => matchPattern(pattern, s))
              .flatMap((s) => {
                const at = repoOf(s);
                return at === null ? [] : [`${at.owner}/${at.repo}`];
              }),
          );
          expect(repos.size).toBeLessThanOrEqual(1);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('caller warnings', () => {
    const acct = fc.constantFrom('111122223333', '*', '1111*', '11112222333?', '**');
    const resource = fc.constantFrom('role/ci-runner', '*', '**', 'role/*', 'root');
    fc.assert(
      fc.property(
        acct,
        resource,
        name,
        fc.integer({ min: 100000000000, max: 999999999999 }),
        (a, res, n, other) => {
          const pattern = `arn:aws:iam::${a}:${res}`;
          const claim = callerProblem(pattern)?.slice(`caller "${pattern}" `.length) ?? null;
          const accounts = [String(other), '111122223333', '444455556666'];
          if (claim === 'trusts every principal of every account') {
            for (const account of accounts) {
              expect(matchArn(pattern, `arn:aws:iam::${account}:role/${n}`)).toBe(true);
              expect(matchArn(pattern, `arn:aws:iam::${account}:user/${n}`)).toBe(true);
            }
          } else if (claim === 'trusts that principal name in any account') {
            const inst = pattern.replace(/^arn:aws:iam::[^:]*:/, '').replace(/\*+/g, n);
            for (const account of accounts)
              expect(matchArn(pattern, `arn:aws:iam::${account}:${inst}`)).toBe(true);
          } else if (claim === 'trusts principals of more than one account') {
            const inst = res.replace(/\*+/g, n);
            const hits = instances(a, ['', '1', '99'], ['3', '4']).filter((x) =>
              matchArn(pattern, `arn:aws:iam::${x}:${inst}`),
            );
            expect(new Set(hits).size).toBeGreaterThan(1);
          } else {
            expect(claim).toBeNull();
            // No warning ⇒ one account only.
            expect(matchArn(pattern, `arn:aws:iam::${other}:${res.replace(/\*+/g, n)}`)).toBe(
              String(other) === a,
            );
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
    expect(callerProblem('*')).toBe('caller "*" trusts every principal');
    expect(matchArn('*', 'arn:aws:iam::444455556666:role/x')).toBe(true);
  });
});
