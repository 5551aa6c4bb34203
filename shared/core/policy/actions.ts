import { iamGlob } from './glob.js';
import type { PolicyStatement } from './types.js';

/**
 * True when the IAM action pattern `pattern` (e.g. `*`, `*:*`, `iam:*`, `iam:Put*`, `iam:*Policy`, `s3:Get?bject`)
 * matches `action`. Case-insensitive, as IAM evaluates actions. `action` is literal: `iam:*` as the action asks
 * "does the pattern cover every IAM action?".
 */
export function actionMatches(pattern: string, action: string): boolean {
  return iamGlob(pattern, action, true);
}

/**
 * True when the resource pattern `pattern` matches `resource` (case-sensitive, as ARNs are).
 * `resource` is literal: `*` asks "does the pattern cover every resource?".
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  return iamGlob(pattern, resource, false);
}

/** True when the statement's `Action` matches `action`, or its `NotAction` does not. */
export function statementMatchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.action) return statement.action.some((p) => actionMatches(p, action));
  if (statement.notAction) return !statement.notAction.some((p) => actionMatches(p, action));
  return false;
}

/**
 * True when the statement's `Resource` matches `resource`, or its `NotResource` does not. A statement with
 * neither applies to every resource (trust policies and other resource-based policies omit `Resource`).
 */
export function statementMatchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.resource) return statement.resource.some((p) => resourceMatches(p, resource));
  if (statement.notResource) return !statement.notResource.some((p) => resourceMatches(p, resource));
  return true;
}

/** True when the statement (whatever its effect) applies to `action` on `resource`. Conditions are ignored. */
export function statementApplies(statement: PolicyStatement, action: string, resource = '*'): boolean {
  return statementMatchesAction(statement, action) && statementMatchesResource(statement, resource);
}

/**
 * True when `statement` is an `Allow` for `action` on `resource` (default `*`: every resource), honouring
 * `NotAction` and `NotResource`. Conditions are not evaluated: a conditional allow still counts.
 */
export function statementAllows(statement: PolicyStatement, action: string, resource = '*'): boolean {
  return statement.effect === 'Allow' && statementApplies(statement, action, resource);
}
