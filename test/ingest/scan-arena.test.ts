/**
 * Whole gzip objects inflated straight into the record split's WebAssembly memory (the scan arena) and
 * scanned where they are (issue 14): the same bytes, spans, needle hits and packed records as the copy
 * scanned chunk by chunk, whatever the object's size, and the arena always handed back.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBytes, wholeBytes } from '../../shared/adapters/cloudtrail-files/file-bytes.js';
import { findersOf, needleSetOf } from '../../shared/adapters/cloudtrail-files/finder.js';
import { packRecordBytes } from '../../shared/adapters/cloudtrail-files/record-split.js';
import { elementSpansOfBytes } from '../../shared/adapters/cloudtrail-files/scan/reference.js';
import {
  CHUNK,
  chunkedSpans,
  releaseArena,
  takeArena,
  wasmElementSpans,
} from '../../shared/adapters/cloudtrail-files/scan/wasm.js';
import { readSource } from '../../shared/adapters/cloudtrail-files/source.js';
import { pairsTest } from '../../shared/adapters/cloudtrail-files/types.js';
import { HEAD, needlesOf } from '../helpers/needle-cases.js';
import { body, plain, prng } from '../helpers/scan-cases.js';
import { gzip, recordLike, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let base: Record<string, unknown>;
/** An S3 log object; each record holds some noise, so that it compresses as real ones do (not 64-fold). */
const s3Object = (ids: string[]) => {
  const r = prng(ids.length);
  const noise = () => Array.from({ length: 8 }, () => Math.floor(r() * 2 ** 32).toString(36)).join('-');
  return JSON.stringify({ Records: ids.map((id) => ({ ...recordLike(base, id), requestID: noise() })) });
};
const ids = (n: number, p = 'r') => Array.from({ length: n }, (_, k) => `${p}${k}`);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  base = (await sampleRecords()).get('AttachUserPolicy__stratus-red-team.json')!;
});
afterAll(() => cleanup());

/** True when the arena is free (taken and handed back again at once). */
function arenaFree(): boolean {
  const probe = takeArena(64);
  if (probe === null) return false;
  releaseArena(probe);
  return true;
}

/** `b` copied into the arena (the caller hands it back). */
function intoArena(b: Buffer): Buffer {
  const a = takeArena(b.length);
  if (a === null) throw new Error('arena not free');
  a.set(b);
  return a;
}

const rel = pairsTest(new Set(['iam.amazonaws.com|AttachUserPolicy', 'sts.amazonaws.com|AssumeRole']), [
  'r7"',
]);

/** Every step of packing `bytes`, as plain data. */
function packAll(bytes: Buffer): unknown[] | null {
  const pack = packRecordBytes(bytes, rel, false);
  if (pack === null) return null;
  const steps: unknown[] = [];
  for (;;) {
    const { packed, skipped } = pack(100);
    steps.push({ text: packed.text, meta: Array.from(packed.meta), final: packed.final, skipped });
    if (packed.final) return steps;
  }
}

