/** IAM policy and trust-policy analysis (pure). */
export {
  actionMatches,
  resourceMatches,
  statementAllows,
  statementApplies,
  statementMatchesAction,
  statementMatchesResource,
} from './actions.js';
export { analysePolicy, type EscalationGrant, isWideResource, type PolicyAnalysis } from './analyse.js';
export { diffTrust, type TrustBaseline, type TrustChange } from './diff.js';
export { parsePolicyDocument } from './document.js';
export { type ManagedPolicyRisk, managedPolicyRisk } from './managed.js';
export {
  analyseTrust,
  oidcConditions,
  oidcProviderOf,
  principalsOf,
  subjectWildcardSpan,
  type TrustAnalysis,
  type TrustOidc,
  type TrustOptions,
  type TrustPrincipal,
  type TrustPrincipalKind,
  type TrustStatement,
  type TrustWeakness,
  type TrustWeaknessKind,
} from './trust.js';
export {
  type ConditionEntry,
  type Effect,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalSet,
  statementLabel,
} from './types.js';
