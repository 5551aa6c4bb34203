/**
 * "Is this principal expected to use this identity?" — decided here and nowhere else. The rules
 * (`oidc-unexpected-subject`, `oidc-untrusted-context`, `role-unexpected-caller`), the observation flag
 * recorded at detect time, and `baseline show|seen|who` all ask {@link principalExpected}.
 */
import { parseIdentityArn } from '../arn.js';
import { assumeCaller } from '../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../cloudtrail/types.js';
import { parseSubject } from '../oidc/subject.js';
import type { SubjectClaims } from '../oidc/types.js';
import { shown } from '../policy/display.js';
import { callerAccountListed, matchCaller, matchOidc, type OidcVerdict } from './oidc-match.js';
import { hasWildcard, matchesSomeExtensionOf } from './patterns.js';
import type { BaselineIdentity, PassTarget } from './types.js';

/** Who used an identity, as far as the record (or a stored observation) shows. */
export type Principal =
  | {
      kind: 'oidc';
      /**
       * Provider host of the token, null when the record does not show it. `undefined` only for
       * observations stored before v0.2, which kept no provider or audience: those are judged on subject,
       * workflow and pull-request context alone, against every trust entry.
       */
      provider: string | null | undefined;
      audience: string | null | undefined;
      subject: string | null;
      claims?: SubjectClaims | null;
    }
  /** AssumeRole: role/user/session ARN, a bare account id (cross-account), an AWS service, or null. */
  | { kind: 'caller'; caller: string | null }
  /** AssumeRoleWithSAML: the SAML provider ARN, or null. */
  | { kind: 'saml'; provider: string | null };

/** What the baseline of an identity expects of AssumeRole/AssumeRoleWithSAML callers. */
export type CallerExpectation =
  /** No expectation: a role without `oidc` whose baseline has no `callers` key. */
  | { kind: 'any' }
  /** No caller expected: `callers: []`, or `oidc` declared and no `callers`. */
  | { kind: 'none'; why: 'declared-empty' | 'oidc-only' }
  | { kind: 'listed'; patterns: readonly string[] };

/** The verdict, with the sentences that explain a "no". */
export interface Expectation {
  /** true: expected; false: not expected; null: the baseline sets no expectation (or there is no baseline). */
  expected: boolean | null;
  reasons: string[];
  /** Details of the OIDC match, for OIDC principals of a baselined identity. */
  oidc?: OidcVerdict;
}

/**
 * What `callers` means for an identity:
 * - `callers: [a, b]` → only callers matching a pattern are expected;
 * - `callers: []` → explicitly no AssumeRole caller is expected;
 * - no `callers` key on an identity that declares `oidc` → no caller is expected (a deploy role is assumed
 *   through OIDC; a role chaining into it, or a build service assuming it, is unexpected);
 * - no `callers` key and no `oidc` → no expectation.
 *
 * `callersDeclared` is absent on identities built before v0.2 (or in code): a non-empty list counts as
 * declared, an empty one as absent.
 */
export function callerExpectation(identity: BaselineIdentity): CallerExpectation {
  if (identity.callers.length > 0) return { kind: 'listed', patterns: identity.callers };
  if (identity.callersDeclared === true) return { kind: 'none', why: 'declared-empty' };
  if (identity.oidc.length > 0) return { kind: 'none', why: 'oidc-only' };
  return { kind: 'any' };
}

/**
 * Is `principal` expected to use `identity`? Pure; the one answer for rules, observations and queries.
 *
 * OIDC: the provider, audience, subject (IAM `StringLike`) and workflow must fit one trust entry, and a
 * pull-request context needs `allow_pull_requests` (see {@link matchOidc}). Callers and SAML providers: see
 * {@link callerExpectation}; a bare account id is expected when a listed pattern is in that account, since
 * that is all CloudTrail shows in the role's account for some cross-account calls. AWS service callers
 * (`userIdentity.type` AWSService, e.g. `codebuild.amazonaws.com`) are matched like any caller: list the
 * service name to expect it.
 */
