/**
 * Differential search for the YAML subset reader: random documents written in the subset (which it must
 * read), random documents full of scalars and layouts near its edges, and real baselines with random
 * character edits. Whatever it reads must equal the `yaml` path's data and lines, and parseBaseline must
 * give the same baseline and issues with it and without it. Seeded: a failure names its seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_RULE_IDS } from '../../shared/adapters/baseline-file.js';
import { parseBaseline, parseBaselineWithYaml } from '../../shared/core/baseline/parse.js';
import { readYamlSubset } from '../../shared/core/baseline/yaml-subset.js';
import { expectSameAsYaml, generatedBaselines, repositoryBaselines } from './yaml-subset-corpus.js';

const OPTS = { ruleIds: CATALOGUE_RULE_IDS, nowMs: Date.parse('2026-06-01T00:00:00Z') };

/** mulberry32: the document's shape and layout from one seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}
type Rng = ReturnType<typeof prng>;

type Tree =
  | { t: 'map'; entries: Array<[string, Tree]> }
  | { t: 'seq'; items: Tree[] }
  | { t: 'scalar'; text: string };

/** Plain scalars near the edges of the core schema and of plain-scalar syntax. */
const TRICKY_PLAIN = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '0777',
  '0o17',
  '0o8',
  '0x1F',
  '0X1F',
  '0xg',
  '1e3',
  '1E3',
  '3.0e-2',
  '1.',
  '.5',
  '-.5',
  '+.5',
  '-0',
  '+0',
  '+1',
  '-1',
  '1.0',
  '1.50',
  '.inf',
  '+.inf',
  '-.Inf',
  '.INF',
  '.nan',
  '.NaN',
  '.NAN',
  '.Nan',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  '2026-01-01',
  '2026-01-01T00:00:00Z',
  '12:30',
  '1_000',
  '0b101',
  'a#b',
  'a # b',
  'a: b',
  'a:b',
  '-a',
  '- a',
  '?a',
  '? a',
  ':a',
  '%a',
  '@a',
  '&a',
  '*a',
  '!a',
  '!!str a',
  '|',
  '>',
  '[',
  ']',
  '{',
  '}',
  'a,b',
  'a]',
  'é',
  'ü x',
  '\u00a0',
  'x\u00a0',
  'a  b',
  '😀',
  '"x"',
  "'x'",
  'x"y',
  "x'y",
  '\\',
  'a\\nb',
  '<<',
  '=',
  '-',
  '.',
  '...',
  '---',
  '#',
  'a:',
  '111122223333',
  '012345678901',
  '12345678901234567890',
  '9007199254740993',
  '1e400',
  '-1e400',
  '0.1',
  '0.10',
  '00',
  '0e0',
  '+',
  '++1',
  'arn:aws:iam::*:role/x',
  'a{b}',
  'a[0]',
];
const TRICKY_KEYS = [
  'version',
  'a',
  'b',
  'arn',
  '__proto__',
  '1',
  '01',
  '0x1',
  'true',
  'True',
  'null',
  '~',
  'x.y',
  'a/b',
  'a-b',
  'a b',
  '-k',
  'k:',
  '111122223333',
  '012345678901',
  '<<',
  '.nan',
  '1.0',
  '"1"',
  "'a'",
  '"a b"',
  '"__proto__"',
  '"x\\ty"',
  '?',
  '&a',
  '*a',
  '!t',
  'a#b',
  '"',
  "''",
];
const SAFE_WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'x.y',
  'a/b',
  'a-b',
  'k_1',
  '111122223333',
  '012345678901',
];
const SAFE_PLAIN = [
  ...SAFE_WORDS,
  '1',
  '0',
  '-1',
  '1.5',
  '01',
  '0x1F',
  '0o17',
  '1e3',
  'true',
  'False',
  'null',
  '~',
  'yes',
  'arn:aws:iam::111122223333:role/x',
  '2026-01-01T00:00:00Z',
  'a#b',
  'with space',
  'é ü',
  '12:30',
  // Nothing: `key:` with no value (null), before a line less indented or a sibling key.
  '',
];
const SAFE_TEXT = [
  '',
  'plain',
  "it's",
  'say "hi"',
  'back\\slash',
  'line\nbreak',
  'tab\there',
  'é',
  'a: b',
  '#x',
];

