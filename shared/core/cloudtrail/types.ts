import type { SubjectClaims } from '../oidc/types.js';

/** A CloudTrail record exactly as read: untrusted, loosely typed. */
export type RawRecord = Record<string, unknown>;

/**
 * Who made the call. For a role session, `arn` is the role (the session issuer), and
 * `sessionArn` the `assumed-role/...` ARN; for an OIDC assumption, `subject` and `provider` are set.
 */
export interface Actor {
  /** userIdentity.type: IAMUser, AssumedRole, Root, WebIdentityUser, SAMLUser, AWSAccount, AWSService, FederatedUser, IdentityCenterUser, Unknown. */
  type: string;
  /** The long-lived identity behind the call: IAM user, role (session issuer), root. Null when not visible. */
  arn: string | null;
  /** The session ARN (arn:aws:sts::…:assumed-role/ROLE/SESSION) when the caller is a role session. */
  sessionArn: string | null;
  accountId: string | null;
  principalId: string | null;
  /** IAM user name, or for WebIdentityUser the token `sub`. */
  userName: string | null;
  /** Role session name (attacker-controlled). */
  sessionName: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  /** userIdentity.invokedBy: set when an AWS service made the call on the principal's behalf. */
  invokedBy: string | null;
  /** OIDC token subject, for WebIdentityUser. */
  subject: string | null;
  /** OIDC provider host (e.g. token.actions.githubusercontent.com), for WebIdentityUser. */
  provider: string | null;
  mfaAuthenticated: boolean | null;
  /** userIdentity.accessKeyId: the key the call was signed with (`ASIA…` for a session, `AKIA…` for a user). */
  accessKeyId: string | null;
  /** userIdentity.sessionContext.sourceIdentity: set on a role session when its chain began with one. */
  sourceIdentity: string | null;
}

export type TargetType = 'role' | 'user' | 'group' | 'policy' | 'provider' | 'trail' | 'other';

/** The identity or resource the call acts on (the role assumed, the user given a key, …). */
export interface Target {
  type: TargetType;
  arn: string | null;
  name: string | null;
}

/** OIDC details of an AssumeRoleWithWebIdentity call (success or failure). */
export interface OidcInfo {
  /** Provider host part, e.g. `token.actions.githubusercontent.com`. */
  provider: string | null;
  providerArn: string | null;
  audience: string | null;
  /** Raw `sub` claim. */
  subject: string | null;
  claims: SubjectClaims | null;
}

/** A CloudTrail record parsed once at the edge; rules only ever see this. */
export interface NormalisedEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** ISO-8601 as in the record. */
  eventTime: string;
  /** Milliseconds since epoch; NaN never escapes the normaliser (falls back to 0 with a parse warning). */
  eventTimeMs: number;
  account: string;
  region: string;
  eventType: string | null;
  readOnly: boolean | null;
  actor: Actor;
  target: Target | null;
  oidc: OidcInfo | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** True when the call succeeded (no errorCode; ConsoleLogin: responseElements.ConsoleLogin = Success). */
  success: boolean;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData: Record<string, unknown> | null;
  /** `sharedEventID`: one id for the copies of a cross-account call (one per account). */
  sharedEventId: string | null;
  /** The untouched record, for accessors that need rarer fields. */
  raw: RawRecord;
}
