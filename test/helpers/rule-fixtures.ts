import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { Baseline } from '../../shared/core/baseline/types.js';

export const RULES_DIR = fileURLToPath(new URL('../../shared/core/rules/', import.meta.url));

export interface RuleFixture {
  file: string;
  rule: string;
  name: string;
  baseline: string;
  expect: string[];
  severity?: Record<string, string>;
  /** Records evaluated first, in order, to build session lineage state (issue 13). */
  before?: Array<Record<string, unknown>>;
  record: Record<string, unknown>;
}

export function ruleFolders(): string[] {
  return readdirSync(RULES_DIR)
    .filter((d) => !d.startsWith('_') && statSync(path.join(RULES_DIR, d)).isDirectory())
    .sort();
}

export function fixturesOf(rule: string): RuleFixture[] {
  const dir = path.join(RULES_DIR, rule, 'fixtures');
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const data = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Omit<RuleFixture, 'file' | 'rule'>;
    return { ...data, file: `${rule}/fixtures/${f}`, rule };
  });
}

const cache = new Map<string, Baseline>();
export function fixtureBaseline(name: string): Baseline {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = path.join(RULES_DIR, '_baselines', name);
  const { baseline, issues } = parseBaseline(readFileSync(file, 'utf8'), file);
  const errors = issues.filter((i) => i.level === 'error');
  if (!baseline || errors.length > 0)
    throw new Error(`fixture baseline ${name} invalid: ${JSON.stringify(errors)}`);
  cache.set(name, baseline);
  return baseline;
}
