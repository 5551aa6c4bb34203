/**
 * docs/coverage.md is generated from docs/coverage-catalogue.json (`npm run generate`): it must be up to date,
 * every covered row must name a registered rule and an existing fixture that raises it; no row is "pending".
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { CATALOGUE, load, loadDisagreements, OUTPUT, render } from '../../scripts/coverage.mjs';
import { RULES } from '../../shared/core/rules/index.js';
import { RULES_DIR } from '../helpers/rule-fixtures.js';

/** No row may be "pending" any more: every covered row names a fixture of a registered rule. */
const PENDING_ALLOWED: string[] = [];

interface Row {
  id: string;
  behaviour: string;
  scope: 'in' | 'out';
  covered_by?: string[];
  fixture?: string | null;
  pending?: boolean;
  reason?: string;
}

const data = load() as { catalogues: Array<{ id: string; rules: Row[] }> };
const ids = new Set(RULES.map((r) => r.meta.id));

describe('docs/coverage.md', () => {
  it('is up to date with docs/coverage-catalogue.json (npm run generate)', () => {
    expect(readFileSync(OUTPUT, 'utf8'), 'docs/coverage.md is stale: run `npm run generate`').toBe(
      render(load(CATALOGUE), loadDisagreements()),
    );
  });

  it('lists every documented Panther disagreement the eval reads, with its reason', () => {
    const text = readFileSync(OUTPUT, 'utf8');
    const list = loadDisagreements() as { disagreements: Array<{ test: string; reason: string }> };
    expect(list.disagreements.length).toBeGreaterThan(0);
    for (const d of list.disagreements) expect(text).toContain(`| \`${d.test}\` |`);
    expect(text).toContain(list.disagreements[0]?.reason);
  });

  it('every row is complete, every covered row names a rule and a fixture that raises it (all offenders at once)', () => {
    const offenders: string[] = [];
    for (const cat of data.catalogues) {
      const seen = new Set<string>();
      for (const r of cat.rules) {
        const at = `${cat.id}:${r.id}`;
        if (seen.has(r.id)) offenders.push(`${at}: listed twice`);
        seen.add(r.id);
        if (!r.behaviour?.trim()) offenders.push(`${at}: no behaviour`);
        if (r.scope !== 'in' && r.scope !== 'out') offenders.push(`${at}: scope must be in or out`);
        const by = r.covered_by ?? [];
        if (r.scope === 'out' || by.length === 0) {
          if (!r.reason?.trim()) offenders.push(`${at}: neither covered nor a reason`);
          continue;
        }
        if (r.pending) {
          for (const id of by)
            if (!PENDING_ALLOWED.includes(id)) offenders.push(`${at}: ${id} may not be pending`);
          continue;
        }
        for (const id of by) if (!ids.has(id)) offenders.push(`${at}: ${id} is not a registered rule`);
        const fixture = r.fixture ?? '';
        const file = `${RULES_DIR}${fixture}`;
        if (!fixture || !existsSync(file)) {
          offenders.push(`${at}: fixture ${fixture || '(none)'} does not exist`);
          continue;
        }
        const f = JSON.parse(readFileSync(file, 'utf8')) as { expect: string[] };
        if (!by.some((id) => f.expect.includes(id)))
          offenders.push(`${at}: ${fixture} does not expect ${by.join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
