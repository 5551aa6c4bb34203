/**
 * Inputs for the differential tests of the record split's depth scans (test/ingest/scan-wasm.test.ts,
 * test/ingest/scan-fuzz.test.ts): seeded array bodies of CloudTrail-like records whose strings hold
 * escapes, backslash runs of every length at every alignment, brackets and quotes, non-ASCII text and
 * look-alike keys; with whitespace between tokens; and mutated (bytes changed, dropped or inserted,
 * truncated) so the null and undecided answers are exercised too.
 */
import { type Elements, elementSpansOfBytes } from '../../shared/adapters/cloudtrail-files/scan/reference.js';
import { chunkedSpans, wasmElementSpans } from '../../shared/adapters/cloudtrail-files/scan/wasm.js';

/** A small seeded PRNG (mulberry32): the same seed, the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** Pieces of JSON string contents, escapes written out. */
const PIECES = [
  'x',
  'abc',
  '\\\\',
  '\\"',
  '\\n',
  '\\u0041',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'é',
  '😀',
  '日本',
  '\\"eventName\\":\\"CreateUser\\"',
  'eventSource',
  ' ',
];
const KEYS = [
  'eventName',
  'eventSource',
  'eventName',
  'eventSource',
  'eventNam',
  'eventNames',
  'eventSourceX',
  'event\\u004eame',
  'eventTime',
  'eventID',
  'userIdentity',
  'requestParameters',
  'a',
  'é',
];
const WS = [' ', '\t', '\n', '\r'];

/** Raw JSON string contents (escapes already written): pieces, and backslash runs of any length. */
function strBody(r: Rng): string {
  let s = '';
  const n = int(r, 0, 6);
  for (let i = 0; i < n; i++) {
    const c = r();
    if (c < 0.15) s += '\\'.repeat(2 * int(r, 0, 40)) + pick(r, ['\\"', '\\n', '', 'z']);
    else if (c < 0.25) s += 'y'.repeat(int(r, 0, 70));
    else s += pick(r, PIECES);
  }
  // Unescaped pieces above may end in a lone backslash: make the run even.
  const run = /\\*$/.exec(s)?.[0].length ?? 0;
  return run % 2 === 1 ? `${s}\\` : s;
}

function ws(r: Rng, p: number): string {
  if (r() >= p) return '';
  let s = '';
  for (let n = int(r, 1, 3); n > 0; n--) s += pick(r, WS);
  return s;
}

function value(r: Rng, depth: number, p: number): string {
  const c = r();
  if (c < 0.5) return `"${strBody(r)}"`;
  if (c < 0.6) return pick(r, ['1', '-2.5e3', 'true', 'false', 'null']);
  if (depth > 3) return '""';
  if (c < 0.8) return object(r, depth + 1, p);
  const n = int(r, 0, 3);
  const xs: string[] = [];
  for (let i = 0; i < n; i++) xs.push(ws(r, p) + value(r, depth + 1, p) + ws(r, p));
  return `[${xs.join(',')}]`;
}

function object(r: Rng, depth: number, p: number): string {
  const n = int(r, 0, depth === 1 ? 8 : 3);
  const members: string[] = [];
  if (depth === 1 && r() < 0.8) {
    members.push(`"eventSource":"${pick(r, ['iam.amazonaws.com', 'sts.amazonaws.com', strBody(r)])}"`);
    members.push(`"eventName":"${pick(r, ['CreateUser', 'AssumeRole', 'GetRole', strBody(r)])}"`);
  }
  for (let i = 0; i < n; i++) {
    const key = r() < 0.6 ? pick(r, KEYS) : strBody(r);
    members.splice(
      int(r, 0, members.length),
      0,
      `${ws(r, p)}"${key}"${ws(r, p)}:${ws(r, p)}${value(r, depth, p)}${ws(r, p)}`,
    );
  }
  return `{${members.join(',')}}`;
}

const MUTATE = ['{', '}', '[', ']', '"', '\\', ',', ':', ' ', 'x', '1', 'é'];

/**
 * One array body (what sits between `{"Records":[` and `]}`): `elements` records (with probability
 * `junk` each an element that is not an object, or two objects with no comma), whitespace with probability
 * `p`, then with probability `mutate` a few byte edits or a truncation.
 */
export function body(r: Rng, elements: number, p: number, mutate: number, junk = 0.03): Buffer {
  const xs: string[] = [];
  for (let i = 0; i < elements; i++) {
    const c = r();
    // Mostly records; now and then an element that is not an object, or two objects with no comma.
    if (c < junk) xs.push(pick(r, ['1', '"s"', '[]', 'null', '{}{}', '']));
    else xs.push(ws(r, p) + object(r, 1, p) + ws(r, p));
  }
  let s = xs.join(',');
  if (r() < mutate) {
    for (let n = int(r, 1, 3); n > 0; n--) {
      const at = int(r, 0, s.length);
      const c = r();
      if (c < 0.3) s = s.slice(0, at) + pick(r, MUTATE) + s.slice(at);
      else if (c < 0.6) s = s.slice(0, at) + s.slice(at + 1);
      else if (c < 0.8) s = s.slice(0, at) + pick(r, MUTATE) + s.slice(at + 1);
      else s = s.slice(0, at);
    }
  }
  return Buffer.from(s, 'utf8');
}

/** A scan's answer as plain arrays. */
export interface PlainElements {
  starts: number[];
  ends: number[];
  nameFrom: number[];
  nameTo: number[];
}

/** A scan's answer as plain arrays, so the two scans compare with toEqual. */
export function plain(e: Elements | null): PlainElements | null {
  if (e === null) return null;
  return {
    starts: Array.from(e.starts),
    ends: Array.from(e.ends),
    nameFrom: Array.from(e.nameFrom),
    nameTo: Array.from(e.nameTo),
  };
}

/**
 * Both scans of `b[from, to)`, as plain arrays; the WebAssembly one also with chunks of 64 and 192
 * bytes, which must agree with its usual chunks (else `wasm` says so).
 */
export function both(
  b: Buffer,
  from = 0,
  to = b.length,
): { js: PlainElements | null; wasm: PlainElements | 'chunks disagree' | null } {
  const wasm = plain(wasmElementSpans(b, from, to));
  const same = [64, 192].every(
    (chunk) => JSON.stringify(plain(chunkedSpans(b, from, to, chunk))) === JSON.stringify(wasm),
  );
  return { js: plain(elementSpansOfBytes(b, from, to)), wasm: same ? wasm : 'chunks disagree' };
}
