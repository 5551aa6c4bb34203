/**
 * The record split over bytes (what files and S3 objects take) and over a decoded string (what a
 * JSON line takes) are two scans of one algorithm: they must find the same records, parse the same
 * ones and skip the same ones, whatever the strings hold (escapes, backslash runs before a quote,
 * brackets, non-ASCII text, look-alike keys). And a gzip trailer's size claim is only a hint.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inflatedSizeHint } from '../../shared/adapters/cloudtrail-files/file-bytes.js';
import {
  packRecordBytes,
  splitRecordBytes,
  splitRecords,
} from '../../shared/adapters/cloudtrail-files/record-split.js';
import type { TextSink } from '../../shared/adapters/cloudtrail-files/scanner.js';
import { type PairsRelevance, pairsTest } from '../../shared/adapters/cloudtrail-files/types.js';

const REL: PairsRelevance = pairsTest(
  new Set(['iam.amazonaws.com|CreateUser', 'sts.amazonaws.com|AssumeRole']),
  ['"Root"'],
);

/** What a sink was told, in order. */
function recording(): { sink: TextSink; log: string[] } {
  const log: string[] = [];
  const sink: TextSink = {
    relevant: REL,
    record: (raw, line) => log.push(`record ${line} ${JSON.stringify(raw)}`),
    skip: () => log.push('skip'),
    problem: (line, reason) => log.push(`problem ${line} ${reason}`),
  };
  return { sink, log };
}

function viaBytes(doc: string): string[] | null {
  const { sink, log } = recording();
  const step = splitRecordBytes(Buffer.from(doc, 'utf8'), sink);
  if (step === null) return null;
  while (!step(3));
  return log;
}

function viaString(doc: string): string[] | null {
  const { sink, log } = recording();
  return splitRecords(doc, 1, sink, REL) ? log : null;
}

const tricky = fc.constantFrom(
  '\\',
  '\\\\',
  '"',
  '\\"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'é',
  '😀',
  '"eventName":"CreateUser"',
  'Root',
  'x',
);
const text = fc.array(tricky, { maxLength: 6 }).map((a) => a.join(''));

describe('record split: bytes and string agree', () => {
  it('on records whose strings hold escapes, brackets and non-ASCII text (property)', () => {
    const names = fc.constantFrom('CreateUser', 'AssumeRole', 'GetRole', 'Créer', 'Assume\\Role');
    const rec = fc.record({
      eventVersion: text,
      userIdentity: fc.record({ type: fc.constantFrom('Root', 'IAMUser'), arn: text }),
      eventSource: fc.constantFrom('iam.amazonaws.com', 'sts.amazonaws.com'),
      eventName: names,
      requestParameters: fc.record({ note: text, list: fc.array(fc.record({ a: text }), { maxLength: 2 }) }),
    });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 8 }), (records) => {
        const doc = JSON.stringify({ Records: records });
        const bytes = viaBytes(doc);
        expect(bytes).not.toBeNull();
        expect(viaString(doc)).toEqual(bytes);
        // Exactly the relevant ones (pair or needle) are records; the rest are skips.
        const kept = (bytes ?? []).filter((l) => l.startsWith('record')).length;
        const want = records.filter(
          (r) => REL.pairsOnly(r.eventSource, r.eventName) || JSON.stringify(r).includes('"Root"'),
        ).length;
        expect(kept).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it('on a backslash run before a quote inside an eventName-like string', () => {
    const doc =
      '{"Records":[{"eventSource":"iam.amazonaws.com","eventName":"GetRole","x":"a\\\\\\"eventName\\\\"},' +
      '{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","y":"\\\\\\\\"}]}';
    expect(JSON.parse(doc).Records).toHaveLength(2);
    const bytes = viaBytes(doc);
    expect(bytes).toEqual(viaString(doc));
    expect(bytes?.map((l) => l.split(' ')[0])).toEqual(['skip', 'record']);
  });
});

describe('record split: eventName values looked up on their bytes', () => {
  it('wants exactly the records whose name, decoded as latin1, is relevant or escaped', () => {
    // Names that share a length, a first and a last byte; latin1 characters (the UTF-8 bytes of
    // "Créate" decode to "CrÃ©ate"); characters above U+00FF (never matched); an empty name.
    const relevant = ['CreateUser', 'CrÃ©ate', 'Ünïcode', 'Œuvre', '', 'X'];
    const names = [
      'CreateUser',
      'CreateUsxr',
      'CreateUsers',
      'Créate',
      'CrÃ©ate',
      'Ünïcode',
      'Œuvre',
      '',
      'X',
      'Y',
      'Create\\u0055ser',
      'a\\\\b',
      'GetRole',
    ];
    const rel = pairsTest(new Set(relevant.map((n) => `iam.amazonaws.com|${n}`)), []);
    const records = names.map((n, k) => `{"eventSource":"iam.amazonaws.com","eventName":"${n}","k":${k}}`);
    const bytes = Buffer.from(`{"Records":[${records.join(',')}]}`, 'utf8');
    const step = packRecordBytes(bytes, rel, false);
    const picked = Array.from(step!(1000).packed.meta).filter((_, j) => j % 3 === 0);
    // The former lookup: the value's bytes decoded as latin1, then the set, or a backslash in it.
    const want = names.flatMap((n, k) => {
      const latin1 = Buffer.from(n, 'utf8').toString('latin1');
      return rel.names.has(latin1) || latin1.includes('\\') ? [k] : [];
    });
    expect(picked).toEqual(want);
    expect(want).toEqual([0, 3, 7, 8, 10, 11]);
  });
});

describe('inflatedSizeHint', () => {
  it('takes the trailer size for an honest object', () => {
    const body = Buffer.from(JSON.stringify({ Records: Array.from({ length: 2000 }, (_, i) => ({ i })) }));
    const gz = gzipSync(body);
    expect(inflatedSizeHint(gz, 1 << 30)).toBe(Math.max(16 * 1024, body.length + 1));
  });

  it('bounds a false claim by the compressed size and the output limit', () => {
    const gz = gzipSync(Buffer.from('{"Records":[]}'));
    gz.writeUInt32LE(0xffffffff, gz.length - 4);
    expect(inflatedSizeHint(gz, 1 << 30)).toBe(16 * 1024);
    const big = Buffer.alloc(1 << 20);
    big.writeUInt32LE(0xffffffff, big.length - 4);
    expect(inflatedSizeHint(big, 8 << 20)).toBe((8 << 20) + 1);
    expect(inflatedSizeHint(Buffer.alloc(4), 1 << 30)).toBe(16 * 1024);
  });
});
