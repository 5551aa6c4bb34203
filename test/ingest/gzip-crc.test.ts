// Whole gzip objects inflated as raw deflate with their trailer checked by the fast CRC-32
// (shared/adapters/cloudtrail-files/crc32.ts): the same bytes and the same failures as gunzipSync, whichever
// CRC is used, and a member whose data inflates cleanly but does not match its CRC or length is refused.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, deflateRawSync, gunzipSync, crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Crc32,
  checkedCrc32,
  fastCrc32,
  selfTestBlock,
  useCrc32ForTests,
} from '../../shared/adapters/cloudtrail-files/crc32.js';
import { memberDataStart, wholeBytes } from '../../shared/adapters/cloudtrail-files/file-bytes.js';
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
afterEach(() => useCrc32ForTests(undefined));

/** A gzip member built by hand: `flags` and the optional fields after the 10-byte header, then `data`. */
function member(
  text: string,
  opts: {
    flags?: number;
    extra?: Buffer;
    name?: string;
    comment?: string;
    hcrc?: boolean;
    level?: number;
  } = {},
): Buffer {
  const body = Buffer.from(text, 'utf8');
  let flags = opts.flags ?? 0;
  const parts: Buffer[] = [];
  if (opts.extra !== undefined) {
    flags |= 0x04;
    const len = Buffer.alloc(2);
    len.writeUInt16LE(opts.extra.length);
    parts.push(len, opts.extra);
  }
  if (opts.name !== undefined) {
    flags |= 0x08;
    parts.push(Buffer.from(`${opts.name}\0`, 'latin1'));
  }
  if (opts.comment !== undefined) {
    flags |= 0x10;
    parts.push(Buffer.from(`${opts.comment}\0`, 'latin1'));
  }
  const head = Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]);
  if (opts.hcrc) {
    head[3] = flags | 0x02;
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(zlibCrc32(Buffer.concat([head, ...parts])) & 0xffff);
    parts.push(hcrc);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlibCrc32(body), 0);
  trailer.writeUInt32LE(body.length, 4);
  const data = deflateRawSync(body, { level: opts.level ?? constants.Z_DEFAULT_COMPRESSION });
  return Buffer.concat([head, ...parts, data, trailer]);
}

/** What gunzipSync makes of `gz` (undefined where it throws). */
function reference(gz: Buffer, maxBytes: number): string | undefined {
  try {
    return gunzipSync(gz, { maxOutputLength: maxBytes }).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A CRC-32 that counts its calls. */
function counting(crc: Crc32): { crc: Crc32; calls: () => number } {
  let n = 0;
  return {
    crc: (bytes) => {
      n++;
      return crc(bytes);
    },
    calls: () => n,
  };
}

describe('the fast CRC-32', () => {
  it('is had here, and agrees with zlib on every length and alignment', () => {
    const crc = fastCrc32();
    expect(crc).not.toBeNull();
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff));
    for (const [from, to] of [
      [0, 0],
      [0, 1],
      [3, 20],
      [1, 4097],
      [7, 70_000],
    ] as const) {
      expect(crc?.(bytes.subarray(from, to)), `${from}..${to}`).toBe(zlibCrc32(bytes.subarray(from, to)));
    }
  });

  it('has a self test that zlib passes', () => {
    expect(checkedCrc32(zlibCrc32)).toBe(zlibCrc32);
    expect(new Set(selfTestBlock()).size).toBe(256);
  });

  it('is not used when it fails its self test, throws, or is not a function', () => {
    const good = fastCrc32();
    expect(good).not.toBeNull();
    expect(checkedCrc32(good)).toBe(good);
    expect(checkedCrc32((b: Uint8Array) => (good?.(b) ?? 0) ^ 1)).toBeNull();
    // Right on the check string, wrong on longer input.
    expect(checkedCrc32((b: Uint8Array) => (b.length === 9 ? 0xcbf43926 : 0))).toBeNull();
    expect(
      checkedCrc32(() => {
        throw new Error('broken binary');
      }),
    ).toBeNull();
    expect(checkedCrc32(undefined)).toBeNull();
    expect(checkedCrc32('crc32')).toBeNull();
  });
});

