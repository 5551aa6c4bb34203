/**
 * The rule catalogue. Each rule lives in a folder named by its id (rule.ts + fixtures/); `registry.ts` lists
 * them, generated from the folders by `npm run generate` (see "How to add a rule" in README.md).
 */
import { appliesPairs, type Rule } from '../detection/rule.js';
import { RULES } from './registry.js';

export { RULES };

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
