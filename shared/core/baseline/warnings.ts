/**
 * Warnings about a valid baseline that trusts more than its author probably meant: subject
 * patterns spanning a whole org, every repo or every ref, callers from any account, broad or
 * expired suppressions. Overdue reviews are not warnings: `baseline-review-overdue` is a rule.
 */

import { arnParts, hasDoubleStar } from './patterns.js';
import { expiryMs } from './schema.js';
import type { Baseline, OidcTrust } from './types.js';

/** A warning before it is given a file and line (parse.ts adds those). */
export interface BaselineWarning {
  /** Dotted path in file terms, e.g. `identities[0].oidc[0].subjects[1]`. */
  field: string;
  message: string;
}

export interface WarningOptions {
  /** Reference time for "already expired" checks; omitted → no expiry warnings (core has no clock). */
  nowMs?: number;
}

/** Only stars: matches every value. */
const ONLY_WILDCARDS = /^\*+$/;

/** Every warning for a baseline, in file order. */
export function baselineWarnings(baseline: Baseline, opts: WarningOptions = {}): BaselineWarning[] {
  const out: BaselineWarning[] = [];
  const star = (field: string, pattern: string | undefined, what: string) => {
    const problem = pattern === undefined ? null : doubleStarProblem(pattern, what);
    if (problem !== null) out.push({ field, message: problem });
  };
  baseline.identities.forEach((identity, i) => {
    star(`identities[${i}].arn`, identity.arn, 'arn');
    identity.oidc.forEach((trust, j) => {
      trust.subjects.forEach((subject, k) => {
        star(`identities[${i}].oidc[${j}].subjects[${k}]`, subject, 'subject');
        const problem = subjectProblem(subject, trust);
        if (problem !== null) {
          out.push({
            field: `identities[${i}].oidc[${j}].subjects[${k}]`,
            message: problem,
          });
        }
      });
      for (const [k, w] of (trust.workflows ?? []).entries()) {
        star(`identities[${i}].oidc[${j}].workflows[${k}]`, w, 'workflow');
      }
      if (trust.allowPullRequests && identity.environment === 'production') {
        out.push({
          field: `identities[${i}].oidc[${j}].allow_pull_requests`,
          message: `pull-request contexts may assume the production identity ${identity.arn}`,
        });
      }
    });
    identity.callers.forEach((caller, k) => {
      star(`identities[${i}].callers[${k}]`, caller, 'caller');
      const problem = callerProblem(caller);
      if (problem !== null) out.push({ field: `identities[${i}].callers[${k}]`, message: problem });
    });
  });

  const teams = Object.keys(baseline.teams);
  const defaultTeam = baseline.defaults.team;
  if (defaultTeam !== undefined && !teams.includes(defaultTeam)) {
    out.push({
      field: 'defaults.team',
      message: `team "${defaultTeam}" is not declared under teams: its alerts have no route in this file`,
    });
  }

  baseline.suppressions.forEach((s, i) => {
    star(`suppressions[${i}].actor`, s.actor, 'actor');
    star(`suppressions[${i}].target`, s.target, 'target');
    if (s.actor === undefined && s.target === undefined) {
      out.push({
        field: `suppressions[${i}]`,
        message: `suppresses every ${s.rule} finding (no actor or target given)`,
      });
    }
    for (const key of ['actor', 'target'] as const) {
      const pattern = s[key];
      if (pattern !== undefined && ONLY_WILDCARDS.test(pattern)) {
        out.push({ field: `suppressions[${i}].${key}`, message: `"${pattern}" matches every ${key}` });
      }
    }
    if (opts.nowMs !== undefined && expiryMs(s.expires) <= opts.nowMs) {
      out.push({
        field: `suppressions[${i}].expires`,
        message: `expired on ${s.expires}: it no longer applies`,
      });
    }
  });
  baseline.incidents.forEach((w, i) => {
    if (w.source === 'file') star(`incidents[${i}].identity`, w.identity, 'identity');
  });
  return out;
}