function doubleQuoted(s: string, r: Rng): string {
  let out = JSON.stringify(s);
  if (r.chance(0.1)) out = out.replace(/\//g, '\\/');
  return out;
}

function scalar(r: Rng, trickyDoc: boolean): Tree {
  // One scalar in four near the edges: most documents stay readable, so agreement is tested, not only declining.
  const tricky = trickyDoc && r.chance(0.25);
  const k = r.int(10);
  if (k < 6) return { t: 'scalar', text: r.pick(tricky ? TRICKY_PLAIN : SAFE_PLAIN) };
  const s = tricky ? r.pick([...SAFE_TEXT, ...TRICKY_PLAIN, '\u0001', '\r', '\ud83d']) : r.pick(SAFE_TEXT);
  // A raw tab is declined by design (the yaml path reads it), so single-quoted texts hold none here.
  if (k < 8) return { t: 'scalar', text: `'${s.replace(/[\n\t]/g, ' ').replace(/'/g, "''")}'` };
  let text = doubleQuoted(s, r);
  if (tricky && r.chance(0.2))
    text = r.pick(['"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\e"', '"a\\ b"', '"\\"']);
  return { t: 'scalar', text };
}

function key(r: Rng, tricky: boolean, used: Set<string>): string {
  if (tricky && r.chance(0.25)) return r.pick(TRICKY_KEYS);
  for (;;) {
    const w = r.pick([...SAFE_WORDS, 'version', 'arn', 'kind', '__proto__', 'owner', 'team', 'z9']);
    if (used.has(w)) {
      if (used.size >= 14) return `k${used.size}_${r.int(1e6)}`;
      continue;
    }
    used.add(w);
    return r.chance(0.2) ? (r.chance(0.5) ? `"${w}"` : `'${w}'`) : w;
  }
}

function tree(r: Rng, tricky: boolean, depth: number): Tree {
  const k = r.int(10);
  if (depth >= 4 || k < 4) return scalar(r, tricky);
  const n = r.int(depth === 0 ? 6 : 4) + (r.chance(0.1) ? 0 : 1);
  if (k < 7) {
    const used = new Set<string>();
    return {
      t: 'map',
      entries: Array.from({ length: n }, () => [key(r, tricky, used), tree(r, tricky, depth + 1)]),
    };
  }
  return { t: 'seq', items: Array.from({ length: n }, () => tree(r, tricky, depth + 1)) };
}

function sp(r: Rng, tricky: boolean): string {
  return tricky && r.chance(0.2) ? '  ' : ' ';
}

/** `nested`: inside a collection, where an empty entry is declined by design, so `~` stands for nothing. */
function flow(v: Tree, r: Rng, tricky: boolean, nested = false): string {
  if (v.t === 'scalar') return nested && v.text === '' && !tricky ? '~' : v.text;
  const inner = r.chance(0.5) ? ' ' : '';
  if (v.t === 'seq') {
    if (v.items.length === 0) return r.chance(0.5) ? '[]' : '[ ]';
    return `[${inner}${v.items.map((x) => flow(x, r, tricky, true)).join(`,${sp(r, tricky)}`)}${inner}]`;
  }
  if (v.entries.length === 0) return '{}';
  return `{${inner}${v.entries.map(([k, x]) => `${k}:${sp(r, tricky)}${flow(x, r, tricky, true)}`).join(`,${sp(r, tricky)}`)}${inner}}`;
}

function comment(r: Rng): string {
  return r.chance(0.15) ? `${' '.repeat(r.int(3) + 1)}# c${r.int(9)}` : '';
}

function isEmpty(v: Tree): boolean {
  return v.t === 'map' ? v.entries.length === 0 : v.t === 'seq' ? v.items.length === 0 : false;
}

function blockMap(entries: Array<[string, Tree]>, indent: number, r: Rng, tricky: boolean): string[] {
  const out: string[] = [];
  for (const [k, v] of entries) {
    const head = `${' '.repeat(indent)}${k}:`;
    if (v.t === 'scalar' || isEmpty(v) || r.chance(0.25)) {
      out.push(`${head}${sp(r, tricky)}${flow(v, r, tricky)}${comment(r)}`);
    } else {
      out.push(`${head}${comment(r)}`);
      const step = r.pick([1, 2, 2, 2, 4]);
      if (v.t === 'seq' && r.chance(0.3)) out.push(...blockSeq(v.items, indent, r, tricky));
      else out.push(...block(v, indent + step, r, tricky));
    }
  }
  return out;
}

function blockSeq(items: Tree[], indent: number, r: Rng, tricky: boolean): string[] {
  const out: string[] = [];
  const pad = ' '.repeat(indent);
  for (const v of items) {
    if (v.t === 'map' && !isEmpty(v) && r.chance(0.7)) {
      const col = indent + 1 + (r.chance(0.8) ? 1 : 2);
      const lines = blockMap(v.entries, col, r, tricky);
      lines[0] = `${pad}-${' '.repeat(col - indent - 1)}${(lines[0] as string).slice(col)}`;
      out.push(...lines);
    } else if ((v.t === 'map' || v.t === 'seq') && !isEmpty(v) && r.chance(0.7)) {
      out.push(`${pad}-${comment(r)}`, ...block(v, indent + r.pick([1, 2, 3]), r, tricky));
    } else if (tricky && v.t === 'seq' && r.chance(0.3)) {
      out.push(`${pad}- - ${flow(v, r, tricky)}`);
    } else {
      out.push(`${pad}-${sp(r, tricky)}${flow(v, r, tricky, true)}${comment(r)}`);
    }
  }
  return out;
}

function block(v: Tree, indent: number, r: Rng, tricky: boolean): string[] {
  if (v.t === 'map') return blockMap(v.entries, indent, r, tricky);
  if (v.t === 'seq') return blockSeq(v.items, indent, r, tricky);
  return [`${' '.repeat(indent)}${v.text}`];
}

/** A random document: a top-level mapping, with comment and blank lines, maybe `---`. */
function document(seed: number, tricky: boolean): string {
  const r = prng(seed);
  const used = new Set<string>(['version']);
  const entries: Array<[string, Tree]> = [['version', { t: 'scalar', text: '1' }]];
  const n = r.int(5) + 1;
  for (let i = 0; i < n; i += 1) entries.push([key(r, tricky, used), tree(r, tricky, 1)]);
  const lines = blockMap(entries, 0, r, tricky);
  const out: string[] = [];
  if (r.chance(0.2)) out.push('# head');
  if (r.chance(0.2)) out.push('---');
  for (const line of lines) {
    if (r.chance(0.08)) out.push(r.chance(0.5) ? '' : `${' '.repeat(r.int(6))}# between`);
    out.push(line);
  }
  return `${out.join('\n')}${r.chance(0.8) ? '\n' : ''}`;
}

const EDITS = [
  ' ',
  '-',
  ':',
  '#',
  "'",
  '"',
  '[',
  ']',
  '{',
  '}',
  ',',
  '\n',
  '\t',
  '0',
  '1',
  'x',
  '\\',
  '&',
  '*',
  '!',
  '|',
  '>',
  '?',
  '.',
  '~',
  '%',
  '@',
  '\r',
  '\ufeff',
  'é',
  'e',
  'o',
  'y',
];

describe('readYamlSubset, differential against the yaml path', () => {
  it('reads every random document written in the subset, as the yaml path does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const lf = document(seed, false);
        // CRLF line ends are read too (one line break in YAML, the same line numbers).
        const text = seed % 5 === 0 ? lf.replace(/\n/g, '\r\n') : lf;
        const fast = expectSameAsYaml(text);
        expect(fast, `declined a document in the subset:\n${text}`).not.toBeNull();
      }),
      { seed: 1401, numRuns: 600 },
    );
  });

  it('declines or agrees on random documents near the subset’s edges', () => {
    let read = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const text = document(seed, true);
        if (expectSameAsYaml(text) !== null) read += 1;
        expect(parseBaseline(text, 'f.yaml', OPTS)).toStrictEqual(
          parseBaselineWithYaml(text, 'f.yaml', OPTS),
        );
      }),
      { seed: 1402, numRuns: 1500 },
    );
    // Not a vacuous search: a good share of these documents is read, not declined.
    expect(read).toBeGreaterThan(150);
  });

  it('declines or agrees on real baselines with random character edits', () => {
    const corpus = [...repositoryBaselines().values(), ...generatedBaselines().values()];
    let read = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: corpus.length - 1 }),
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
            fc.nat(2),
            fc.constantFrom(...EDITS),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (which, edits) => {
          let text = corpus[which] as string;
          for (const [at, op, ch] of edits) {
            const i = Math.floor(at * text.length);
            text =
              op === 0
                ? text.slice(0, i) + ch + text.slice(i)
                : op === 1
                  ? text.slice(0, i) + ch + text.slice(i + 1)
                  : text.slice(0, i) + text.slice(i + 1);
          }
          if (expectSameAsYaml(text.replace(/^\uFEFF/, '')) !== null) read += 1;
          expect(parseBaseline(text, 'f.yaml', OPTS)).toStrictEqual(
            parseBaselineWithYaml(text, 'f.yaml', OPTS),
          );
        },
      ),
      { seed: 1403, numRuns: 1000 },
    );
    expect(read).toBeGreaterThan(200);
  });

  it('is not fooled by the generator: a document outside the subset is declined, not misread', () => {
    // The search above only proves anything if the reader sees what it must decline; one of each.
    expect(readYamlSubset('version: 1\na: &x 1\n')).toBeNull();
    expect(readYamlSubset(document(7, false))).not.toBeNull();
  });
});
