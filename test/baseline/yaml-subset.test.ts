/**
 * The YAML subset reader (yaml-subset.ts) against the `yaml` path it short-cuts: on every baseline of the
 * repository and on chosen cases it either declines or returns the same data and lines, and parseBaseline
 * returns the same baseline and issues with it as without it. The property test beside this file
 * searches random and mutated baselines.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE_RULE_IDS } from '../../shared/adapters/baseline-file.js';
import { parseBaseline, parseBaselineWithYaml } from '../../shared/core/baseline/parse.js';
import { parseBaselineLazily, parseBaselineSubset } from '../../shared/core/baseline/validate.js';
import { readYamlSubset } from '../../shared/core/baseline/yaml-subset.js';
import {
  documentedBaselines,
  expectSameAsYaml,
  generatedBaselines,
  repositoryBaselines,
} from './yaml-subset-corpus.js';

const OPTS = { ruleIds: CATALOGUE_RULE_IDS, nowMs: Date.parse('2026-06-01T00:00:00Z') };

describe('readYamlSubset: the baselines of the repository', () => {
  const files = [...repositoryBaselines(), ...generatedBaselines()];

  it('finds the baselines to compare', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s: read by the subset reader, the same data and lines as the yaml path', (_name, text) => {
    expect(expectSameAsYaml(text.replace(/^\uFEFF/, ''))).not.toBeNull();
  });

  it.each(files)('%s with CRLF line ends: the same as the yaml path, line for line', (name, text) => {
    const crlf = text.replace(/\n/g, '\r\n');
    expect(expectSameAsYaml(crlf.replace(/^\uFEFF/, ''))).not.toBeNull();
    expect(parseBaseline(crlf, name, OPTS)).toStrictEqual(parseBaselineWithYaml(crlf, name, OPTS));
  });

  it.each(files)('%s: parseBaseline gives the same baseline and issues with and without it', (name, text) => {
    expect(parseBaselineSubset(text, name, OPTS)).not.toBeNull();
    expect(parseBaseline(text, name, OPTS)).toStrictEqual(parseBaselineWithYaml(text, name, OPTS));
  });

  it.each([...documentedBaselines()])('%s (docs): declined or the same as the yaml path', (name, text) => {
    expectSameAsYaml(text);
    expect(parseBaseline(text, name, OPTS)).toStrictEqual(parseBaselineWithYaml(text, name, OPTS));
  });
});

describe('readYamlSubset: plain scalars resolve as in the YAML 1.2 core schema', () => {
  const cases: Array<[string, unknown]> = [
    ['yes', 'yes'],
    ['no', 'no'],
    ['on', 'on'],
    ['0777', '0777'],
    ['0o17', '0o17'],
    ['0o8', '0o8'],
    ['0x1F', '0x1F'],
    ['0X1F', '0X1F'],
    ['1e3', '1e3'],
    ['3.0e-2', '3.0e-2'],
    ['.5', '.5'],
    ['-0', '-0'],
    ['+1', '+1'],
    ['1.0', '1.0'],
    ['.inf', '.inf'],
    ['-.Inf', '-.Inf'],
    ['.nan', '.nan'],
    ['~', null],
    ['null', null],
    ['Null', null],
    ['NULL', null],
    ['nULL', 'nULL'],
    ['true', true],
    ['True', true],
    ['FALSE', false],
    ['tRUE', 'tRUE'],
    ['2026-01-01', '2026-01-01'],
    ['12:30', '12:30'],
    ['a#b', 'a#b'],
    ['a b # c', 'a b'],
    ['111122223333', 111122223333],
    ['12345678901234567890', '12345678901234567890'],
    ['1.5', 1.5],
    ['-1', -1],
    ['0', 0],
    ["'it''s'", "it's"],
    ['"a\\"b\\\\c\\/d\\n\\u00e9"', 'a"b\\c/d\né'],
    ["''", ''],
    ['', null],
  ];

  it.each(cases)('a: %s', (written, value) => {
    const text = `version: 1\na: ${written}\n`;
    expect(expectSameAsYaml(text)?.data).toStrictEqual({ version: 1, a: value });
  });

  it('reads flow collections, nested and empty', () => {
    const text =
      'version: 1\na: [a, \'b\', "c", 1, 01, true, ~, [x], {k: v}]\nb: {}\nc: [ ]\nd: { x: [1, 2], y: z }\n';
    expect(expectSameAsYaml(text)?.data).toStrictEqual({
      version: 1,
      a: ['a', 'b', 'c', 1, '01', true, null, ['x'], { k: 'v' }],
      b: {},
      c: [],
      d: { x: [1, 2], y: 'z' },
    });
  });

  it('names keys as written: account ids with a leading zero, quoted keys, __proto__', () => {
    const text =
      'version: 1\naccounts:\n  012345678901: { name: a }\n  "111122223333": { name: b }\n__proto__: x\n';
    const doc = expectSameAsYaml(text);
    expect(Object.keys(doc?.data.accounts as object)).toEqual(['012345678901', '111122223333']);
    expect(Object.getOwnPropertyDescriptor(doc?.data, '__proto__')?.value).toBe('x');
  });
});

describe('readYamlSubset: lines of keys and list items', () => {
  it('records the line of every key and item, as the yaml path does', () => {
    const text = [
      '# comment', // 1
      '---', // 2
      'version: 1', // 3
      'identities:', // 4
      '  - arn: a # trailing', // 5
      '    oidc:', // 6
      '    - provider: p', // 7
      '', // 8
      '      subjects:', // 9
      '        # between', // 10
      '        - s1', // 11
      '        - "s2"', // 12
      '  -', // 13
      '    arn: b', // 14
      '    callers: [c1, c2]', // 15
      'incidents:', // 16
      '- { identity: x, ticket: T-1 }', // 17
    ].join('\n');
    const doc = expectSameAsYaml(text);
    expect(Object.fromEntries(doc?.lines ?? [])).toEqual({
      '': 1,
      version: 3,
      identities: 4,
      'identities[0]': 5,
      'identities[0].arn': 5,
      'identities[0].oidc': 6,
      'identities[0].oidc[0]': 7,
      'identities[0].oidc[0].provider': 7,
      'identities[0].oidc[0].subjects': 9,
      'identities[0].oidc[0].subjects[0]': 11,
      'identities[0].oidc[0].subjects[1]': 12,
      'identities[1]': 14,
      'identities[1].arn': 14,
      'identities[1].callers': 15,
      'identities[1].callers[0]': 15,
      'identities[1].callers[1]': 15,
      incidents: 16,
      'incidents[0]': 17,
      'incidents[0].identity': 17,
      'incidents[0].ticket': 17,
    });
  });
});

describe('readYamlSubset: declines what it does not read, and the yaml path words it', () => {
  const declined: Array<[string, string]> = [
    ['an anchor and alias', 'version: 1\na: &x 1\nb: *x\n'],
    ['a tag', 'version: !!int 1\n'],
    ['a literal block scalar', 'version: 1\na: |\n  x\n'],
    ['a folded block scalar', 'version: 1\na: >\n  x\n'],
    ['a flow sequence over two lines', 'version: 1\na: [x,\n  y]\n'],
    ['a flow mapping over two lines', 'version: 1\na: { x: 1,\n  y: 2 }\n'],
    ['a plain scalar over two lines', 'version: 1\na: x\n  y\n'],
    ['a quoted scalar over two lines', 'version: 1\na: "x\n  y"\n'],
    ['a tab after a key', 'version: 1\na:\tx\n'],
    ['a tab as indentation', 'version: 1\na:\n\tb: 1\n'],
    ['a CR alone', 'version: 1\ra: 1\n'],
    ['a CR before the last LF only', 'version: 1\na: 1 \r\r\n'],
    ['a duplicate key', 'version: 1\na: 1\na: 2\n'],
    ['keys equal as numbers', 'version: 1\n1: x\n01: y\n'],
    ['keys equal as booleans', 'version: 1\ntrue: x\nTrue: y\n'],
    ['keys equal as written but not as values', 'version: 1\n1: x\n"1": y\n'],
    ['a duplicate key in a flow mapping', 'version: 1\na: { x: 1, x: 2 }\n'],
    ['a directive', '%YAML 1.2\n---\nversion: 1\n'],
    ['a second document', 'version: 1\n---\nversion: 2\n'],
    ['a document end marker', 'version: 1\n...\n'],
    ['content on the --- line', '--- version: 1\n'],
    ['a \\x escape', 'version: 1\na: "\\x41"\n'],
    ['a \\U escape', 'version: 1\na: "\\U0001F600"\n'],
    ['a surrogate escape', 'version: 1\na: "\\ud83d"\n'],
    ['an unknown escape', 'version: 1\na: "\\q"\n'],
    ['a deeper key after a value', 'version: 1\na:\n  b: 1\n   c: 2\n'],
    ['a key between two indentations', 'version: 1\na:\n  b: 1\n c: 2\n'],
    ['an indented first line', '  version: 1\n'],
    ['a complex key', 'version: 1\n? a\n: b\n'],
    ['a flow collection as key', 'version: 1\n[a]: b\n'],
    ['an empty list item', 'version: 1\na:\n  -\n  - x\n'],
    ['a null key', 'version: 1\n~: x\n'],
    ['an empty key', 'version: 1\n: x\n'],
    ['a list in a list on one line', 'version: 1\na:\n  - - x\n'],
    ['a list at the top', '- version: 1\n'],
    ['nothing', ''],
    ['only comments', '# nothing here\n'],
    ['a mapping as a value on its line', 'version: 1\na: b: c\n'],
    ['text after a quoted scalar', 'version: 1\na: "x" y\n'],
    ['an unclosed quote', 'version: 1\na: "x\n'],
    ['a trailing comma', 'version: 1\na: [x, ]\n'],
    ['a flow key without a space', 'version: 1\na: {x:1}\n'],
    ['a comment inside a flow sequence', 'version: 1\na: [x #c\n]\n'],
    ['a pair inside a flow sequence', 'version: 1\na: [x: 1]\n'],
    ['a BOM inside the text', 'version: 1\na: \ufeffx\n'],
    ['a plain scalar starting with @', 'version: 1\na: @x\n'],
    ['a plain scalar starting with %', 'version: 1\na: %x\n'],
    ['a plain scalar starting with a backquote', 'version: 1\na: `x\n'],
    ['a value starting with a comma', 'version: 1\na: ,x\n'],
    ['a value starting with ]', 'version: 1\na: ]\n'],
    ['a key with a space', 'version: 1\nmy key: x\n'],
    ['a key with a space before the colon', 'version: 1\na : x\n'],
    ['a long key', `version: 1\n${'k'.repeat(1001)}: x\n`],
    ['deep nesting', `version: 1\na: ${'['.repeat(40)}${']'.repeat(40)}\n`],
    ['a NaN key', 'version: 1\n.nan: x\n'],
    ['a value with a colon and space in a flow mapping', 'version: 1\na: { x: y: z }\n'],
    ['a key followed by a list at the wrong place', 'version: 1\na: 1\n- x\n'],
    ['a mapping entry inside a list', 'version: 1\na:\n  - x\n  b: y\n'],
  ];

  it.each(declined)('%s', (_what, text) => {
    expect(readYamlSubset(text)).toBeNull();
    expect(parseBaselineSubset(text, 'f.yaml', OPTS)).toBeNull();
    expect(parseBaseline(text, 'f.yaml', OPTS)).toStrictEqual(parseBaselineWithYaml(text, 'f.yaml', OPTS));
  });

  it('reads a leading BOM and --- the same way', () => {
    const text = '\ufeff---\nversion: 1\n';
    expect(parseBaselineSubset(text, 'f.yaml', OPTS)).not.toBeNull();
    expect(parseBaseline(text, 'f.yaml', OPTS)).toStrictEqual(parseBaselineWithYaml(text, 'f.yaml', OPTS));
  });
});

describe('parseBaselineLazily', () => {
  it('gives parseBaseline’s result for a file in the subset and for one outside it', async () => {
    for (const text of ['version: 1\nidentities: []\n', 'version: 1\nx: &a 1\nidentities: []\n']) {
      expect(await parseBaselineLazily(text, 'f.yaml', OPTS)).toStrictEqual(
        parseBaselineWithYaml(text, 'f.yaml', OPTS),
      );
    }
  });
});
