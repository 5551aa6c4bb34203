/**
 * The rule catalogue. Each rule lives in a folder named by its id (rule.ts + fixtures/);
 * add new rules here in catalogue order (DESIGN.md).
 */
import { appliesPairs, type Rule } from '../detection/rule.js';
import accessKeyCreated from './access-key-created/rule.js';
import accessKeyExposed from './access-key-exposed/rule.js';
import baselineReviewOverdue from './baseline-review-overdue/rule.js';
import breakGlassUsed from './break-glass-used/rule.js';
import consoleLoginFailures from './console-login-failures/rule.js';
import consoleLoginIamUser from './console-login-iam-user/rule.js';
import consoleLoginUnknownIdentity from './console-login-unknown-identity/rule.js';
import consoleLoginWithoutMfa from './console-login-without-mfa/rule.js';
import deviceCodeAuthorized from './device-code-authorized/rule.js';
import federationTokenIssued from './federation-token-issued/rule.js';
// Coverage additions (issue 12, part A).
import iamUserCreated from './iam-user-created/rule.js';
import identityCenterAdminGranted from './identity-center-admin-granted/rule.js';
import identityCenterSourceChanged from './identity-center-source-changed/rule.js';
import identityProviderModified from './identity-provider-modified/rule.js';
import loggingDisabled from './logging-disabled/rule.js';
import loginProfileModified from './login-profile-modified/rule.js';
import mfaDeviceModified from './mfa-device-modified/rule.js';
import oidcAssumeFailed from './oidc-assume-failed/rule.js';
import oidcRoleWithoutBaseline from './oidc-role-without-baseline/rule.js';
import oidcUnexpectedSubject from './oidc-unexpected-subject/rule.js';
import oidcUntrustedContext from './oidc-untrusted-context/rule.js';
import passwordPolicyWeakened from './password-policy-weakened/rule.js';
import policyModified from './policy-modified/rule.js';
import privilegeEscalation from './privilege-escalation/rule.js';
import rolePassedToCompute from './role-passed-to-compute/rule.js';
import roleUnexpectedCaller from './role-unexpected-caller/rule.js';
import rootActivity from './root-activity/rule.js';
import rootSessionAssumed from './root-session-assumed/rule.js';
import securityToolingDisabled from './security-tooling-disabled/rule.js';
import serviceCredentialCreated from './service-credential-created/rule.js';
import sessionCredentialsMoved from './session-credentials-moved/rule.js';
import sessionToConsole from './session-to-console/rule.js';
import sessionTokenIssued from './session-token-issued/rule.js';
import trailDestinationChanged from './trail-destination-changed/rule.js';
import trustPolicyModified from './trust-policy-modified/rule.js';
import trustPolicyWeak from './trust-policy-weak/rule.js';

export const RULES: readonly Rule[] = [
  oidcUnexpectedSubject,
  oidcUntrustedContext,
  oidcRoleWithoutBaseline,
  oidcAssumeFailed,
  roleUnexpectedCaller,
  breakGlassUsed,
  rootActivity,
  consoleLoginWithoutMfa,
  policyModified,
  privilegeEscalation,
  trustPolicyModified,
  trustPolicyWeak,
  identityProviderModified,
  accessKeyCreated,
  loginProfileModified,
  mfaDeviceModified,
  loggingDisabled,
  securityToolingDisabled,
  trailDestinationChanged,
  rolePassedToCompute,
  federationTokenIssued,
  baselineReviewOverdue,
  iamUserCreated,
  sessionTokenIssued,
  serviceCredentialCreated,
  rootSessionAssumed,
  accessKeyExposed,
  passwordPolicyWeakened,
  consoleLoginFailures,
  consoleLoginIamUser,
  consoleLoginUnknownIdentity,
  identityCenterAdminGranted,
  identityCenterSourceChanged,
  deviceCodeAuthorized,
  sessionCredentialsMoved,
  sessionToConsole,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

/** eventSource → eventNames that some rule reads (for EventBridge patterns and pre-filtering). */
export function catalogueSelectors(
  rules: readonly Rule[] = RULES,
): Array<{ eventSource: string; eventNames: string[] }> {
  const by = new Map<string, Set<string>>();
  for (const r of rules) {
    if (r.meta.appliesTo === 'any') continue;
    for (const { eventSource: src, eventNames } of appliesPairs(r.meta.appliesTo)) {
      const set = by.get(src) ?? new Set<string>();
      for (const n of eventNames) set.add(n);
      by.set(src, set);
    }
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([eventSource, names]) => ({ eventSource, eventNames: [...names].sort() }));
}

/** Ids of rules that read every event (root-activity, break-glass-used). */
export function anyEventRules(rules: readonly Rule[] = RULES): string[] {
  return rules.filter((r) => r.meta.appliesTo === 'any').map((r) => r.meta.id);
}
