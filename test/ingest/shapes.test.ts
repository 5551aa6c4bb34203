import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, envelope, eventIds, gzip, recordLike, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let base: Record<string, unknown>;
let other: Record<string, unknown>;
const rec = (id: string) => recordLike(base, id);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const samples = await sampleRecords();
  base = samples.get('AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json')!;
  other = samples.get('CreateAccessKey__stratus-red-team.json')!;
});
afterAll(() => cleanup());

/** Writes `text` plain and gzipped (under a name that does not say so) and reads both. */
async function readBoth(name: string, text: string) {
  const plain = join(dir, `${name}.json`);
  const gz = join(dir, `${name}-gz.json`);
  await writeFile(plain, text);
  await writeFile(gz, gzip(text));
  const a = await collect([plain]);
  const b = await collect([gz]);
  expect(b.records.map((r) => [r.raw, r.line])).toEqual(a.records.map((r) => [r.raw, r.line]));
  expect(b.problems.map((p) => [p.line, p.reason])).toEqual(a.problems.map((p) => [p.line, p.reason]));
  expect(b.stats.bytes).toBeLessThan(a.stats.bytes);
  return a;
}

describe('input shapes, plain and gzipped (gzip detected by magic bytes)', () => {
  it('reads an S3 log object {"Records":[...]} on one line', async () => {
    const got = await readBoth('s3-object', JSON.stringify({ Records: [rec('a'), rec('b'), rec('c')] }));
    expect(eventIds(got)).toEqual(['a', 'b', 'c']);
    expect(got.records.map((r) => r.line)).toEqual([1, 1, 1]);
    expect(got.records[0]!.raw).toEqual(rec('a'));
    expect(got.problems).toEqual([]);
  });

  it('gives each record of a pretty-printed document the line of its opening brace', async () => {
    const text = JSON.stringify(
      {
        Records: [
          { eventID: 'a', eventName: 'X' },
          { eventID: 'b', eventName: 'Y' },
        ],
      },
      null,
      2,
    );
    const got = await readBoth('pretty', text);
    expect(eventIds(got)).toEqual(['a', 'b']);
    const lines = text.split('\n');
    for (const r of got.records) {
      expect(lines[r.line - 1]!.trim()).toBe('{');
      expect(lines[r.line]!).toContain(`"eventID": "${r.raw.eventID as string}"`);
    }
  });

  it('reads a single record and an array of records', async () => {
    expect(eventIds(await readBoth('single', JSON.stringify(rec('s'), null, 2)))).toEqual(['s']);
    const arr = await readBoth('array', JSON.stringify([rec('x'), other]));
    expect(arr.records.map((r) => r.raw)).toEqual([rec('x'), other]);
  });

  it('unwraps an EventBridge envelope to its detail', async () => {
    const got = await readBoth('envelope', JSON.stringify(envelope(rec('e')), null, 2));
    expect(got.records.map((r) => r.raw)).toEqual([rec('e')]);
    expect(got.records[0]!.line).toBe(10);
  });

  it('reads JSON lines mixing every shape, with line numbers of the lines', async () => {
    const lines = [
      JSON.stringify(rec('l1')),
      '',
      JSON.stringify({ Records: [rec('l3a'), rec('l3b')] }),
      JSON.stringify(envelope(rec('l4'))),
      JSON.stringify([rec('l5a'), envelope(rec('l5b'))]),
      '   ',
      `${JSON.stringify(rec('l7'))}\r`,
    ];
    const got = await readBoth('mixed', `${lines.join('\n')}\n`);
    expect(got.problems).toEqual([]);
    expect(got.records.map((r) => [r.raw.eventID, r.line])).toEqual([
      ['l1', 1],
      ['l3a', 3],
      ['l3b', 3],
      ['l4', 4],
      ['l5a', 5],
      ['l5b', 5],
      ['l7', 7],
    ]);
  });

  it('reads concatenated pretty-printed records (jq output)', async () => {
    const text = `${JSON.stringify(rec('j1'), null, 2)}\n${JSON.stringify(rec('j2'), null, 2)}\n`;
    const got = await readBoth('jq', text);
    expect(eventIds(got)).toEqual(['j1', 'j2']);
    expect(got.records[1]!.line).toBe(JSON.stringify(rec('j1'), null, 2).split('\n').length + 1);
  });

  it('streams concatenated pretty-printed records one value at a time', async () => {
    const ids = Array.from({ length: 50 }, (_, k) => `p${k}`);
    const text = ids.map((id) => JSON.stringify(rec(id), null, 2)).join('\n');
    const path = join(dir, 'jq-many.json');
    await writeFile(path, text);
    // Each value is far below the limit, the whole file far above it.
    const got = await collect([path], { maxDocumentBytes: 4000 });
    expect(text.length).toBeGreaterThan(40_000);
    expect(got.problems).toEqual([]);
    expect(eventIds(got)).toEqual(ids);
  });

  it('reads a gzip made of several members, a BOM and a file without a final newline', async () => {
    const path = join(dir, 'multi-member.json.gz');
    await writeFile(
      path,
      Buffer.concat([gzip(`${JSON.stringify(rec('m1'))}\n`), gzip(JSON.stringify(rec('m2')))]),
    );
    expect(eventIds(await collect([path]))).toEqual(['m1', 'm2']);
    const bom = join(dir, 'bom.json');
    await writeFile(bom, `\uFEFF${JSON.stringify({ Records: [rec('b1')] })}`);
    expect(eventIds(await collect([bom]))).toEqual(['b1']);
  });

  it('keeps strings with escapes, unicode and nested braces intact', async () => {
    const tricky = {
      ...rec('t'),
      userAgent: 'a "quoted" {agent} [x] \\ \u00e9\u{1F600} \\"',
      requestParameters: { policyDocument: '{"Statement":[{"Effect":"Allow","Action":"*"}]}' },
    };
    const got = await readBoth('tricky', JSON.stringify({ Records: [tricky, rec('after')] }));
    expect(got.records.map((r) => r.raw)).toEqual([tricky, rec('after')]);
  });

  it('batches records by batchSize across files', async () => {
    const a = join(dir, 'batch-a.json');
    const b = join(dir, 'batch-b.json');
    await writeFile(a, JSON.stringify({ Records: [rec('1'), rec('2'), rec('3')] }));
    await writeFile(b, JSON.stringify({ Records: [rec('4'), rec('5')] }));
    const got = await collect([a, b], { batchSize: 2 });
    expect(got.batchSizes).toEqual([2, 2, 1]);
    expect(eventIds(got)).toEqual(['1', '2', '3', '4', '5']);
    expect(got.stats).toMatchObject({ files: 2, records: 5, problems: 0, skippedIrrelevant: 0 });
  });
});
