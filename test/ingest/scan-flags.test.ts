/**
 * What the WebAssembly depth scan says of a body's bytes on its way (issue 14): `ascii` (no byte over
 * 0x7f, so the split asks simdutf nothing) and `noControl` (no byte under 0x20, so no line feed search of
 * the records). Checked with the odd byte at every position of several 64-byte blocks, across chunk
 * boundaries, chunked and in place in the arena; and the split's answers built on them (invalid UTF-8,
 * line feeds) against what the old full-pass checks give.
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { packRecordBytes, splitRecordBytes } from '../../shared/adapters/cloudtrail-files/record-split.js';
import type { Elements } from '../../shared/adapters/cloudtrail-files/scan/reference.js';
import {
  CHUNK,
  chunkedSpans,
  releaseArena,
  takeArena,
  wasmElementSpans,
} from '../../shared/adapters/cloudtrail-files/scan/wasm.js';
import { TextProcessor } from '../../shared/adapters/cloudtrail-files/text-processor.js';
import { pairsTest } from '../../shared/adapters/cloudtrail-files/types.js';
import { body, prng } from '../helpers/scan-cases.js';

/** Two records whose string values give 300 bytes of room for an odd byte (offsets `room[0]`..`room[1]`). */
function bodyWith(odd: number | undefined, at: number): Buffer {
  const s = `{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","x":"${'a'.repeat(300)}"},{"y":1}`;
  const b = Buffer.from(s, 'latin1');
  if (odd !== undefined) b[ROOM_FROM + at] = odd;
  return b;
}
const ROOM_FROM = bodyWith(undefined, 0).indexOf('a'.repeat(300));
const ROOM = 300;

/** The flags of every way the scan runs over `b`: chunks of 64, 192 and CHUNK bytes, and in place. */
function flagsOf(b: Buffer): { ascii: boolean | undefined; noControl: boolean | undefined }[] {
  const out: Elements[] = [];
  for (const chunk of [64, 192, CHUNK]) {
    const el = chunkedSpans(b, 0, b.length, chunk);
    if (el === null) throw new Error('not scanned');
    out.push(el);
  }
  const a = takeArena(b.length);
  if (a === null) throw new Error('arena not free');
  try {
    a.set(b);
    const el = wasmElementSpans(a, 0, b.length);
    if (el === null) throw new Error('not scanned');
    out.push(el);
  } finally {
    releaseArena(a);
  }
  return out.map((e) => ({ ascii: e.ascii, noControl: e.noControl }));
}

const ALL = (ascii: boolean, noControl: boolean) => Array.from({ length: 4 }, () => ({ ascii, noControl }));

describe('the scan flags', () => {
  it('say ASCII and no control byte for a plain body, whatever its length (the padding is not counted)', () => {
    for (let cut = 0; cut < 70; cut++) {
      const b = Buffer.concat([bodyWith(undefined, 0), Buffer.from(` ${' '.repeat(cut)}`)]);
      expect(flagsOf(b), `${b.length}`).toEqual(ALL(true, true));
    }
  });

  it.each([
    // One flag for both: a byte outside 0x20-0x7f leaves both unknown.
    [0x80, false, false],
    [0xc3, false, false],
    [0xff, false, false],
    [0x0a, false, false],
    [0x0d, false, false],
    [0x09, false, false],
    [0x01, false, false],
    [0x1f, false, false],
    [0x00, false, false],
    [0x20, true, true],
    [0x7f, true, true],
  ])('byte %i at every position of five blocks: ascii %s, no control %s', (odd, ascii, noControl) => {
    for (let at = 0; at < ROOM; at++) {
      expect(flagsOf(bodyWith(odd, at)), `${odd} at ${ROOM_FROM + at}`).toEqual(ALL(ascii, noControl));
    }
  });

  it('say nothing once a scan left the body to the reference', () => {
    // A backslash outside a string: the reference scans the whole body, and knows no flags.
    for (const s of ['{"a":1,\\ "b":"é"}', '{"a":1,\\ "b":"\n"}']) {
      const b = Buffer.from(s);
      for (const chunk of [64, CHUNK]) {
        const el = chunkedSpans(b, 0, b.length, chunk);
        expect(el?.starts, s).toEqual([0]);
        expect([el?.ascii, el?.noControl], s).toEqual([undefined, undefined]);
      }
    }
  });
});

