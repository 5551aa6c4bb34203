import { defineRule } from '../../detection/rule.js';
import type { SubjectClaims } from '../../oidc/types.js';
import { isOidcAssumption, STS, shortName } from '../_common.js';

export default defineRule({
  meta: {
    id: 'oidc-role-without-baseline',
    title: 'Role assumed through OIDC has no baseline',
    description:
      'A role was assumed with a web-identity token, but iamwatch has no baseline for it: nobody has ' +
      'declared which subjects may use it, so every use is unverified.',
    severity: 'medium',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoleWithWebIdentity'] },
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: ['A newly created CI role whose baseline entry is not synced yet.'],
    runbook:
      'iamwatch baseline learn <archive> to propose an entry; review it with the role owner, then iamwatch baseline sync.',
    dedupWindowMinutes: 1440,
  },
  match: (e, { target }) => isOidcAssumption(e) && !target,
  reasons: (e) => [
    `${shortName(e.target?.arn)} was assumed by subject ${e.oidc?.subject ?? '(none)'} from ${e.oidc?.provider ?? 'an unknown provider'} and has no baseline`,
  ],
  // One alert per role AND subject context: a pull request or another repository reaching the role is
  // news even when the main branch of its own repository used it an hour earlier.
  dedupeKey: (e) =>
    `${e.target?.arn}|${e.oidc?.provider ?? ''}|${subjectContext(e.oidc?.subject, e.oidc?.claims)}`,
});

/**
 * What a subject says about where the token came from: repository (or project, workspace…) and
 * context (pull request, environment or ref), without per-run noise such as a CircleCI user id.
 * An unparsed subject is its own context.
 */
export function subjectContext(
  raw: string | null | undefined,
  claims: SubjectClaims | null | undefined,
): string {
  if (!raw) return '';
  if (!claims || claims.format === 'unknown') return raw;
  const where = claims.repository ?? claims.owner ?? raw;
  const context = claims.pullRequest
    ? 'pull_request'
    : claims.environment !== undefined
      ? `environment:${claims.environment}`
      : claims.ref !== undefined
        ? `ref:${claims.ref}`
        : '';
  return `${where}|${context}`;
}
