/**
 * Does an OIDC assumption (or an AssumeRole caller) fit what the baseline declares for the role?
 * Pure, and explains every "no" in a sentence for the alert's `reasons`.
 */
import { identityKeyOf, parseIdentityArn, roleArnFromSession, sameIdentity } from '../arn.js';
import { normaliseHost, parseSubject } from '../oidc/subject.js';
import type { SubjectClaims } from '../oidc/types.js';
import { arnParts, hasWildcard, matchArn, matchPattern } from './patterns.js';
import type { OidcTrust } from './types.js';

/** Outcome of matching an OIDC assumption against a role's trust entries. */
export interface OidcVerdict {
  /** Some entry allows provider, audience, subject and workflow, and the context is not a blocked PR. */
  allowed: boolean;
  /** Some entry names the event's provider. */
  providerAllowed: boolean;
  /** … and accepts its audience (or names none). */
  audienceAllowed: boolean;
  /** … and lists a subject pattern matching the subject. */
  subjectAllowed: boolean;
  /** null when the subject carries no workflow or no such entry lists workflows. */
  workflowAllowed: boolean | null;
  /** PR/MR context and no matching trust allows PRs. */
  pullRequestBlocked: boolean;
  /** Human sentences, e.g. `subject repo:x/y:pull_request is not in the 2 subjects allowed for gha-deploy`. */
  reasons: string[];
}

/** The OIDC facts of one event (shape of `OidcInfo` without the provider ARN). */
export interface OidcFacts {
  provider: string | null;
  audience: string | null;
  subject: string | null;
  claims: SubjectClaims | null;
}

export interface MatchOidcOptions {
  /** Role ARN or name, for sentences ("… allowed for gha-deploy"). */
  identity?: string;
}

/**
 * Match an OIDC assumption against trust entries.
 *
 * An entry applies when its provider equals the event's (case-insensitive, scheme and trailing `/`
 * ignored); its audience, when set, must equal the event's; one of its subject patterns must match;
 * when the subject carries `job_workflow_ref` and the entry lists workflows, one must match. A PR/MR
 * context is allowed only by a matching entry with `allowPullRequests`.
 */
export function matchOidc(
  trusts: readonly OidcTrust[],
  oidc: OidcFacts,
  opts: MatchOidcOptions = {},
): OidcVerdict {
  const who = displayName(opts.identity);
  const provider = normaliseHost(oidc.provider);
  const subject = oidc.subject;
  const claims =
    oidc.claims ?? (subject === null || subject === undefined ? null : parseSubject(subject, oidc.provider));
  const workflow = claims?.workflow;
  const isPullRequest = claims?.pullRequest === true;
  const reasons: string[] = [];

  const byProvider = provider === null ? [] : trusts.filter((t) => normaliseHost(t.provider) === provider);
  const byAudience = byProvider.filter((t) => t.audience === undefined || t.audience === oidc.audience);
  const bySubject =
    subject === null || subject === undefined
      ? []
      : byAudience.filter((t) =>
          t.subjects.some((p) => subjectForms(subject).some((f) => matchPattern(p, f))),
        );
  const listing = workflow === undefined ? [] : bySubject.filter((t) => t.workflows !== undefined);
  const matching = bySubject.filter(
    (t) =>
      workflow === undefined ||
      t.workflows === undefined ||
      t.workflows.some((p) => matchPattern(p, workflow)),
  );

  const providerAllowed = byProvider.length > 0;
  const audienceAllowed = byAudience.length > 0;
  const subjectAllowed = bySubject.length > 0;
  const workflowAllowed = listing.length === 0 ? null : matching.length > 0;
  const pullRequestBlocked = isPullRequest && !matching.some((t) => t.allowPullRequests);

  if (trusts.length === 0) {
    reasons.push(`${who} declares no OIDC trust`);
  } else if (!providerAllowed) {
    const known = unique(trusts.map((t) => t.provider));
    reasons.push(
      provider === null
        ? `the OIDC provider is not recorded; ${who} trusts ${list(known)}`
        : `provider ${clean(oidc.provider ?? '')} is not trusted for ${who} (trusted: ${list(known)})`,
    );
  } else if (!audienceAllowed) {
    const known = unique(byProvider.flatMap((t) => (t.audience === undefined ? [] : [t.audience])));
    reasons.push(
      `audience ${oidc.audience === null ? '(none)' : clean(oidc.audience)} is not allowed for ${who} (allowed: ${list(known)})`,
    );
  } else if (!subjectAllowed) {
    const patterns = unique(byAudience.flatMap((t) => t.subjects));
    if (subject === null || subject === undefined) {
      reasons.push(`the token subject is not recorded; ${who} allows ${count(patterns.length, 'subject')}`);
    } else {
      reasons.push(
        `subject ${clean(subject)} is not in the ${count(patterns.length, 'subject')} allowed for ${who}`,
      );
      const hint = immutableHint(subject, patterns);
      if (hint !== null) reasons.push(hint);
    }
  } else if (workflowAllowed === false && workflow !== undefined) {
    const patterns = unique(listing.flatMap((t) => t.workflows ?? []));
    reasons.push(
      `workflow ${clean(workflow)} is not in the ${count(patterns.length, 'workflow')} allowed for ${who}`,
    );
  }
  if (pullRequestBlocked) {
    reasons.push(
      `subject ${clean(subject ?? '')} is a pull-request context and ${who} does not allow pull requests`,
    );
  }

  return {
    allowed: matching.length > 0 && !pullRequestBlocked,
    providerAllowed,
    audienceAllowed,
    subjectAllowed,
    workflowAllowed,
    pullRequestBlocked,
    reasons,
  };
}

