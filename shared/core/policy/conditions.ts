import type { ConditionEntry } from './types.js';

/** A condition operator taken apart: `ForAnyValue:StringLikeIfExists` → base `stringlike`, ifExists, set qualifier. */
export interface ParsedOperator {
  /** Lower-case operator without set qualifier and `IfExists`, e.g. `stringlike`. */
  base: string;
  ifExists: boolean;
  set: 'forallvalues' | 'foranyvalue' | null;
  /** `StringNotEquals`, `StringNotLike`, `ArnNotLike`, …: the condition excludes rather than allows. */
  negated: boolean;
  /** Wildcards in values are interpreted (`StringLike`, `ArnLike`, `ArnEquals` — ARN operators both match globs). */
  like: boolean;
}

export function parseOperator(operator: string): ParsedOperator {
  let rest = operator.toLowerCase();
  let set: ParsedOperator['set'] = null;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const qualifier = rest.slice(0, colon);
    if (qualifier === 'forallvalues' || qualifier === 'foranyvalue') set = qualifier;
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.endsWith('ifexists');
  const base = ifExists ? rest.slice(0, -'ifexists'.length) : rest;
  return {
    base,
    ifExists,
    set,
    negated: base.includes('not'),
    like: base === 'stringlike' || base === 'arnlike' || base === 'arnequals',
  };
}

const ALLOWLIST_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
]);

/** Conditions on `key` (case-insensitive) whose operator restricts to an allow-list of values. */
export function allowListConditions(conditions: ConditionEntry[], key: string): ConditionEntry[] {
  const wanted = key.toLowerCase();
  return conditions.filter((c) => {
    if (c.key.toLowerCase() !== wanted) return false;
    const op = parseOperator(c.operator);
    return ALLOWLIST_OPERATORS.has(op.base) && !op.negated;
  });
}

/** Conditions on `key` (case-insensitive) of any operator. */
export function conditionsOn(conditions: ConditionEntry[], key: string): ConditionEntry[] {
  const wanted = key.toLowerCase();
  return conditions.filter((c) => c.key.toLowerCase() === wanted);
}