describe('gzip headers the raw path reads', () => {
  it('finds the deflate data after the extra field, name and comment; leaves the rest to zlib', () => {
    expect(memberDataStart(member('x'))).toBe(10);
    expect(memberDataStart(member('x', { extra: Buffer.from('abcd') }))).toBe(16);
    expect(memberDataStart(member('x', { name: 'a.json' }))).toBe(17);
    expect(memberDataStart(member('x', { name: 'a', comment: 'bc', extra: Buffer.alloc(1) }))).toBe(18);
    expect(memberDataStart(member('x', { hcrc: true }))).toBe(0);
    expect(memberDataStart(member('x', { flags: 0x20 }))).toBe(0);
    const notDeflate = member('x');
    notDeflate[2] = 7;
    expect(memberDataStart(notDeflate)).toBe(0);
    // A name that never ends, an extra field longer than the file.
    expect(
      memberDataStart(
        Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]), Buffer.alloc(9, 0x41)]),
      ),
    ).toBe(0);
    const longExtra = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(memberDataStart(longExtra)).toBe(0);
  });
});

describe('whole objects with the fast CRC-32 and with zlib’s own', () => {
  const text = () => s3Object(['c1', 'c2', 'c3']);
  /** Objects that inflate cleanly as deflate yet must be refused, and others gunzipSync reads. */
  function cases(): [string, Buffer][] {
    const plain = member(text());
    const stored = member(text(), { level: 0 });
    const flipped = Buffer.from(stored);
    flipped[40] = (flipped[40] as number) ^ 0x01; // inside the stored block's literal bytes
    const badCrc = Buffer.from(plain);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(badCrc.length - 8) ^ 0x80) >>> 0, badCrc.length - 8);
    const badLength = Buffer.from(plain);
    badLength.writeUInt32LE(badLength.readUInt32LE(badLength.length - 4) - 1, badLength.length - 4);
    return [
      ['plain', plain],
      ['stored', stored],
      ['a flipped data byte', flipped],
      ['a wrong CRC', badCrc],
      ['a wrong length', badLength],
      ['name, comment, extra', member(text(), { name: 'x.json', comment: 'c', extra: Buffer.from('e') })],
      ['header CRC', member(text(), { hcrc: true })],
      [
        'two members',
        Buffer.concat([member('{"Records":['), member(`${JSON.stringify(recordLike(base, 'm'))}]}`)]),
      ],
      ['a zero byte after', Buffer.concat([plain, Buffer.alloc(1)])],
      ['garbage after', Buffer.concat([plain, Buffer.from('junk')])],
      ['trailer cut by one byte', plain.subarray(0, plain.length - 1)],
      ['no trailer', plain.subarray(0, plain.length - 8)],
      ['empty', member('')],
      ['reserved flag', member(text(), { flags: 0x40 })],
    ];
  }

  for (const mode of ['fast', 'zlib'] as const) {
    it(`gives what gunzipSync gives, case after case (${mode} CRC)`, () => {
      const fast = fastCrc32();
      const count = counting(fast as Crc32);
      useCrc32ForTests(mode === 'fast' ? count.crc : null);
      for (const [name, gz] of cases()) {
        const want = reference(gz, 1 << 20);
        const got = wholeBytes(gz, 1 << 20);
        expect(got === undefined ? undefined : got.toString('utf8'), name).toEqual(want);
      }
      const refused = ['a flipped data byte', 'a wrong CRC', 'a wrong length'];
      for (const name of refused)
        expect(reference(cases().find(([n]) => n === name)![1], 1 << 20), name).toBeUndefined();
      // plain, stored, flipped, wrong CRC, named, empty: six members the raw path inflated and checked.
      expect(count.calls()).toBe(mode === 'fast' ? 6 : 0);
    });
  }

  it('reports a member whose CRC does not match as corrupt, and reads the files around it', async () => {
    const ok = join(dir, 'a-ok.json.gz');
    const bad = join(dir, 'b-flipped.json.gz');
    const after = join(dir, 'c-ok.json.gz');
    await writeFile(ok, member(s3Object(['a1'])));
    const flipped = member(s3Object(['b1']), { level: 0 });
    flipped[60] = (flipped[60] as number) ^ 0x04;
    await writeFile(bad, flipped);
    await writeFile(after, gzip(s3Object(['c1', 'c2'])));
    const got = await collect([dir]);
    expect(eventIds(got)).toEqual(['a1', 'c1', 'c2']);
    expect(got.rendered).toEqual([`${bad}: corrupt gzip (Z_DATA_ERROR) after 0 records`]);
  });
});
