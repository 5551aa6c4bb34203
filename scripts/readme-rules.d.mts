// Types of scripts/readme-rules.mjs, for the tests that import it.
import type { RuleMeta } from '../shared/core/detection/rule.js';

/** Absolute path of README.md. */
export declare const README: string;
/** The rule ids of README's Rule catalogue table, in table order. */
export declare function readmeRuleIds(text: string): string[];
/** The table row written for a rule from its meta. */
export declare function ruleRow(meta: RuleMeta): string;
/** README text with a row appended to the Rule catalogue table for every rule (by meta) that has none. */
export declare function addMissingRows(text: string, metas: readonly RuleMeta[]): string;
