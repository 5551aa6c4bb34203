import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wholeBytes } from '../../shared/adapters/cloudtrail-files/file-bytes.js';
import { collect, eventIds, gzip, recordLike, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let base: Record<string, unknown>;
const s3Object = (ids: string[]) => JSON.stringify({ Records: ids.map((id) => recordLike(base, id)) });

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  base = (await sampleRecords()).get('AttachUserPolicy__stratus-red-team.json')!;
});
afterAll(() => cleanup());

/** What gunzipSync makes of `gz` (undefined where it throws): wholeBytes must give the same. */
function reference(gz: Buffer, maxBytes: number): Buffer | undefined {
  try {
    const out = gunzipSync(gz, { maxOutputLength: maxBytes });
    return out;
  } catch {
    return undefined;
  }
}

describe('whole gzip objects inflated on a reused handle', () => {
  it('gives what gunzipSync gives, object after object, whatever came before', () => {
    const good = gzip(s3Object(['g1', 'g2']));
    const other = gzip(s3Object(['o1']));
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 10, 30);
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const noTrailer = good.subarray(0, good.length - 8);
    const multi = Buffer.concat([gzip('{"Records":['), gzip(`${JSON.stringify(recordLike(base, 'm1'))}]}`)]);
    const padded = Buffer.concat([other, Buffer.alloc(16)]);
    const garbageAfter = Buffer.concat([other, Buffer.from('not gzip')]);
    // ISIZE trailers that lie, both ways: only a hint, never the result. One claims less than the
    // 16 KB floor of the hint, so that the output runs out of room part way through the stream.
    const large = gzip(s3Object(Array.from({ length: 60 }, (_, k) => `l${k}`)));
    const under = Buffer.from(large);
    under.writeUInt32LE(3, under.length - 4);
    const over = Buffer.from(good);
    over.writeUInt32LE(50_000_000, over.length - 4);
    const empty = gzip('');
    const sequence = [
      good,
      corrupt,
      other,
      truncated,
      good,
      noTrailer,
      multi,
      padded,
      garbageAfter,
      under,
      good,
      under,
      over,
      empty,
      good,
    ];
    for (const [k, gz] of sequence.entries()) {
      const want = reference(gz, 1 << 20);
      const got = wholeBytes(gz, 1 << 20);
      expect(got === undefined ? undefined : got.toString('utf8'), `object #${k}`).toEqual(
        want === undefined ? undefined : want.toString('utf8'),
      );
    }
    expect(wholeBytes(multi, 1 << 20)?.toString('utf8')).toBe(
      `{"Records":[${JSON.stringify(recordLike(base, 'm1'))}]}`,
    );
  });

  it('keeps to maxBytes: an object that inflates to more is left to the stream', () => {
    const gz = gzip('x'.repeat(5000));
    expect(wholeBytes(gz, 4999)).toBeUndefined();
    expect(wholeBytes(gz, 5000)?.length).toBe(5000);
    expect(wholeBytes(gz, 4999)).toBeUndefined();
  });

  it('reads the good files around a corrupt and a truncated one, with the same problems', async () => {
    const ok1 = join(dir, 'a-ok.json.gz');
    const bad = join(dir, 'b-corrupt.json.gz');
    const cut = join(dir, 'c-truncated.json.gz');
    const multi = join(dir, 'd-multi.json.gz');
    const ok2 = join(dir, 'e-ok.json.gz');
    await writeFile(ok1, gzip(s3Object(['a1', 'a2'])));
    const corrupt = gzip(s3Object(['b1']));
    corrupt.fill(0xff, 10, 30);
    await writeFile(bad, corrupt);
    const whole = gzip(s3Object(['c1', 'c2', 'c3']));
    await writeFile(cut, whole.subarray(0, whole.length - 8));
    const lines = ['m1', 'm2', 'm3'].map((id) => `${JSON.stringify(recordLike(base, id))}\n`);
    await writeFile(multi, Buffer.concat(lines.map((l) => gzip(l))));
    await writeFile(ok2, gzip(s3Object(['e1'])));
    const got = await collect([dir]);
    expect(eventIds(got)).toEqual(['a1', 'a2', 'c1', 'c2', 'c3', 'm1', 'm2', 'm3', 'e1']);
    expect(got.rendered).toEqual([
      `${bad}: corrupt gzip (Z_DATA_ERROR) after 0 records`,
      `${cut}: truncated gzip after 3 records`,
    ]);
    expect(got.stats.files).toBe(5);
  });
});