/**
 * Why a subject pattern is broad, or null. Every sentence is a claim about {@link matchPattern} (IAM
 * `StringLike`: `*` spans `:` and `/`), checked by a property test: "every repository of O" means that for
 * any repository R of O some subject `repo:O/R:…` matches; "more than one owner" that two subjects with
 * different owners match; "pull requests included" that `repo:O/R:pull_request` is accepted.
 */
export function subjectProblem(pattern: string, trust?: OidcTrust): string | null {
  if (ONLY_WILDCARDS.test(pattern)) {
    return `subject "${pattern}" trusts every subject of the provider`;
  }
  if (pattern.startsWith('*')) {
    return `subject "${pattern}" starts with * and trusts subjects of every repository of every owner`;
  }
  if (pattern.startsWith('repo:')) return githubProblem(pattern, trust);
  if (pattern.startsWith('project_path:')) return gitlabProblem(pattern, trust);
  if (pattern.startsWith('organization:')) return keyedProblem(pattern, ['workspace', 'pipeline', 'project']);
  if (pattern.startsWith('system:serviceaccount:')) return eksProblem(pattern);
  return null;
}

/** Index of the first `*` or `?` at or after `from`, or -1. */
function firstWildcard(text: string, from = 0): number {
  for (let i = from; i < text.length; i += 1) if (text[i] === '*' || text[i] === '?') return i;
  return -1;
}

/** Index of `ch` before the first wildcard (a literal occurrence), or -1. */
function literalIndex(text: string, ch: string, from = 0): number {
  const w = firstWildcard(text, from);
  const i = text.indexOf(ch, from);
  return i < 0 || (w >= 0 && w < i) ? -1 : i;
}

/** Index of the first of `chars` in `text` at or after `from`, or -1. */
function firstOf(text: string, chars: string, from = 0): number {
  for (let i = from; i < text.length; i += 1) if (chars.includes(text[i] as string)) return i;
  return -1;
}

/**
 * `OWNER/NAME[:CONTEXT]` after a `repo:` / `project_path:` prefix: which part first holds a wildcard.
 * (`?` stands for one character: in the owner or name it admits more than one of them.)
 */
function repositoryProblem(
  pattern: string,
  rest: string,
  nouns: { owner: string; repo: string; everyOwner: string; of: string },
  trust: OidcTrust | undefined,
): string | null {
  const i = firstOf(rest, '/:*');
  if (i < 0 || rest[i] === ':') return null; // no repository named: not a subject shape of this provider
  if (rest[i] === '*') {
    return i === 0
      ? `subject "${pattern}" trusts every ${nouns.repo} of ${nouns.everyOwner}`
      : `subject "${pattern}" trusts ${nouns.repo.replace(/y$/, 'ie')}s of more than one ${nouns.owner}`;
  }
  const owner = rest.slice(0, i);
  if (owner.includes('?'))
    return `subject "${pattern}" trusts ${nouns.repo.replace(/y$/, 'ie')}s of more than one ${nouns.owner}`;
  const j = firstOf(rest, ':*', i + 1);
  const shownOwner = bareName(owner);
  if (j >= 0 && rest[j] === '*') {
    return j === i + 1
      ? `subject "${pattern}" trusts every ${nouns.repo} ${nouns.of} ${shownOwner}`
      : `subject "${pattern}" trusts more than one ${nouns.repo} ${nouns.of} ${shownOwner}`;
  }
  const name = rest.slice(i + 1, j < 0 ? rest.length : j);
  if (name.includes('?')) {
    return `subject "${pattern}" trusts more than one ${nouns.repo} ${nouns.of} ${shownOwner}`;
  }
  if (j < 0) return null;
  return contextProblem(
    pattern,
    rest.slice(j + 1),
    `${shownOwner}/${name.split('/').map(bareName).join('/')}`,
    trust,
  );
}

/** `repo:OWNER/REPO:CONTEXT` */
function githubProblem(pattern: string, trust: OidcTrust | undefined): string | null {
  const nouns = { owner: 'owner', repo: 'repository', everyOwner: 'every owner', of: 'of' };
  return repositoryProblem(pattern, pattern.slice('repo:'.length), nouns, trust);
}