describe('the escaped-name marks', () => {
  it('say which eventName values hold a backslash, on seeded generated bodies and every chunk size', () => {
    let plain = 0;
    let escaped = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = prng(seed);
      const b = body(r, 1 + Math.floor(r() * 12), r() < 0.5 ? 0 : 0.3, 0.05, 0.01);
      for (const chunk of [64, 192, CHUNK]) {
        const el = chunkedSpans(b, 0, b.length, chunk);
        if (el === null) continue;
        const marks = el.nameEscaped;
        expect(marks, `seed ${seed}`).toBeDefined();
        for (let k = 0; k < el.starts.length; k++) {
          const from = el.nameFrom[k] as number;
          const mark = marks?.[k] as number;
          if (from < 0 || mark === 2) continue;
          const has = b.subarray(from, el.nameTo[k] as number).includes(0x5c);
          expect(mark, `seed ${seed} chunk ${chunk} element ${k}`).toBe(has ? 1 : 0);
          if (has) escaped++;
          else plain++;
        }
      }
    }
    expect(plain).toBeGreaterThan(300);
    expect(escaped).toBeGreaterThan(30);
  });

  it('keep a needle hit between elements apart from the mark of the element before', () => {
    const s = '{"eventSource":"iam.amazonaws.com","eventName":"Create\\u0055ser"} xneedlex {"a":1}';
    // Junk between elements is refused; a needle in whitespace between them is not.
    const b = Buffer.from(s.replace(' xneedlex ', ' , '));
    const el = chunkedSpans(b, 0, b.length, CHUNK, { bytes: [Buffer.from(' , ')] });
    expect(Array.from(el?.hits ?? [])).toEqual([1, 0]);
    expect(Array.from(el?.nameEscaped ?? [])).toEqual([1, 0]);
  });
});

const rel = pairsTest(new Set(['iam.amazonaws.com|CreateUser']), ['"Root"']);
const rec = (name: string, extra = '') =>
  `{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","userName":"${name}"${extra}}`;

describe('the split on the flags', () => {
  it.each([
    ['ASCII', Buffer.from(`{"Records":[${rec('a')},${rec('b')}]}`)],
    ['valid UTF-8', Buffer.from(`{"Records":[${rec('é')},${rec('日本')}]}`)],
    [
      'invalid UTF-8',
      Buffer.concat([
        Buffer.from(
          `{"Records":[${rec('a')},{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","userName":"`,
        ),
        Buffer.from([0xe6, 0x97, 0xff]),
        Buffer.from(`"}]}`),
      ]),
    ],
    ['an invalid byte in a name', Buffer.from(`{"Records":[${rec('\u00ff')}]}`, 'latin1')],
  ])('packs %s with the UTF-8 answer of a full check', (_, bytes) => {
    const pack = packRecordBytes(bytes, rel);
    expect(pack).not.toBeNull();
    expect(pack?.(250).packed.badUtf8).toBe(!isUtf8(bytes));
  });

  it('tells the in-thread split the UTF-8 answer before it emits', () => {
    const bytes = Buffer.from(`{"Records":[${rec('\u00ff')}]}`, 'latin1');
    const proc = new TextProcessor('f.json', rel, 1 << 20);
    const seen: boolean[] = [];
    const step = splitRecordBytes(bytes, proc, (bad) => {
      seen.push(bad);
      proc.badUtf8 = bad;
    });
    expect(seen).toEqual([true]);
    expect(step?.(10)).toBe(true);
    proc.finish();
    const chunk = proc.take(bytes.length);
    expect(chunk.events.map((e) => ('reason' in e ? e.reason : 'record'))).toEqual([
      expect.stringContaining('invalid UTF-8'),
    ]);
  });

  it.each([
    ['a line feed between records', `{"Records":[${rec('a')},\n${rec('b')}]}`, false],
    ['a line feed in a string', `{"Records":[${rec('a\nb')}]}`, false],
    [
      'a line feed after the first record, at a block boundary',
      `{"Records":[${rec('a'.repeat(40))}\n]}`,
      false,
    ],
    ['a carriage return only', `{"Records":[${rec('a')},\r${rec('b')}]}`, true],
    ['a tab between records', `{"Records":[${rec('a')},\t${rec('b')}]}`, true],
    ['a line end at the very end', `{"Records":[${rec('a')}]}\n`, true],
    ['CR LF at the very end', `{"Records":[${rec('a')}]}\r\n`, true],
    ['two line feeds at the end', `{"Records":[${rec('a')}]}\n\n`, true],
    ['three line feeds at the end', `{"Records":[${rec('a')}]}\n\n\n`, false],
    ['spaces, then a line feed', `{"Records":[${rec('a')}]}   \n`, true],
    ['a line feed, then spaces', `{"Records":[${rec('a')}]}\n   `, false],
  ])('takes a one-line object only: %s', (_, s, planned) => {
    const bytes = Buffer.from(s);
    // The old test, on every byte: the first line feed before the last two bytes refuses it.
    const nl = bytes.indexOf(10);
    expect(nl < 0 || nl >= bytes.length - 2).toBe(planned);
    expect(packRecordBytes(bytes, rel, false) !== null).toBe(planned);
  });
});