/**
 * True when an AssumeRole caller fits one of the `callers` patterns (IAM `ArnLike`, see patterns.ts).
 *
 * An assumed-role session ARN also matches its role's ARN, and a literal pattern names an identity the way
 * IAM does: a role with a path matches the baseline's path-less ARN, and names compare without case (IAM
 * role and user names are unique regardless of case). A bare 12-digit account id (all CloudTrail shows for
 * some cross-account calls) matches the account itself (`111122223333`), its root
 * (`arn:aws:iam::111122223333:root`) and whole-account patterns (`arn:aws:iam::111122223333:*`); a
 * specific role pattern does not match it here ({@link callerAccountListed} is the weaker account check).
 */
export function matchCaller(patterns: readonly string[], caller: string): boolean {
  if (typeof caller !== 'string' || caller === '') return false;
  if (/^\d{12}$/.test(caller)) return patterns.some((p) => matchesAccount(p, caller));
  const forms = [caller];
  // Session ARN → its role ARN (no path is recorded in a session ARN).
  const role = roleArnFromSession(caller);
  if (role !== null) forms.push(role);
  return patterns.some(
    (p) =>
      forms.some((f) => matchArn(p, f)) ||
      (!hasWildcard(resourceOf(p)) && identityKeyOf(p) !== null && sameIdentity(p, caller)),
  );
}

/**
 * True when a bare account id (a cross-account caller as the role's account records it) is the account of
 * one of the patterns: any listed caller of that account could have made the call, so the account is all
 * that can be checked.
 */
export function callerAccountListed(patterns: readonly string[], account: string): boolean {
  return patterns.some((p) => {
    if (/^\d{12}$/.test(p) || !p.startsWith('arn:')) return matchPattern(p, account);
    const acct = arnParts(p)?.[4];
    return acct !== undefined && matchPattern(acct, account);
  });
}

function matchesAccount(pattern: string, account: string): boolean {
  if (matchPattern(pattern, account)) return true;
  const parts = arnParts(pattern);
  if (parts === null || (parts[2] !== 'iam' && parts[2] !== 'sts')) return false;
  const acct = parts[4] ?? '';
  const resource = parts[5] ?? '';
  return matchPattern(acct, account) && (resource === 'root' || /^\*+$/.test(resource));
}

function resourceOf(arnPattern: string): string {
  return arnParts(arnPattern)?.[5] ?? arnPattern;
}

/**
 * A custom subject template that includes `job_workflow_ref` puts the workflow inside the subject;
 * the workflow is checked against `workflows`, so subject patterns are also tried on the subject
 * without that pair (`repo:o/r:ref:refs/heads/main:job_workflow_ref:…` → `repo:o/r:ref:refs/heads/main`).
 */
function subjectForms(subject: string): string[] {
  const i = subject.indexOf(':job_workflow_ref:');
  if (i < 0) return [subject];
  const rest = subject.slice(i + ':job_workflow_ref:'.length);
  // The workflow value has no ':' (refs use '/'), so any following pairs start at the next ':'.
  const j = rest.indexOf(':');
  const stripped = subject.slice(0, i) + (j >= 0 ? rest.slice(j) : '');
  return [subject, stripped];
}

/** When the subject carries immutable ids and the name-only form is listed, say so. */
function immutableHint(subject: string, patterns: readonly string[]): string | null {
  const m = /^repo:([^/@:]+)@\d+\/([^/@:]+)@\d+(:.*)?$/.exec(subject);
  if (m === null) return null;
  const nameOnly = `repo:${m[1]}/${m[2]}${m[3] ?? ''}`;
  if (!patterns.some((p) => matchPattern(p, nameOnly))) return null;
  return `the subject carries immutable owner/repository ids; the baseline lists only the name form ${clean(nameOnly)}`;
}

function displayName(identity: string | undefined): string {
  if (identity === undefined || identity === '') return 'this role';
  const id = parseIdentityArn(identity);
  if (id?.kind === 'assumed-role') return clean(id.role);
  return clean(id?.kind === 'role' || id?.kind === 'user' ? id.name : identity);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function list(xs: readonly string[]): string {
  return xs.length === 0 ? 'none' : xs.join(', ');
}

/** Attacker text stays one line: control characters become `\uXXXX`, and very long values are cut. */
function clean(s: string): string {
  const escaped = s.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 300 ? `${escaped.slice(0, 300)}…` : escaped;
}