export function principalExpected(
  identity: BaselineIdentity | null | undefined,
  principal: Principal,
): Expectation {
  if (!identity) return { expected: null, reasons: [] };
  if (principal.kind === 'oidc') return oidcExpected(identity, principal);
  const expectation = callerExpectation(identity);
  if (expectation.kind === 'any') return { expected: null, reasons: [] };
  const who = shortName(identity.arn);
  const caller = principal.kind === 'saml' ? principal.provider : principal.caller;
  const through = principal.kind === 'saml' ? 'AssumeRoleWithSAML' : 'AssumeRole';
  if (expectation.kind === 'none') {
    const declared =
      expectation.why === 'declared-empty'
        ? `${who} lists no callers (callers: [])`
        : `${who} declares OIDC trust and no callers`;
    return {
      expected: false,
      reasons: [`${declared}: no ${through} is expected, yet ${describe(caller)} assumed it`],
    };
  }
  const patterns = expectation.patterns;
  const listed = `the callers listed for ${who} (${patterns.length} pattern${patterns.length === 1 ? '' : 's'})`;
  if (caller === null || caller === '') {
    return {
      expected: false,
      reasons: [`${through} of ${who} by a caller the record does not show; ${listed} cannot be checked`],
    };
  }
  if (matchCaller(patterns, caller)) return { expected: true, reasons: [] };
  if (/^\d{12}$/.test(caller)) {
    if (callerAccountListed(patterns, caller)) return { expected: true, reasons: [] };
    return {
      expected: false,
      reasons: [
        `${who} was assumed from account ${caller}; only the account is visible in the role's account`,
        `account ${caller} is not the account of any of ${listed}`,
      ],
    };
  }
  return {
    expected: false,
    reasons: [`${quoted(caller)} assumed ${who} through ${through} and is not among ${listed}`],
  };
}

/**
 * Is `passer` expected to pass `identity` (a role) to the compute service `to`? The same question as
 * {@link principalExpected}, for `iam:PassRole` (whoever passes a role to Lambda, EC2, … gets its credentials
 * without `AssumeRole`):
 * - `passed_to` lists the services the role may go to; another service is unexpected;
 * - `passed_by` lists who may pass it (IAM `ArnLike`, the actor's user or role ARN); anyone else is unexpected;
 * - a `break-glass` role with no `passed_by` is never expected to be passed;
 * - neither key: no expectation (null).
 */
export function passExpected(
  identity: BaselineIdentity | null | undefined,
  passer: string | null,
  to: PassTarget,
): Expectation {
  if (!identity) return { expected: null, reasons: [] };
  const who = shortName(identity.arn);
  const reasons: string[] = [];
  if (identity.passedTo !== undefined && !identity.passedTo.includes(to)) {
    reasons.push(`${who} may be passed to ${identity.passedTo.join(', ')} only, not to ${to}`);
  }
  if (identity.passedBy !== undefined) {
    if (passer === null || passer === '') {
      reasons.push(`the record does not show who passed ${who}; passed_by cannot be checked`);
    } else if (!matchCaller(identity.passedBy, passer)) {
      const n = identity.passedBy.length;
      reasons.push(
        `${quoted(passer)} passed ${who} to ${to} and is not among the ${n} passed_by pattern${n === 1 ? '' : 's'}`,
      );
    }
  } else if (identity.kind === 'break-glass') {
    reasons.push(`${who} is a break-glass role and declares no passed_by: no one is expected to pass it`);
  }
  if (reasons.length > 0) return { expected: false, reasons };
  if (identity.passedBy === undefined && identity.passedTo === undefined) return { expected: null, reasons };
  return { expected: true, reasons };
}

function oidcExpected(identity: BaselineIdentity, p: Extract<Principal, { kind: 'oidc' }>): Expectation {
  const facts = {
    provider: p.provider ?? null,
    audience: p.audience ?? null,
    subject: p.subject,
    claims: p.claims ?? null,
  };
  if (p.provider !== undefined) {
    const v = matchOidc(identity.oidc, facts, { identity: identity.arn });
    return { expected: v.allowed, reasons: v.reasons, oidc: v };
  }
  // A stored observation from before v0.2: no provider or audience was kept; any trust entry may answer.
  for (const trust of identity.oidc) {
    const v = matchOidc([trust], {
      ...facts,
      provider: trust.provider,
      audience: trust.audience ?? null,
      claims: null,
    });
    if (v.allowed) return { expected: true, reasons: [], oidc: v };
  }
  const v = matchOidc(identity.oidc, facts, { identity: identity.arn });
  return { expected: false, reasons: v.reasons, oidc: v };
}

/**
 * The principal of a successful or failed assumption event: the OIDC token of AssumeRoleWithWebIdentity,
 * the SAML provider of AssumeRoleWithSAML, the caller of AssumeRole (an AWS service by its name). Null for
 * any other event.
 */
