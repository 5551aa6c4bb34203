/**
 * The WebAssembly depth scan against its JS reference at length (slow project): thousands of seeded
 * generated bodies, raw byte soup made of JSON's structural bytes, bodies of a few MB, and one whose
 * output grows the scan's memory past the size it drops after the call.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK, KEEP_BYTES, wasmElementSpans } from '../../shared/adapters/cloudtrail-files/scan/wasm.js';
import { HEAD, needlesOf, sameHits } from '../helpers/needle-cases.js';
import { body, both, plain, prng } from '../helpers/scan-cases.js';

describe('WebAssembly scan = reference (fuzz)', () => {
  it('on 10000 seeded generated bodies, a third of them mutated', () => {
    for (let seed = 1000; seed < 11_000; seed++) {
      const r = prng(seed);
      const b = body(r, Math.floor(r() * 20), r() < 0.5 ? 0 : 0.3, 0.33);
      const { js, wasm } = both(b);
      expect(wasm, `seed ${seed}`).toEqual(js);
    }
  });

  it('on byte soup of quotes, backslashes, brackets, commas, colons, whitespace and key text', () => {
    const soup = [
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      ' ',
      '\n',
      'eventName',
      'eventSource',
      'x',
      '1',
      'é',
    ];
    for (let seed = 1; seed <= 5000; seed++) {
      const r = prng(seed);
      // Mostly balanced-looking: start with an object, then soup.
      let s = r() < 0.5 ? '{"eventName":"A","eventSource":"s",' : '{';
      for (let n = Math.floor(r() * 200); n > 0; n--) s += soup[Math.floor(r() * soup.length)];
      if (r() < 0.5) s += '"}';
      const { js, wasm } = both(Buffer.from(s, 'utf8'));
      expect(wasm, `seed ${seed}`).toEqual(js);
    }
  });

  it('on bodies of a few MB', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = prng(seed);
      const b = body(r, 3000, seed % 2 === 0 ? 0.3 : 0, 0, 0);
      const { js, wasm } = both(b);
      expect(wasm).toEqual(js);
      expect(js).not.toBeNull();
    }
  });

  it('with an output past the size whose memory is dropped after the call, and again after that', () => {
    const n = Math.ceil(KEEP_BYTES / 16) + 1000;
    const s = Buffer.from(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '{}' : '{"a":[1]}')).join(','));
    const big = both(s);
    expect(big.wasm).toEqual(big.js);
    expect(big.js?.starts).toHaveLength(n);
    const rec = '{"eventSource":"iam.amazonaws.com","eventName":"GetRole"}';
    const small = Buffer.from(`${rec},${rec}`);
    expect(plain(wasmElementSpans(small, 0, small.length))).toEqual({
      starts: [0, rec.length + 1],
      ends: [rec.length, 2 * rec.length + 1],
      nameFrom: [48, rec.length + 49],
      nameTo: [55, rec.length + 56],
    });
  });
});

describe('needle hits of the WebAssembly scan = the old indexOf passes (fuzz)', () => {
  it('on 3000 seeded generated bodies with needles cut from them', () => {
    let searched = 0;
    for (let seed = 20_000; seed < 23_000; seed++) {
      const r = prng(seed);
      const inner = body(r, Math.floor(r() * 20), r() < 0.5 ? 0 : 0.3, 0.1, 0.01);
      const b = Buffer.concat([Buffer.from(HEAD), inner, Buffer.from(']}')]);
      if (sameHits(b, HEAD.length, HEAD.length + inner.length, needlesOf(r, b), `seed ${seed}`)) searched++;
    }
    expect(searched).toBeGreaterThan(2000);
  });

  it('on bodies of a few MB, with needles cut across the 128 KB chunk boundaries', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const r = prng(seed);
      const inner = body(r, 3000, seed % 2 === 0 ? 0.3 : 0, 0, 0);
      const b = Buffer.concat([Buffer.from(HEAD), inner, Buffer.from(']}')]);
      const needles = ['Root'];
      for (let at = HEAD.length + CHUNK; at < b.length - 200; at += CHUNK) {
        const back = 1 + Math.floor(r() * 60);
        // Cut on characters (a split UTF-8 sequence dropped at either end).
        const s = b
          .toString('utf8', at - back, at + 1 + Math.floor(r() * 60))
          .replace(/^\uFFFD+|\uFFFD+$/g, '');
        if (s.length > 1) needles.push(s);
      }
      expect(needles.length).toBeGreaterThan(5);
      expect(sameHits(b, HEAD.length, b.length - 2, needles, `seed ${seed}`)).toBe(true);
    }
  });
});
