/** Baseline domain types (file contract version 1, see DESIGN.md). */
import type { CountThreshold } from '../detection/aggregate.js';
import type { Severity } from '../severity.js';

export const IDENTITY_KINDS = ['human', 'workload', 'ci', 'iac', 'vendor', 'break-glass'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface OidcTrust {
  /** Provider host, e.g. token.actions.githubusercontent.com. */
  provider: string;
  audience?: string;
  /** Subject patterns (IAM `StringLike`: `*` = any run of characters, `?` = one character). */
  subjects: string[];
  /** job_workflow_ref patterns; checked only when the subject carries a workflow. */
  workflows?: string[];
  allowPullRequests: boolean;
}

export interface BaselineIdentity {
  /** Role or user ARN; `*` allowed in the account field. */
  arn: string;
  kind: IdentityKind;
  owner: string;
  purpose: string;
  environment?: string;
  team?: string;
  /** YYYY-MM-DD */
  reviewAfter?: string;
  oidc: OidcTrust[];
  /** Expected AssumeRole principals (IAM `ArnLike` patterns); see `callerExpectation` for what empty means. */
  callers: string[];
  /**
   * True when the file says `callers: []` (explicitly no caller expected). Absent otherwise: a non-empty
   * `callers` is declared by definition, and an absent key leaves the meaning to `callerExpectation`.
   */
  callersDeclared?: boolean;
  /**
   * Who may pass this role to a compute service (`iam:PassRole` seen as Lambda CreateFunction, EC2
   * RunInstances, …): IAM `ArnLike` patterns of the passing principal. Absent: no expectation.
   */
  passedBy?: string[];
  /** Compute services this role may be passed to (PASS_TARGETS); absent: any. */
  passedTo?: PassTarget[];
}

/** Compute services a role can be passed to, as the baseline names them (`passed_to`). */
export const PASS_TARGETS = [
  'lambda',
  'ec2',
  'ecs',
  'glue',
  'sagemaker',
  'codebuild',
  'cloudformation',
  'bedrock-agentcore',
] as const;
export type PassTarget = (typeof PASS_TARGETS)[number];

/**
 * A tuning entry of the `rules:` section: turn a rule off or change its severity, for every event or only
 * where the target or actor identity is in `environment` or matches `identity` (IAM `ArnLike`).
 */
export interface RuleOverride {
  rule: string;
  enabled?: boolean;
  severity?: Severity;
  /**
   * `count_thresholds`: replaces the rule's count thresholds (folded repeats in one window raise the alert);
   * `[]` turns them off. Rule-wide: not combined with `environment` or `identity`.
   */
  countThresholds?: CountThreshold[];
  environment?: string;
  identity?: string;
}

export interface Suppression {
  rule: string;
  actor?: string;
  target?: string;
  reason: string;
  owner: string;
  /** YYYY-MM-DD or ISO time; a suppression past expiry no longer applies. */
  expires: string;
}

export interface IncidentWindow {
  id: string;
  identity: string;
  ticket: string;
  /** ISO times. */
  from: string;
  until: string;
  reason?: string;
  source: 'file' | 'store';
}

export interface TeamRoute {
  /** `ssm:/path`, `secret:name`, `env:VAR` or a literal https URL. */
  slack?: string;
}

export interface Baseline {
  version: 1;
  accounts: Record<string, { name: string }>;
  teams: Record<string, TeamRoute>;
  defaults: {
    team?: string;
    /**
     * `defaults.sign_in`: `iamUsers: false` declares that humans sign in through SSO only, so a console sign-in
     * by an IAM user is unexpected (console-login-iam-user). Absent: IAM-user sign-in is not judged.
     */
    signIn?: {
      iamUsers?: boolean;
      /**
       * `device_code: false` declares that people do not sign in with the OAuth device-code flow (current AWS
       * CLIs use PKCE), so a device-code token is unexpected (device-code-authorized, high).
       */
      deviceCode?: boolean;
    };
  };
  identities: BaselineIdentity[];
  suppressions: Suppression[];
  incidents: IncidentWindow[];
  /** `rules:` tuning entries, in file order (later entries win). Absent: none. */
  rules?: RuleOverride[];
  /**
   * `protected_rules:` EventBridge rule names (patterns, `*` and `?`) that route security findings; disabling
   * or deleting one raises `security-tooling-disabled`. Absent: none besides iamwatch's own.
   */
  protectedRules?: string[];
  /** `trail_buckets:` S3 buckets the organisation's trails may write to (`trail-destination-changed`). */
  trailBuckets?: string[];
  /**
   * `admin_permission_sets:` Identity Center permission set ARNs (patterns, `*` and `?`) that are
   * admin-equivalent; assigning one raises identity-center-admin-granted. Absent: none declared.
   */
  adminPermissionSets?: string[];
}

/** A problem found while loading a baseline file. `line` is 1-based. */
export interface BaselineIssue {
  file: string;
  line: number | null;
  /** Dotted path of the offending field, e.g. identities[2].oidc[0].subjects[1]. */
  field: string;
  message: string;
  level: 'error' | 'warning';
}

/**
 * The closed set of `environment` values (README "Baseline reference"). `production` raises
 * severities; the others are labels for routing and display. A value outside the set is an error,
 * so that `prod` or `Production` can never silently drop a critical alert to high.
 */
export const ENVIRONMENTS = [
  'production',
  'staging',
  'development',
  'sandbox',
  'shared',
  'management',
] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
