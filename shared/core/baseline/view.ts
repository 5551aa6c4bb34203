import type { Baseline, BaselineIdentity, IncidentWindow, RuleOverride, Suppression } from './types.js';

/**
 * What rules and the engine see of a baseline: lookups, not storage.
 * Implemented over a parsed file (BaselineIndex) and over the DynamoDB store's cache.
 */
export interface BaselineView {
  /** Baseline entry for an identity ARN (role, user, or assumed-role session ARN); honours `*` in the account field. */
  lookup(arn: string | null | undefined): BaselineIdentity | null;
  /** True when any identity's OIDC subjects mention this owner/org (for oidc-assume-failed severity). */
  knowsOwner(owner: string): boolean;
  accounts(): Baseline['accounts'];
  defaultTeam(): string | undefined;
  /** `defaults.sign_in.iam_users`: false when humans are declared to sign in through SSO only; null when unset. */
  iamUserSignIn(): boolean | null;
  /**
   * True when the baseline declares at least one `human` identity in `account` (a 12-digit account id): the
   * account's people are listed. A `human` identity whose ARN has `*` in the account field declares people
   * for every account.
   */
  declaresHumans(account: string): boolean;
  suppressions(): readonly Suppression[];
  /** `rules:` tuning entries in file order (later entries win); applied by the detection engine. */
  ruleOverrides(): readonly RuleOverride[];
  /** `protected_rules:` EventBridge rule name patterns (besides iamwatch's own). */
  protectedRules(): readonly string[];
  /** `trail_buckets:` the declared trail buckets, or null when the baseline does not declare any. */
  trailBuckets(): readonly string[] | null;
  /** `admin_permission_sets:` admin-equivalent permission set ARN patterns (empty when none declared). */
  adminPermissionSets(): readonly string[];
  /** `defaults.sign_in.device_code`: false when people are declared not to use device-code sign-in; null when unset. */
  deviceCodeSignIn(): boolean | null;
  /** Incident windows (file-declared and, with a store, opened live) covering `identityArn` at `timeMs`. */
  incidentAt(identityArn: string, timeMs: number): IncidentWindow | null;
}
