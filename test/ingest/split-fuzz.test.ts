/**
 * Damaged S3 log objects through the byte split: never a throw or a hang, and never a record the
 * reference reading (JSON.parse of the whole object, then the filter) would not give.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, gzip, tempDir } from './helpers.js';

const RELEVANT = new Set(['iam.amazonaws.com|CreateUser', 'sts.amazonaws.com|AssumeRole']);
/** Key sets of the objects nested in each record below. */
const NESTED_SHAPES = ['arn,type', 'list,note', 'a', 'b'];
const record = (i: number, eventName: string) => ({
  eventVersion: '1.09',
  userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::111122223333:assumed-role/r/s${i}` },
  eventSource: eventName === 'AssumeRole' ? 'sts.amazonaws.com' : 'iam.amazonaws.com',
  eventName,
  requestParameters: { note: 'a "quoted" \\ [value] {x}', list: [{ a: 1 }, { b: [2, 3] }] },
  eventID: `e-${i}`,
});

describe('byte split on damaged objects', () => {
  it('keeps only records the whole parse would keep, and never throws (property)', async () => {
    const names = ['CreateUser', 'AssumeRole', 'GetRole', 'ListUsers'];
    const doc = JSON.stringify({
      Records: Array.from({ length: 12 }, (_, i) => record(i, names[i % 4] as string)),
    });
    const bytes = Buffer.from(doc);
    const { dir, cleanup } = await tempDir();
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(fc.nat(bytes.length - 1), fc.constantFrom(34, 92, 123, 125, 91, 93, 44, 58, 120)),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
          async (edits) => {
            const damaged = Buffer.from(bytes);
            for (const [at, b] of edits) damaged[at] = b;
            const file = join(dir, `d${run++}.json.gz`);
            await writeFile(file, gzip(damaged.toString('latin1')));
            const got = await collect([file], { relevantPairs: RELEVANT });
            let parsed: unknown;
            let valid = true;
            try {
              parsed = JSON.parse(damaged.toString('latin1'));
            } catch {
              valid = false;
            }
            const reference = (parsed as { Records?: unknown } | undefined)?.Records;
            if (valid && Array.isArray(reference)) {
              const expected = (reference as Array<Record<string, unknown>>).filter((r) =>
                typeof r?.eventSource === 'string' && typeof r?.eventName === 'string'
                  ? RELEVANT.has(`${r.eventSource}|${r.eventName}`)
                  : typeof r === 'object' && r !== null && !Array.isArray(r),
              );
              expect(got.records.map((r) => r.raw)).toEqual(expected);
            } else if (!valid) {
              // Not JSON any more: what is kept passes the filter and is never one of the objects
              // nested in a record (the damage may cut a record short, which is still a record).
              for (const r of got.records.map((x) => x.raw)) {
                expect(NESTED_SHAPES).not.toContain(Object.keys(r).sort().join(','));
                if (typeof r.eventSource === 'string' && typeof r.eventName === 'string')
                  expect(RELEVANT.has(`${r.eventSource}|${r.eventName}`)).toBe(true);
              }
            }
          },
        ),
        // A fixed seed in CI; SPLIT_FUZZ_RUNS=N explores N random cases.
        process.env.SPLIT_FUZZ_RUNS
          ? { numRuns: Number(process.env.SPLIT_FUZZ_RUNS) }
          : { numRuns: 300, seed: 20261130 },
      );
    } finally {
      await cleanup();
    }
  });
});
