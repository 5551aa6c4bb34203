/**
 * The rule fixture loader (test/helpers/rule-fixtures.ts), the registry generator (scripts/rule-registry.mjs)
 * on a throwaway rules folder, and the README rule rows `npm run generate` adds (scripts/readme-rules.mjs).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addMissingRows, readmeRuleIds } from '../../scripts/readme-rules.mjs';
import {
  catalogueOrder,
  expectedRegistry,
  REGISTRY,
  registryOrder,
  renderRegistry,
} from '../../scripts/rule-registry.mjs';
import { RULES } from '../../shared/core/rules/index.js';
import { FixtureError, fixturesOf } from '../helpers/rule-fixtures.js';

const GOOD = {
  name: 'a case',
  origin: 'written for this test',
  baseline: 'org.yaml',
  expect: ['rule-a'],
  severity: { 'rule-a': 'high' },
  record: { eventName: 'CreateUser' },
};

/** A rules folder with rules rule-a and rule-b, a baseline, and rule-a's fixtures as given. */
function rulesDir(fixtures: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-rules-'));
  mkdirSync(path.join(dir, '_baselines'));
  writeFileSync(path.join(dir, '_baselines', 'org.yaml'), 'version: 1\n');
  mkdirSync(path.join(dir, 'rule-b'));
  mkdirSync(path.join(dir, 'rule-a', 'fixtures'), { recursive: true });
  for (const [file, data] of Object.entries(fixtures))
    writeFileSync(
      path.join(dir, 'rule-a', 'fixtures', file),
      typeof data === 'string' ? data : JSON.stringify(data),
    );
  return dir;
}

function loadError(fixtures: Record<string, unknown>): string {
  try {
    fixturesOf('rule-a', rulesDir(fixtures));
  } catch (e) {
    expect(e).toBeInstanceOf(FixtureError);
    return (e as Error).message;
  }
  throw new Error('expected a FixtureError');
}

describe('rule fixture schema', () => {
  it('loads a valid fixture with its file and rule', () => {
    const [f] = fixturesOf('rule-a', rulesDir({ 'fires.json': GOOD }));
    expect(f).toEqual({ ...GOOD, file: 'rule-a/fixtures/fires.json', rule: 'rule-a' });
  });

  it('names the file and field of an unknown key, a wrong type and a missing field', () => {
    const { origin: _, ...noOrigin } = GOOD;
    const msg = loadError({ 'x.json': { ...noOrigin, expects: [], expect: 'rule-a' } });
    expect(msg).toContain('rule-a/fixtures/x.json: expects: unknown key');
    expect(msg).toMatch(/rule-a\/fixtures\/x\.json: expect: .*array/);
    expect(msg).toMatch(/rule-a\/fixtures\/x\.json: origin: /);
  });

  it('rejects a severity outside the severities, and a record that is not an object', () => {
    const msg = loadError({ 'x.json': { ...GOOD, severity: { 'rule-a': 'urgent' }, record: [] } });
    expect(msg).toMatch(/x\.json: severity\.rule-a: /);
    expect(msg).toMatch(/x\.json: record: /);
  });

  it('rejects an expect naming no rule folder or twice, a severity not expected, an unknown baseline', () => {
    const msg = loadError({
      'x.json': {
        ...GOOD,
        baseline: 'nope.yaml',
        expect: ['rule-a', 'rule-zz', 'rule-a'],
        severity: { 'rule-b': 'low' },
      },
    });
    expect(msg.split('\n')).toEqual([
      'rule-a/fixtures/x.json: expect.1: "rule-zz" is not a rule folder',
      'rule-a/fixtures/x.json: expect.2: "rule-a" listed twice',
      'rule-a/fixtures/x.json: severity.rule-b: "rule-b" is not in expect',
      'rule-a/fixtures/x.json: baseline: "nope.yaml" is not a file of shared/core/rules/_baselines/',
    ]);
  });

  it('names a file that is not JSON, and a stray file that would be skipped', () => {
    expect(loadError({ 'x.json': '{ "name": ' })).toMatch(/^rule-a\/fixtures\/x\.json: not valid JSON: /);
    expect(loadError({ 'x.json': GOOD, 'notes.txt': 'hi' })).toContain('not a .json fixture: notes.txt');
  });
});

describe('rule registry generator', () => {
  it('keeps the current order, appends new folders in name order and drops gone ones', () => {
    expect(catalogueOrder(['a', 'b', 'c', 'd'], ['c', 'gone', 'a'])).toEqual(['c', 'a', 'b', 'd']);
  });

  it('reads back the order it writes, and the checked-in registry is in that form', () => {
    const order = ['oidc-unexpected-subject', 'access-key-created', 'root-activity'];
    expect(registryOrder(renderRegistry(order))).toEqual(order);
    const current = readFileSync(REGISTRY, 'utf8');
    expect(renderRegistry(registryOrder(current))).toBe(current);
  });

  it('is stale once a rule folder is added, and lists the new rule last', () => {
    const dir = rulesDir({});
    const file = path.join(dir, 'registry.ts');
    writeFileSync(file, renderRegistry(['rule-b', 'rule-a']));
    expect(expectedRegistry(dir, file)).toBe(readFileSync(file, 'utf8'));
    mkdirSync(path.join(dir, 'rule-0'));
    expect(registryOrder(expectedRegistry(dir, file))).toEqual(['rule-b', 'rule-a', 'rule-0']);
  });
});

describe('README rule rows', () => {
  const README = [
    '# x',
    '## Rule catalogue',
    '',
    '| id | events | raises when | severity |',
    '|---|---|---|---|',
    '| `root-activity` | any call by root | always | critical |',
    '| `retired-rule` | X | words | low |',
    '',
    '## Next',
    '| `not-a-rule-row` | elsewhere | - | - |',
    '',
  ].join('\n');
  const meta = (id: string) => RULES.find((r) => r.meta.id === id)!.meta;

  it('reads the ids of the Rule catalogue table only', () => {
    expect(readmeRuleIds(README)).toEqual(['root-activity', 'retired-rule']);
  });

  it('appends a row from the meta for a rule without one, keeping every row there is', () => {
    const next = addMissingRows(README, [meta('root-activity'), meta('iam-user-created')]);
    expect(next.split('\n').slice(5, 9)).toEqual([
      '| `root-activity` | any call by root | always | critical |',
      '| `retired-rule` | X | words | low |',
      '| `iam-user-created` | CreateUser | IAM user created | medium |',
      '',
    ]);
    expect(addMissingRows(next, [meta('iam-user-created')])).toBe(next);
    expect(addMissingRows(README, [{ ...meta('root-activity'), id: 'r', title: 'a | b' }])).toContain(
      '| `r` | any event | a \\| b | critical |',
    );
  });
});
