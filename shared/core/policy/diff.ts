import { statementAllows } from './actions.js';
import { shown } from './display.js';
import { baselineCovers } from './glob.js';
import {
  ASSUME_ACTIONS,
  analyseTrust,
  oidcConditions,
  oidcProviderOf,
  type TrustPrincipal,
  type TrustStatement,
} from './trust.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/** One way a new trust policy widens who can assume the role. */
export interface TrustChange {
  /** Statement id in the new document (Sid or `#index`). */
  statement: string;
  adds: 'principal' | 'subject' | 'provider';
  /** Principal as written, OIDC provider issuer, or subject pattern (`*` when the statement has no `sub` condition). */
  value: string;
  /** One human sentence, e.g. "statement #1 adds principal arn:aws:iam::999988887777:root, not among the baseline's callers". */
  detail: string;
}

/** The parts of a role's baseline entry that describe who may assume it. */
export interface TrustBaseline {
  /** Caller ARN globs (`*` = any run without `:`, `**` = anything). */
  callers: string[];
  oidc: Array<{ provider: string; subjects: string[] }>;
}

const CALLER_KINDS = new Set<TrustPrincipal['kind']>(['any', 'account', 'arn']);

/**
 * What `newDoc` trusts beyond `oldDoc` (when known; UpdateAssumeRolePolicy records only the new document) and
 * beyond the baseline's declared `callers` and OIDC `subjects`. Only Allow statements granting an
 * `sts:AssumeRole*` action count.
 *
 * Baseline rules: an AWS principal (`*`, account, ARN) is covered when a caller glob matches it (an account
 * is also tried as `arn:aws:iam::ACCOUNT:root`); service and SAML principals are compared with callers only
 * when the baseline lists some. A provider is covered when a baseline provider equals its issuer or its host.
 * A subject pattern is covered when it equals a baseline subject or a baseline subject provably contains it
 * (see {@link baselineCovers}); subjects of a provider the baseline does not declare are reported through the
 * provider alone. Never throws.
 */
export function diffTrust(
  oldDoc: PolicyDocument | null,
  newDoc: PolicyDocument,
  baseline?: TrustBaseline,
): TrustChange[] {
  const previous = oldDoc ? summarise(oldDoc) : null;
  const changes: TrustChange[] = [];
  const seen = new Set<string>();
  const emit = (statement: string, adds: TrustChange['adds'], value: string, why: string[]): void => {
    if (why.length === 0) return;
    const key = `${statement}\u0000${adds}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    const shownValue = adds === 'subject' && value === '*' ? 'any subject (no sub condition)' : shown(value);
    changes.push({
      statement,
      adds,
      value,
      detail: `statement ${shown(statement)} adds ${adds} ${shownValue}, ${why.join(' and ')}`,
    });
  };

  for (const { raw, statement } of assumeStatements(newDoc)) {
    for (const principal of effectivePrincipals(statement)) {
      if (principal.kind === 'federated-oidc') {
        diffOidc(raw, statement, oidcProviderOf(principal.value), previous, baseline, emit);
        continue;
      }
      const why: string[] = [];
      if (previous && !previous.principals.has(principalKey(principal)))
        why.push('not in the previous trust policy');
      if (
        baseline &&
        comparesWithCallers(principal, baseline) &&
        !callersCover(baseline.callers, principal)
      ) {
        why.push("not among the baseline's callers");
      }
      emit(statement.id, 'principal', principal.value, why);
    }
  }
  return changes;
}

type Emit = (statement: string, adds: TrustChange['adds'], value: string, why: string[]) => void;

function diffOidc(
  raw: PolicyStatement,
  statement: TrustStatement,
  provider: string,
  previous: Summary | null,
  baseline: TrustBaseline | undefined,
  emit: Emit,
): void {
  const lower = provider.toLowerCase();
  const inPrevious = previous?.providers.get(lower);
  const baselineEntries = baseline?.oidc.filter((o) => providerMatches(o.provider, provider)) ?? [];
  const why: string[] = [];
  if (previous && !inPrevious) why.push('not in the previous trust policy');
  if (baseline && baselineEntries.length === 0) why.push("not among the baseline's OIDC providers");
  emit(statement.id, 'provider', provider, why);

  // Cognito identity pools are scoped by aud, not sub.
  if (lower === 'cognito-identity.amazonaws.com') return;
  const oidc = oidcConditions(provider, raw.conditions);
  const baselineSubjects = baselineEntries.flatMap((o) => o.subjects);
  if (oidc.subjects.length === 0) {
    const reasons: string[] = [];
    if (inPrevious && !inPrevious.unrestricted)
      reasons.push('while the previous trust policy restricted subjects');
    if (baselineSubjects.length > 0) {
      reasons.push(`while the baseline allows ${baselineSubjects.length} subject pattern(s)`);
    }
    emit(statement.id, 'subject', '*', reasons);
    return;
  }
  for (const subject of oidc.subjects) {
    const reasons: string[] = [];
    if (inPrevious && !inPrevious.unrestricted && !inPrevious.subjects.has(subject)) {
      reasons.push('not in the previous trust policy');
    }
    if (
      baselineEntries.length > 0 &&
      !baselineSubjects.some((b) => b === subject || baselineCovers(b, subject))
    ) {
      reasons.push(`not covered by the baseline's subjects for ${shown(provider)}`);
    }
    emit(statement.id, 'subject', subject, reasons);
  }
}