/** `project_path:GROUP/…/PROJECT:ref_type:…:ref:…` */
function gitlabProblem(pattern: string, trust: OidcTrust | undefined): string | null {
  const nouns = { owner: 'group', repo: 'project', everyOwner: 'every group', of: 'under' };
  return repositoryProblem(pattern, pattern.slice('project_path:'.length), nouns, trust);
}

/** What follows the repository: `ref:…`, `environment:…`, `pull_request`, custom claims. */
function contextProblem(
  pattern: string,
  context: string,
  what: string,
  trust: OidcTrust | undefined,
): string | null {
  if (ONLY_WILDCARDS.test(context)) {
    return trust?.allowPullRequests === true
      ? `subject "${pattern}" trusts every ref and environment of ${what}, pull requests included`
      : `subject "${pattern}" trusts every ref and environment of ${what} (pull requests stay refused: allow_pull_requests is false)`;
  }
  const ref = /^(?:ref_type:([^:*?]+):)?ref:(?:refs\/)?\*+$/.exec(context);
  if (ref !== null) {
    const which =
      ref[1] === 'branch' ? 'every branch' : ref[1] === 'tag' ? 'every tag' : 'every ref (any branch or tag)';
    return `subject "${pattern}" trusts ${which} of ${what}`;
  }
  if (/^environment:\*+$/.test(context)) return `subject "${pattern}" trusts every environment of ${what}`;
  return null;
}

/** HCP Terraform / Buildkite: `organization:O:workspace:*` and the like. */
function keyedProblem(pattern: string, keys: readonly string[]): string | null {
  const rest = pattern.slice('organization:'.length);
  const colon = literalIndex(rest, ':');
  if (colon < 0) {
    return firstWildcard(rest) < 0 ? null : `subject "${pattern}" trusts more than one organization`;
  }
  const org = rest.slice(0, colon);
  const tokens = rest.slice(colon + 1).split(':');
  for (let i = 0; i < tokens.length - 1; i += 2) {
    const key = tokens[i] ?? '';
    if (firstWildcard(key) >= 0) return null;
    const value = tokens[i + 1] ?? '';
    if (keys.includes(key) && ONLY_WILDCARDS.test(value)) {
      return `subject "${pattern}" trusts every ${key} of ${org}`;
    }
    if (firstWildcard(value) >= 0) return null;
  }
  return null;
}

function eksProblem(pattern: string): string | null {
  const rest = pattern.slice('system:serviceaccount:'.length);
  const colon = literalIndex(rest, ':');
  if (colon < 0) {
    return firstWildcard(rest) < 0
      ? null
      : `subject "${pattern}" trusts service accounts of more than one namespace`;
  }
  const ns = rest.slice(0, colon);
  const sa = rest.slice(colon + 1);
  if (ONLY_WILDCARDS.test(sa)) {
    return `subject "${pattern}" trusts every service account of namespace ${ns}`;
  }
  return null;
}

/** Why a caller pattern is broad, or null (IAM `ArnLike`: each of the six ARN parts on its own). */
export function callerProblem(caller: string): string | null {
  if (ONLY_WILDCARDS.test(caller)) return `caller "${caller}" trusts every principal`;
  const parts = arnParts(caller);
  if (parts === null || (parts[2] !== 'iam' && parts[2] !== 'sts')) return null;
  const account = parts[4] ?? '';
  const resource = parts[5] ?? '';
  if (ONLY_WILDCARDS.test(account)) {
    return ONLY_WILDCARDS.test(resource)
      ? `caller "${caller}" trusts every principal of every account`
      : `caller "${caller}" trusts that principal name in any account`;
  }
  if (firstWildcard(account) >= 0) return `caller "${caller}" trusts principals of more than one account`;
  return null;
}

/** A pattern written with v0.1's `**`, which now reads as `*`. */
export function doubleStarProblem(pattern: string, what: string): string | null {
  if (!hasDoubleStar(pattern)) return null;
  return `${what} "${pattern}": "**" is deprecated and now means the same as "*" (IAM wildcards: "*" already matches ":" and "/"); write "*"`;
}

/** `org@123` → `org` for messages. */
function bareName(segment: string): string {
  return segment.replace(/@\d+$/, '');
}
