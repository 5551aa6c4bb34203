/**
 * Loads the rule fixtures (`shared/core/rules/<id>/fixtures/*.json`) and checks each against the fixture
 * schema: unknown keys, wrong types, an `expect` naming no rule, a `severity` for a rule not in `expect` or
 * a `baseline` that is not a file of `_baselines/` throw a FixtureError naming the file and the field.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RULES_DIR, ruleFolders } from '../../scripts/rule-registry.mjs';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import { SEVERITIES } from '../../shared/core/severity.js';

export { RULES_DIR, ruleFolders };

/** A fixture file that is not valid JSON or does not fit the schema; the message names file and field. */
export class FixtureError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FixtureError';
  }
}

const record = z.record(z.string(), z.unknown());

/** The fixture file schema (README "How to add a rule"). */
export const FIXTURE_SCHEMA = z.strictObject({
  /** The scenario, in words. */
  name: z.string().trim().min(1),
  /** Where the record came from, and its licence. */
  origin: z.string().trim().min(1),
  /** A file of shared/core/rules/_baselines/. */
  baseline: z.string().min(1),
  /** Exactly the rules the record fires, at any severity. */
  expect: z.array(z.string().min(1)),
  /** Severity expected of some of the rules in `expect`. */
  severity: z.record(z.string(), z.enum(SEVERITIES)).optional(),
  /** Records evaluated first, in order, to build session lineage state (issue 13). */
  before: z.array(record).optional(),
  /** The CloudTrail record evaluated. */
  record,
});

export type RuleFixture = z.infer<typeof FIXTURE_SCHEMA> & {
  /** `<rule>/fixtures/<name>.json`. */
  file: string;
  /** The rule folder the fixture belongs to. */
  rule: string;
};

function fieldOf(p: readonly PropertyKey[]): string {
  return p.length === 0 ? '(top level)' : p.map(String).join('.');
}

/** Checks one fixture's parsed JSON; `file` names it in errors. Throws FixtureError listing every problem. */
export function checkFixture(
  data: unknown,
  file: string,
  known: { rules: readonly string[]; baselinesDir: string },
): z.infer<typeof FIXTURE_SCHEMA> {
  const parsed = FIXTURE_SCHEMA.safeParse(data);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys) problems.push(`${fieldOf([...issue.path, key])}: unknown key`);
      else problems.push(`${fieldOf(issue.path)}: ${issue.message}`);
    }
  } else {
    const f = parsed.data;
    f.expect.forEach((id, i) => {
      if (!known.rules.includes(id)) problems.push(`expect.${i}: "${id}" is not a rule folder`);
      if (f.expect.indexOf(id) !== i) problems.push(`expect.${i}: "${id}" listed twice`);
    });
    for (const id of Object.keys(f.severity ?? {}))
      if (!f.expect.includes(id)) problems.push(`severity.${id}: "${id}" is not in expect`);
    if (!existsSync(path.join(known.baselinesDir, f.baseline)) || f.baseline.includes('/'))
      problems.push(`baseline: "${f.baseline}" is not a file of shared/core/rules/_baselines/`);
  }
  if (problems.length > 0 || !parsed.success)
    throw new FixtureError(problems.map((p) => `${file}: ${p}`).join('\n'));
  return parsed.data;
}

/** The fixtures of one rule folder, checked against the schema, in file-name order. */
export function fixturesOf(rule: string, dir = RULES_DIR): RuleFixture[] {
  const fixtures = path.join(dir, rule, 'fixtures');
  if (!existsSync(fixtures)) return [];
  const files = readdirSync(fixtures).sort();
  const stray = files.filter((f) => !f.endsWith('.json'));
  if (stray.length > 0)
    throw new FixtureError(`${rule}/fixtures/: not a .json fixture: ${stray.join(', ')} (move it elsewhere)`);
  const known = { rules: ruleFolders(dir), baselinesDir: path.join(dir, '_baselines') };
  return files.map((f) => {
    const file = `${rule}/fixtures/${f}`;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path.join(fixtures, f), 'utf8'));
    } catch (cause) {
      throw new FixtureError(`${file}: not valid JSON: ${(cause as Error).message}`, { cause });
    }
    return { ...checkFixture(data, file, known), file, rule };
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
