/**
 * Baseline texts the YAML subset reader is compared on (every baseline file in the repository, the
 * YAML blocks of the docs, the generator's baselines), and the comparison itself: the subset reader
 * either declines or returns what the `yaml` path returns, to the line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { readWithYaml } from '../../shared/core/baseline/parse.js';
import type { BaselineIssue } from '../../shared/core/baseline/types.js';
import { readYamlSubset, type SubsetDocument } from '../../shared/core/baseline/yaml-subset.js';
import { Generation, parseAttackList } from '../../tools/generate/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Every `.yaml` baseline file in the repository: name → text. */
export function repositoryBaselines(): Map<string, string> {
  const out = new Map<string, string>();
  const dirs = ['examples', 'test/fixtures/baselines', 'shared/core/rules/_baselines'];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.ya?ml$/.test(e.name) && /baseline|_baselines/.test(rel))
        out.set(rel, readFileSync(path.join(ROOT, rel), 'utf8'));
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/** The ```yaml blocks of README.md and docs/*.md that are baselines (they declare `version:`). */
export function documentedBaselines(): Map<string, string> {
  const out = new Map<string, string>();
  const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
    f.endsWith('.md'),
  );
  for (const f of docs) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
      i += 1;
      if (/^version:/m.test(m[1] ?? '')) out.set(`${f}#${i}`, m[1] ?? '');
    }
  }
  return out;
}

/** Baselines written by `iamwatch generate` (what bench/ and the demo use), for a few settings. */
export function generatedBaselines(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [seed, attacks] of [
    ['subset-a', 'all'],
    ['subset-b', 'none'],
  ] as const) {
    const gen = new Generation({
      events: 5_000,
      seed,
      start: '2026-03-02T00:00:00Z',
      days: 7,
      attacks: parseAttackList(attacks),
      occurrences: 3,
    });
    out.set(`generate:${seed}`, gen.baselineYaml());
  }
  return out;
}

/** What the `yaml` path reads from `source`: data and lines, or null, and the issues it reported. */
export function viaYaml(source: string): {
  doc: { data: unknown; lines: Map<string, number> } | null;
  issues: Array<Pick<BaselineIssue, 'line' | 'field' | 'message' | 'level'>>;
} {
  const issues: Array<Pick<BaselineIssue, 'line' | 'field' | 'message' | 'level'>> = [];
  const doc = readWithYaml(source, (line, field, message, level = 'error') =>
    issues.push({ line, field, message, level }),
  );
  return { doc, issues };
}

/**
 * Asserts that the subset reader declines `source` or reads exactly what the yaml path reads (data
 * with the same types, keys in the same order, the same line for every key and item, and no YAML
 * warning or error there). Returns what the subset reader returned.
 */
export function expectSameAsYaml(source: string): SubsetDocument | null {
  const fast = readYamlSubset(source);
  if (fast === null) return null;
  const slow = viaYaml(source);
  expect(slow.issues, 'the yaml path reports issues for a text the subset reader accepted').toEqual([]);
  expect(fast.data).toStrictEqual(slow.doc?.data);
  expect(Object.keys(fast.data)).toEqual(Object.keys(slow.doc?.data ?? {}));
  expect([...fast.lines]).toEqual([...(slow.doc?.lines ?? [])]);
  return fast;
}
