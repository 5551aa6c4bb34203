/**
 * Warnings about a valid baseline that trusts more than its author probably meant: subject
 * patterns spanning a whole org, every repo or every ref, callers from any account, broad or
 * expired suppressions. Overdue reviews are not warnings: `baseline-review-overdue` is a rule.
 */
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
  /** Rule ids that exist; when given, suppressions naming another id are reported. */
  knownRules?: readonly string[];
}

const ONLY_WILDCARDS = /^\*+$/;

/** Every warning for a baseline, in file order. */
export function baselineWarnings(baseline: Baseline, opts: WarningOptions = {}): BaselineWarning[] {
  const out: BaselineWarning[] = [];
  baseline.identities.forEach((identity, i) => {
    identity.oidc.forEach((trust, j) => {
      trust.subjects.forEach((subject, k) => {
        const problem = subjectProblem(subject, trust);
        if (problem !== null) {
          out.push({
            field: `identities[${i}].oidc[${j}].subjects[${k}]`,
            message: problem,
          });
        }
      });
      if (trust.allowPullRequests && identity.environment === 'production') {
        out.push({
          field: `identities[${i}].oidc[${j}].allow_pull_requests`,
          message: `pull-request contexts may assume the production identity ${identity.arn}`,
        });
      }
    });
    identity.callers.forEach((caller, k) => {
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
    if (opts.knownRules !== undefined && !opts.knownRules.includes(s.rule)) {
      out.push({
        field: `suppressions[${i}].rule`,
        message: `unknown rule "${s.rule}": it suppresses nothing`,
      });
    }
  });
  return out;
}

/** Why a subject pattern is broad, or null. */
export function subjectProblem(pattern: string, _trust?: OidcTrust): string | null {
  if (ONLY_WILDCARDS.test(pattern)) return `subject "${pattern}" trusts every subject of the provider`;
  if (pattern.startsWith('**')) return `subject "${pattern}" starts with ** and trusts almost any subject`;
  if (pattern.startsWith('repo:')) return githubProblem(pattern);
  if (pattern.startsWith('project_path:')) return gitlabProblem(pattern);
  if (pattern.startsWith('organization:')) return keyedProblem(pattern, ['workspace', 'pipeline', 'project']);
  if (pattern.startsWith('system:serviceaccount:')) return eksProblem(pattern);
  return null;
}

/** `repo:OWNER/REPO:CONTEXT` */
function githubProblem(pattern: string): string | null {
  const rest = pattern.slice('repo:'.length);
  const colon = rest.indexOf(':');
  const repo = colon < 0 ? rest : rest.slice(0, colon);
  const context = colon < 0 ? '' : rest.slice(colon + 1);
  const slash = repo.indexOf('/');
  const owner = slash < 0 ? repo : repo.slice(0, slash);
  const name = slash < 0 ? '' : repo.slice(slash + 1);
  if (owner.includes('*')) return `subject "${pattern}" trusts repositories of any owner`;
  if (name.includes('**') || (colon < 0 && repo.includes('**'))) {
    return `subject "${pattern}" trusts every repository and ref of ${bareName(owner)}`;
  }
  if (name.includes('*')) return `subject "${pattern}" trusts every repository of ${bareName(owner)}`;
  return contextProblem(pattern, context, `${bareName(owner)}/${bareName(name)}`);
}

/** `project_path:GROUP/…/PROJECT:ref_type:…:ref:…` */
function gitlabProblem(pattern: string): string | null {
  const rest = pattern.slice('project_path:'.length);
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const context = colon < 0 ? '' : rest.slice(colon + 1);
  const top = path.split('/')[0] ?? '';
  if (top.includes('*')) return `subject "${pattern}" trusts projects of any group`;
  if (path.includes('*')) return `subject "${pattern}" trusts every project under ${top}`;
  return contextProblem(pattern, context, path);
}

/** What follows the repository: `ref:…`, `environment:…`, `pull_request`, custom claims. */
function contextProblem(pattern: string, context: string, what: string): string | null {
  if (ONLY_WILDCARDS.test(context)) {
    return `subject "${pattern}" trusts every ref and environment of ${what}, pull requests included`;
  }
  const tokens = context.split(':');
  for (let i = 0; i < tokens.length - 1; i += 1) {
    const key = tokens[i];
    const value = tokens[i + 1] ?? '';
    if ((key === 'ref' || key === 'ref_type') && (ONLY_WILDCARDS.test(value) || /^refs\/\*+$/.test(value))) {
      return `subject "${pattern}" trusts every ref (any branch or tag) of ${what}`;
    }
    if (key === 'environment' && ONLY_WILDCARDS.test(value)) {
      return `subject "${pattern}" trusts every environment of ${what}`;
    }
  }
  return null;
}

/** HCP Terraform / Buildkite: `organization:O:workspace:*` and the like. */
function keyedProblem(pattern: string, keys: readonly string[]): string | null {
  const tokens = pattern.split(':');
  if ((tokens[1] ?? '').includes('*')) return `subject "${pattern}" trusts any organization`;
  for (let i = 2; i < tokens.length - 1; i += 2) {
    const key = tokens[i] ?? '';
    if (keys.includes(key) && ONLY_WILDCARDS.test(tokens[i + 1] ?? '')) {
      return `subject "${pattern}" trusts every ${key} of ${tokens[1]}`;
    }
  }
  return null;
}

function eksProblem(pattern: string): string | null {
  const [, , ns = '', sa = ''] = pattern.split(':');
  if (ns.includes('*')) return `subject "${pattern}" trusts service accounts of any namespace`;
  if (ONLY_WILDCARDS.test(sa)) return `subject "${pattern}" trusts every service account of namespace ${ns}`;
  return null;
}

/** Why a caller pattern is broad, or null. */
export function callerProblem(caller: string): string | null {
  if (ONLY_WILDCARDS.test(caller)) return `caller "${caller}" trusts every principal`;
  const m = /^arn:[^:]*:(?:iam|sts)::([^:]*):(.*)$/.exec(caller);
  if (m === null) return null;
  const [, account = '', resource = ''] = m;
  if (account.includes('*')) {
    return ONLY_WILDCARDS.test(resource)
      ? `caller "${caller}" trusts every principal of every account`
      : `caller "${caller}" trusts that principal name in any account`;
  }
  return null;
}

/** `org@123` → `org` for messages. */
function bareName(segment: string): string {
  return segment.replace(/@\d+$/, '');
}
