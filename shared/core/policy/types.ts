/**
 * Normalised IAM policy documents (identity, resource and trust policies).
 *
 * Documents reach iamwatch as untrusted text inside CloudTrail records; {@link parsePolicyDocument}
 * turns them into these shapes once, so analysis code never touches raw JSON.
 */

export type Effect = 'Allow' | 'Deny';

/** `Principal` / `NotPrincipal` of a statement. `"*"` sets `any`; `{ "AWS": "*" }` puts `*` in `aws`. */
export interface PrincipalSet {
  /** The bare string form `"Principal": "*"`. */
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

/** One `operator → key → values` entry of a `Condition` block. Values are strings (numbers/booleans stringified). */
export interface ConditionEntry {
  /** As written, e.g. `StringLike`, `ForAnyValue:StringEquals`, `StringEqualsIfExists`. */
  operator: string;
  /** As written, e.g. `token.actions.githubusercontent.com:sub`. Compare case-insensitively. */
  key: string;
  values: string[];
}

export interface PolicyStatement {
  /** Position in the document's statement list (0-based). */
  index: number;
  /** `Sid`, or null when absent or empty. */
  sid: string | null;
  effect: Effect;
  /** `Action` patterns, or null when the statement uses `NotAction` (or neither). */
  action: string[] | null;
  notAction: string[] | null;
  /** `Resource` patterns; null when absent (trust policies have none). */
  resource: string[] | null;
  notResource: string[] | null;
  principal: PrincipalSet | null;
  notPrincipal: PrincipalSet | null;
  conditions: ConditionEntry[];
}

export interface PolicyDocument {
  version: string | null;
  id: string | null;
  statements: PolicyStatement[];
}

/** Label used in findings: the `Sid` when present, else `#<index>`. */
export function statementLabel(statement: Pick<PolicyStatement, 'sid' | 'index'>): string {
  return statement.sid ?? `#${statement.index}`;
}
