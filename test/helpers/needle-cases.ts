/**
 * The needle search of the record split's WebAssembly scan against the old path (test/ingest/scan-needles
 * .test.ts, test/ingest/scan-fuzz.test.ts): the oracle is the split's former Buffer#indexOf passes.
 */
import { expect } from 'vitest';
import { Finder, findersOf, needleSetOf } from '../../shared/adapters/cloudtrail-files/finder.js';
import { CHUNK, chunkedSpans } from '../../shared/adapters/cloudtrail-files/scan/wasm.js';

/** The head of an S3 log object. */
export const HEAD = '{"Records":[';

/** The old path: one Finder pass per needle over the whole buffer, as planRecords ran them. */
export function oracle(
  b: Buffer,
  from: number,
  to: number,
  starts: ArrayLike<number>,
  needles: string[],
): number[] {
  const n = starts.length;
  const wanted = new Array<number>(n).fill(0);
  for (const finder of needles.map((x) => new Finder(x))) {
    let k = 0;
    for (let at = finder.nextByte(b, from); at >= 0 && at < to; ) {
      while (k + 1 < n && (starts[k + 1] as number) <= at) k++;
      if (n > 0) wanted[k] = 1;
      if (k + 1 >= n) break;
      at = finder.nextByte(b, starts[k + 1] as number);
    }
  }
  return wanted;
}

/**
 * The scan's hits for `needles` over `b[from, to)` at every chunk size against the oracle; true when the
 * scan searched (false: it said it did not, and the split then runs the old passes).
 */
export function sameHits(b: Buffer, from: number, to: number, needles: string[], what: string): boolean {
  const set = needleSetOf(findersOf(needles));
  let searched = 0;
  for (const chunk of [64, 192, CHUNK]) {
    const el = chunkedSpans(b, from, to, chunk, set);
    if (el === null) return false;
    if (el.hits === undefined) continue;
    searched++;
    const want = oracle(b, from, to, el.starts, needles);
    expect(Array.from(el.hits), `${what} chunk ${chunk} needles ${JSON.stringify(needles)}`).toEqual(want);
  }
  return searched === 3;
}

/** Needles cut out of `b` at random places (so they hit, often across blocks and chunks), and fixed ones. */
export function needlesOf(r: () => number, b: Buffer): string[] {
  const fixed = [
    'Root',
    '"',
    '},{',
    '}',
    '{',
    ',',
    ' ',
    'é',
    '😀',
    '日本',
    'yyy',
    '\\\\',
    'eventName',
    'zzzz',
  ];
  const out: string[] = [];
  for (let i = Math.floor(r() * 4); i > 0; i--) out.push(fixed[Math.floor(r() * fixed.length)] as string);
  for (let i = Math.floor(r() * 4); i > 0 && b.length > 0; i--) {
    const len = 1 + Math.floor(r() ** 3 * 100);
    const at = Math.floor(r() * b.length);
    // Cut on characters, so the needle is a string the split could be given.
    const s = b.toString('utf8', at, Math.min(b.length, at + len)).replace(/^\uFFFD+|\uFFFD+$/g, '');
    if (s.length > 0) out.push(s);
    // A near miss: the same first and last character, one in between changed.
    if (s.length >= 3) {
      const at = 1 + Math.floor(r() * (s.length - 2));
      out.push(`${s.slice(0, at)}\u0001${s.slice(at + 1)}`);
    }
  }
  return out;
}