describe('the scan arena', () => {
  it('takes a whole gzip object inflated in place until it is handed back', () => {
    const gz = gzip(s3Object(ids(250)));
    const content = wholeBytes(gz, 1 << 26, true);
    expect(content?.equals(gunzipSync(gz))).toBe(true);
    expect(arenaFree()).toBe(false);
    // The packed records of the bytes in place are those of a copy scanned chunk by chunk.
    const copy = Buffer.from(content!);
    expect(packAll(content!)).toEqual(packAll(copy));
    expect(packAll(content!)).not.toBeNull();
    releaseBytes(content);
    expect(arenaFree()).toBe(true);
    // While it is leased, the next object is inflated the ordinary way, to the same bytes.
    const held = wholeBytes(gz, 1 << 26, true);
    const other = wholeBytes(gzip(s3Object(ids(3, 'o'))), 1 << 26, true);
    expect(other?.toString('utf8')).toBe(s3Object(ids(3, 'o')));
    releaseBytes(other);
    expect(arenaFree()).toBe(false);
    releaseBytes(held);
    expect(arenaFree()).toBe(true);
  });

  it('grows for an object larger than its memory, and splits it as a copy splits', () => {
    const small = wholeBytes(gzip(s3Object(ids(2))), 1 << 26, true);
    const before = small!.buffer.byteLength;
    releaseBytes(small);
    const text = s3Object(ids(5000));
    const gz = gzip(text);
    const big = wholeBytes(gz, 1 << 26, true)!;
    expect(big.buffer.byteLength).toBeGreaterThan(before);
    expect(big.buffer.byteLength).toBeGreaterThan(text.length);
    expect(big.toString('utf8')).toBe(text);
    const copy = Buffer.from(big);
    const to = big.length - 2;
    const set = needleSetOf(findersOf(['r4999"', 'r17"']));
    expect(plain(wasmElementSpans(big, HEAD.length, to, set))).toEqual(
      plain(chunkedSpans(copy, HEAD.length, to, CHUNK, set)),
    );
    expect(Array.from(wasmElementSpans(big, HEAD.length, to, set)?.hits ?? [])).toEqual(
      Array.from(chunkedSpans(copy, HEAD.length, to, CHUNK, set)?.hits ?? []),
    );
    expect(packAll(big)).toEqual(packAll(copy));
    releaseBytes(big);
    expect(arenaFree()).toBe(true);
  });

  it('is handed back on a truncated, a corrupt or an oversized object, which inflate as before', () => {
    const good = gzip(s3Object(ids(40)));
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 10, 30);
    const badCrc = Buffer.from(good);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(badCrc.length - 8) ^ 1) >>> 0, badCrc.length - 8);
    const truncated = good.subarray(0, good.length - 8);
    const under = Buffer.from(good);
    under.writeUInt32LE(3, under.length - 4);
    const multi = Buffer.concat([gzip('{"Records":['), gzip(`${JSON.stringify(recordLike(base, 'm1'))}]}`)]);
    const padded = Buffer.concat([good, Buffer.alloc(16)]);
    const garbageAfter = Buffer.concat([good, Buffer.from('not gzip')]);
    const cases = { corrupt, badCrc, truncated, under, good, multi, padded, garbageAfter };
    for (const [what, gz] of Object.entries(cases)) {
      let want: string | undefined;
      try {
        want = gunzipSync(gz).toString('utf8');
      } catch {
        want = undefined;
      }
      const got = wholeBytes(gz, 1 << 26, true);
      expect(got?.toString('utf8'), what).toBe(want);
      releaseBytes(got);
      expect(arenaFree(), what).toBe(true);
    }
    expect(wholeBytes(good, 1000, true)).toBeUndefined();
    expect(arenaFree()).toBe(true);
  });

  it('reports a corrupt CRC and a truncated object the same way, and frees the arena after', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const whole = gzip(s3Object(ids(3)));
    const badCrc = Buffer.from(whole);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(badCrc.length - 8) ^ 1) >>> 0, badCrc.length - 8);
    const crcPath = join(dir, 'crc.json.gz');
    const cutPath = join(dir, 'cut.json.gz');
    await writeFile(crcPath, badCrc);
    await writeFile(cutPath, whole.subarray(0, whole.length - 8));
    const reasons: string[] = [];
    for (const path of [crcPath, cutPath]) {
      for await (const chunk of readSource(path, undefined, { relevant: rel, maxDocumentChars: 1 << 26 })) {
        for (const e of chunk.events) if ('reason' in e) reasons.push(e.reason);
      }
      expect(arenaFree()).toBe(true);
    }
    expect(reasons).toEqual([
      'corrupt gzip (Z_DATA_ERROR) after 0 records',
      'truncated gzip after 3 records',
    ]);
  });

  it('is handed back when a reading stops part way', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const path = join(dir, 'many.json.gz');
    await writeFile(path, gzip(s3Object(ids(3000))));
    const it = readSource(path, undefined, { relevant: rel, maxDocumentChars: 1 << 26, pack: true });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(arenaFree()).toBe(false);
    await it.return(undefined);
    expect(arenaFree()).toBe(true);
  });

  it('scans in place exactly as the chunked scan and the reference, needles and all', () => {
    const r = prng(1414);
    for (let k = 0; k < 300; k++) {
      const b = Buffer.concat([
        Buffer.from(HEAD),
        body(r, 1 + Math.floor(r() * 12), 0.3, 0.2),
        Buffer.from(']}'),
      ]);
      const to = b.length - 2;
      const set = needleSetOf(findersOf(needlesOf(r, b).slice(0, 3)));
      const a = intoArena(b);
      try {
        const got = wasmElementSpans(a, HEAD.length, to, set);
        const want = chunkedSpans(b, HEAD.length, to, CHUNK, set);
        expect(plain(got), `case ${k}`).toEqual(plain(want));
        expect(plain(got), `case ${k}`).toEqual(plain(elementSpansOfBytes(b, HEAD.length, to)));
        expect(got?.hits === undefined ? undefined : Array.from(got.hits), `case ${k}`).toEqual(
          want?.hits === undefined ? undefined : Array.from(want.hits),
        );
        // The bytes after the body, zeroed for the scan, are back.
        expect(a.equals(b), `case ${k}`).toBe(true);
      } finally {
        releaseArena(a);
      }
    }
  });

  it('reads eventName values of every length, escapes anywhere, as the reference does', () => {
    // The scan walks such a value 16 bytes at a time up to a quote or a backslash: every length around
    // those steps, an escape at every place, and the chunk's end right after the value.
    for (let len = 0; len <= 40; len++) {
      for (let at = -1; at < len; at++) {
        for (const esc of ['\\"', '\\\\', '\\u0041']) {
          const value = at < 0 ? 'a'.repeat(len) : `${'a'.repeat(at)}${esc}${'b'.repeat(len - at)}`;
          const rec = `{"eventSource":"iam.amazonaws.com","eventName":"${value}","x":1}`;
          const b = Buffer.from(`${HEAD}${rec},${rec}]}`);
          const to = b.length - 2;
          const want = plain(elementSpansOfBytes(b, HEAD.length, to));
          const a = intoArena(b);
          try {
            expect(plain(wasmElementSpans(a, HEAD.length, to)), `${len} ${at} ${esc}`).toEqual(want);
          } finally {
            releaseArena(a);
          }
          expect(plain(chunkedSpans(b, HEAD.length, to, 64)), `${len} ${at} ${esc} chunked`).toEqual(want);
        }
      }
    }
  });

  it('leaves an array of more elements than its output room holds to the reference', () => {
    const b = Buffer.from(`${HEAD}${Array.from({ length: 20_000 }, () => '{}').join(',')}]}`);
    const a = intoArena(b);
    try {
      const got = plain(wasmElementSpans(a, HEAD.length, b.length - 2));
      expect(got?.starts.length).toBe(20_000);
      expect(got).toEqual(plain(elementSpansOfBytes(b, HEAD.length, b.length - 2)));
      expect(a.equals(b)).toBe(true);
    } finally {
      releaseArena(a);
    }
  });
});
