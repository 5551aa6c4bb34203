/**
 * The rule catalogue. Each rule lives in a folder named by its id (rule.ts + fixtures/);
 * add new rules here in catalogue order (DESIGN.md).
 */
import type { Rule } from '../detection/rule.js';
import accessKeyCreated from './access-key-created/rule.js';
import baselineReviewOverdue from './baseline-review-overdue/rule.js';
import breakGlassUsed from './break-glass-used/rule.js';
import consoleLoginWithoutMfa from './console-login-without-mfa/rule.js';
import federationTokenIssued from './federation-token-issued/rule.js';
import identityProviderModified from './identity-provider-modified/rule.js';
import loggingDisabled from './logging-disabled/rule.js';
import loginProfileModified from './login-profile-modified/rule.js';
import mfaDeviceModified from './mfa-device-modified/rule.js';
import oidcAssumeFailed from './oidc-assume-failed/rule.js';
import oidcRoleWithoutBaseline from './oidc-role-without-baseline/rule.js';
import oidcUnexpectedSubject from './oidc-unexpected-subject/rule.js';
import oidcUntrustedContext from './oidc-untrusted-context/rule.js';
import policyModified from './policy-modified/rule.js';
import privilegeEscalation from './privilege-escalation/rule.js';
import roleUnexpectedCaller from './role-unexpected-caller/rule.js';
import rootActivity from './root-activity/rule.js';
import sessionCredentialsMoved from './session-credentials-moved/rule.js';
import sessionToConsole from './session-to-console/rule.js';
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
  federationTokenIssued,
  baselineReviewOverdue,
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
    for (const src of r.meta.appliesTo.eventSources) {
      const set = by.get(src) ?? new Set<string>();
      for (const n of r.meta.appliesTo.eventNames) set.add(n);
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