interface Summary {
  principals: Set<string>;
  providers: Map<string, { subjects: Set<string>; unrestricted: boolean }>;
}

function summarise(doc: PolicyDocument): Summary {
  const summary: Summary = { principals: new Set(), providers: new Map() };
  for (const { raw, statement } of assumeStatements(doc)) {
    for (const principal of effectivePrincipals(statement)) {
      summary.principals.add(principalKey(principal));
      if (principal.kind !== 'federated-oidc') continue;
      const provider = oidcProviderOf(principal.value);
      const entry = summary.providers.get(provider.toLowerCase()) ?? {
        subjects: new Set(),
        unrestricted: false,
      };
      const oidc = oidcConditions(provider, raw.conditions);
      if (oidc.subjects.length === 0) entry.unrestricted = true;
      for (const subject of oidc.subjects) entry.subjects.add(subject);
      summary.providers.set(provider.toLowerCase(), entry);
    }
  }
  return summary;
}

function assumeStatements(doc: PolicyDocument): Array<{ raw: PolicyStatement; statement: TrustStatement }> {
  const analysis = analyseTrust(doc, { selfAccount: null, knownAccounts: [] });
  const out: Array<{ raw: PolicyStatement; statement: TrustStatement }> = [];
  doc.statements.forEach((raw, i) => {
    const statement = analysis.statements[i];
    if (!statement || raw.effect !== 'Allow') return;
    if (!ASSUME_ACTIONS.some((a) => statementAllows(raw, a))) return;
    out.push({ raw, statement });
  });
  return out;
}

/** Allow + NotPrincipal trusts everyone but the listed principals: read it as `*`. */
function effectivePrincipals(statement: TrustStatement): TrustPrincipal[] {
  return statement.notPrincipal ? [{ kind: 'any', value: '*' }] : statement.principals;
}

function principalKey(principal: TrustPrincipal): string {
  if (principal.kind === 'account' && principal.account) return `account:${principal.account}`;
  if (principal.kind === 'service' || principal.kind === 'federated-oidc') {
    return `${principal.kind}:${principal.value.toLowerCase()}`;
  }
  return `${principal.kind}:${principal.value}`;
}

function comparesWithCallers(principal: TrustPrincipal, baseline: TrustBaseline): boolean {
  return CALLER_KINDS.has(principal.kind) || baseline.callers.length > 0;
}

function callersCover(callers: string[], principal: TrustPrincipal): boolean {
  const forms = [principal.value];
  if (principal.kind === 'account' && principal.account && !principal.value.startsWith('arn:')) {
    forms.push(`arn:aws:iam::${principal.account}:root`);
  }
  return callers.some((glob) => forms.some((form) => baselineCovers(glob, form)));
}

function providerMatches(baselineProvider: string, provider: string): boolean {
  const b = baselineProvider
    .toLowerCase()
    .replace(/^https:\/\//, '')
    .replace(/\/+$/, '');
  const p = provider.toLowerCase();
  return b === p || b === p.split('/')[0];
}