export function principalOfEvent(e: NormalisedEvent): Principal | null {
  if (e.eventName === 'AssumeRoleWithWebIdentity') {
    const o = e.oidc;
    return {
      kind: 'oidc',
      provider: o?.provider ?? null,
      audience: o?.audience ?? null,
      subject: o?.subject ?? null,
      claims: o?.claims ?? null,
    };
  }
  if (e.eventName === 'AssumeRoleWithSAML') return { kind: 'saml', provider: assumeCaller(e) };
  if (e.eventName === 'AssumeRole') {
    return {
      kind: 'caller',
      caller: assumeCaller(e) ?? (e.actor.type === 'AWSService' ? e.actor.invokedBy : null),
    };
  }
  return null;
}

/** An observation as stored (`subject:<sub>` / `caller:<arn|account|service>`) back into a principal. */
export function principalOfObservation(o: {
  principal: string;
  kind: string;
  provider?: string | null | undefined;
  audience?: string | null | undefined;
}): Principal | null {
  if (o.principal.startsWith('subject:')) {
    return {
      kind: 'oidc',
      provider: o.provider,
      audience: o.provider === undefined ? undefined : (o.audience ?? null),
      subject: o.principal.slice('subject:'.length),
    };
  }
  if (o.principal.startsWith('caller:')) {
    const caller = o.principal.slice('caller:'.length);
    return o.kind === 'saml' ? { kind: 'saml', provider: caller } : { kind: 'caller', caller };
  }
  return null;
}

/**
 * Which of an identity's patterns, each on its own, admit `principal` (for `baseline who`: "may assume, by
 * pattern P"). Judged by {@link principalExpected} on the identity narrowed to one pattern, so it never
 * disagrees with the verdict; empty when the identity does not expect the principal.
 */
export function admittingPatterns(
  identity: BaselineIdentity,
  principal: Principal,
): Array<{ kind: 'subject' | 'caller'; provider: string | null; pattern: string }> {
  if (principalExpected(identity, principal).expected !== true) return [];
  const out: Array<{ kind: 'subject' | 'caller'; provider: string | null; pattern: string }> = [];
  if (principal.kind === 'oidc') {
    for (const trust of identity.oidc) {
      for (const pattern of trust.subjects) {
        const one = { ...identity, oidc: [{ ...trust, subjects: [pattern] }] };
        if (principalExpected(one, principal).expected === true) {
          out.push({ kind: 'subject', provider: trust.provider, pattern });
        }
      }
    }
    return out;
  }
  for (const pattern of identity.callers) {
    if (principalExpected({ ...identity, callers: [pattern] }, principal).expected === true) {
      out.push({ kind: 'caller', provider: null, pattern });
    }
  }
  return out;
}

/**
 * Whether a subject pattern can match some subject of repository `repo` (`owner/name`, or a GitLab project
 * path), compared without case as `baseline who OWNER/REPO` is typed: true when some string starting with
 * `repo:OWNER/REPO:` (or `project_path:PATH:`) matches the pattern. Immutable-id forms (`owner@123`) in the
 * pattern's repository part count as their names.
 */
export function subjectPatternCoversRepository(pattern: string, repo: string): boolean {
  const r = repo.trim().toLowerCase();
  const p = pattern.toLowerCase();
  for (const prefix of ['repo:', 'project_path:']) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    const colon = rest.indexOf(':');
    const head = colon < 0 ? rest : rest.slice(0, colon);
    const named = head.replace(/@[^/:*?]*/g, '') + (colon < 0 ? '' : rest.slice(colon));
    return matchesSomeExtensionOf(prefix + named, `${prefix}${r}:`);
  }
  if (p.startsWith('*') || p.startsWith('?')) {
    return matchesSomeExtensionOf(p, `repo:${r}:`) || matchesSomeExtensionOf(p, `project_path:${r}:`);
  }
  const claims = parseSubject(pattern, null);
  return (
    claims.repository !== undefined &&
    !hasWildcard(claims.repository) &&
    claims.repository.toLowerCase() === r
  );
}

function shortName(arn: string): string {
  const id = parseIdentityArn(arn);
  return id?.kind === 'role' || id?.kind === 'user' ? id.name : arn;
}

function describe(caller: string | null): string {
  return caller === null || caller === '' ? 'a caller the record does not show' : quoted(caller);
}

/** Attacker-influenced text in a sentence: control characters escaped, long values cut (as the rules quote). */
function quoted(s: string): string {
  return shown(s);
}
