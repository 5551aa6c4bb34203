/**
 * The needle search folded into the WebAssembly depth scan (issue 14): per element, whether a needle
 * starts in it must be exactly what the record split's old Buffer#indexOf passes (Finder, one pass per
 * needle) found — inside strings and keys, at element edges, between elements, across the scan's 64-byte
 * blocks and its chunks (tried at 64 and 192 bytes as well as the usual size), running past the body's
 * end — for generated and real bodies and needle sets of every length from 1 byte on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findersOf, needleSetOf } from '../../shared/adapters/cloudtrail-files/finder.js';
import { CHUNK, chunkedSpans, MAX_NEEDLE_BYTES } from '../../shared/adapters/cloudtrail-files/scan/wasm.js';
import { HEAD, needlesOf, sameHits } from '../helpers/needle-cases.js';
import { body, prng } from '../helpers/scan-cases.js';

describe('needle hits of the WebAssembly scan = the old indexOf passes', () => {
  it('on seeded generated bodies, with needles cut from them and fixed ones', () => {
    let searched = 0;
    let hit = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = prng(seed);
      const inner = body(r, Math.floor(r() * 14), r() < 0.5 ? 0 : 0.3, 0.1, 0.01);
      const b = Buffer.concat([Buffer.from(HEAD), inner, Buffer.from(r() < 0.5 ? ']}' : ']}\n  ')]);
      const needles = needlesOf(r, b);
      if (sameHits(b, HEAD.length, HEAD.length + inner.length, needles, `seed ${seed}`)) {
        searched++;
        const el = chunkedSpans(
          b,
          HEAD.length,
          HEAD.length + inner.length,
          CHUNK,
          needleSetOf(findersOf(needles)),
        );
        hit += el?.hits?.reduce((a, x) => a + x, 0) ?? 0;
      }
    }
    expect(searched).toBeGreaterThan(200);
    expect(hit).toBeGreaterThan(300);
  });

  it('at every offset of a needle around element edges and block and chunk boundaries', () => {
    const rec = (i: number, pad: string) => `{"i":${i},"p":"${pad}","userName":"alice"}`;
    let searched = 0;
    for (let pad = 0; pad < 70; pad++) {
      const inner = [rec(0, 'y'.repeat(pad)), rec(1, 'x'), rec(2, 'y'.repeat(140 - pad))].join(' , ');
      const b = Buffer.from(`${HEAD}${inner}]}`);
      const to = HEAD.length + Buffer.byteLength(inner);
      for (const needles of [
        ['alice"}'],
        ['"}'],
        ['}'],
        ['} , {'],
        [' , {"i"'],
        ['e"}]}'],
        ['}]}'],
        ['yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'yx'],
        ['{"Records":[{'],
        ['alice', 'ali', 'lice', 'e'],
        // Near misses: the first and last bytes match, one in between does not.
        ['aXice', 'alXce', 'aliXe', 'userNXme'],
        // Near misses on the last byte: the vector test takes the rarest later byte, not the last.
        ['userNama', 'userNames', 'userName"}', '"userName":"alicee', 'alice"}]'],
      ]) {
        if (sameHits(b, HEAD.length, to, needles, `pad ${pad}`)) searched++;
      }
    }
    expect(searched).toBe(70 * 12);
  });

  it('with no needles, dozens of them, and ones too long for the scan (then it says it did not search)', () => {
    const inner = Array.from({ length: 50 }, (_, i) => `{"i":${i},"n":"user-${i}"}`).join(',');
    const b = Buffer.from(`${HEAD}${inner}]}`);
    const to = b.length - 2;
    const dozens = Array.from({ length: 40 }, (_, i) => `user-${i * 3}"`);
    expect(sameHits(b, HEAD.length, to, dozens, 'dozens')).toBe(true);
    const none = chunkedSpans(b, HEAD.length, to, CHUNK);
    expect(none?.hits).toBeUndefined();
    const long = 'u'.repeat(MAX_NEEDLE_BYTES + 1);
    expect(
      chunkedSpans(b, HEAD.length, to, CHUNK, needleSetOf(findersOf([long, 'user-1'])))?.hits,
    ).toBeUndefined();
    const many = Array.from({ length: 400 }, (_, i) => `needle-${i}`);
    expect(chunkedSpans(b, HEAD.length, to, CHUNK, needleSetOf(findersOf(many)))?.hits).toBeUndefined();
    expect(sameHits(b, HEAD.length, to, ['u'.repeat(MAX_NEEDLE_BYTES)], 'longest')).toBe(true);
  });
});

/** Every .json under a directory. */
function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (e.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

describe('needle hits on the real fixtures', () => {
  it('test/fixtures/cloudtrail-public and test/datasets as S3 objects, with needles from their text', () => {
    const files = [...jsonFiles('test/fixtures/cloudtrail-public'), ...jsonFiles('test/datasets')];
    expect(files.length).toBeGreaterThan(20);
    const r = prng(14);
    let searched = 0;
    for (const f of files) {
      let records: unknown[];
      try {
        const v = JSON.parse(readFileSync(f, 'utf8')) as unknown;
        records = Array.isArray(v) ? v : ((v as { Records?: unknown[] }).Records ?? [v]);
      } catch {
        continue;
      }
      const inner = records.map((x) => JSON.stringify(x)).join(',');
      const b = Buffer.from(`${HEAD}${inner}]}`);
      const needles = ['Root', ...needlesOf(r, b)];
      if (sameHits(b, HEAD.length, b.length - 2, needles, f)) searched++;
    }
    expect(searched).toBeGreaterThan(20);
  });
});
