import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, eventIds, gzip, recordLike, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let base: Record<string, unknown>;
const rec = (id: string) => recordLike(base, id);
const line = (id: string) => JSON.stringify(rec(id));
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  base = (await sampleRecords()).get('AttachUserPolicy__stratus-red-team.json')!;
});
afterAll(() => cleanup());

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('bad input is reported as path:line: reason and the read goes on', () => {
  it('reports an invalid JSON line between good ones', async () => {
    const path = await file(
      'invalid-line.jsonl',
      [line('a'), '{"eventName": "X", oops}', line('c'), ''].join('\n'),
    );
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['a', 'c']);
    expect(got.records.map((r) => r.line)).toEqual([1, 3]);
    expect(got.rendered).toHaveLength(1);
    expect(got.rendered[0]).toMatch(
      new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')}:2: invalid JSON \\(.+\\)$`),
    );
    expect(got.stats.problems).toBe(1);
  });

  it('keeps the records before a gzip truncation', async () => {
    const ids = Array.from({ length: 300 }, (_, k) => `t${k}-${(k * 7919).toString(36)}`);
    const full = gzip(ids.map((id) => line(id)).join('\n'));
    // Cut into the deflate stream: the first records are decodable, the rest and the trailer are gone.
    const path = await file('truncated.json.gz', full.subarray(0, Math.floor(full.length / 2)));
    const got = await collect([path]);
    expect(got.records.length).toBeGreaterThan(10);
    expect(got.records.length).toBeLessThan(300);
    expect(eventIds(got)).toEqual(ids.slice(0, got.records.length));
    expect(got.records.at(-1)!.line).toBe(got.records.length);
    expect(got.rendered).toEqual([`${path}: truncated gzip after ${got.records.length} records`]);
  });

  it('salvages the complete records of a truncated single-line S3 object', async () => {
    const text = JSON.stringify({ Records: [rec('s1'), rec('s2'), rec('s3')] });
    const cut = text.slice(0, text.indexOf('"s3"'));
    const gz = gzip(cut);
    // A gzip of the cut text without its 8-byte trailer: decodes to `cut`, then ends early.
    const path = await file('truncated-s3.json.gz', gz.subarray(0, gz.length - 8));
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['s1', 's2']);
    expect(got.rendered).toEqual([`${path}: truncated gzip after 2 records`]);

    const plain = await file('truncated-s3.json', cut);
    const p = await collect([plain]);
    expect(eventIds(p)).toEqual(['s1', 's2']);
    expect(p.rendered).toEqual([`${plain}:1: truncated JSON after 2 records`]);
  });

  it('reports a corrupt gzip', async () => {
    const gz = gzip(line('c1'));
    gz.fill(0xff, 10, 30);
    const path = await file('corrupt.json.gz', gz);
    const got = await collect([path]);
    expect(got.records).toEqual([]);
    expect(got.rendered).toEqual([`${path}: corrupt gzip (Z_DATA_ERROR) after 0 records`]);
  });

  it('reports empty files (plain, whitespace, gzipped)', async () => {
    const paths = [
      await file('empty.json', ''),
      await file('blank.json', ' \n\n'),
      await file('empty.gz', gzip('')),
    ];
    const got = await collect(paths);
    expect(got.records).toEqual([]);
    expect(got.rendered).toEqual(paths.map((p) => `${p}: empty file`));
  });

  it('reports non-object records by their position', async () => {
    const path = await file(
      'non-objects.json',
      JSON.stringify({ Records: [rec('ok1'), 42, 'str', null, [rec('nested')], rec('ok2')] }),
    );
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['ok1', 'ok2']);
    expect(got.rendered).toEqual([
      `${path}:1: record 2 is not an object (number)`,
      `${path}:1: record 3 is not an object (string)`,
      `${path}:1: record 4 is not an object (null)`,
      `${path}:1: record 5 is not an object (array)`,
    ]);
    const lines = await file('scalars.jsonl', ['7', '"x"', 'null', '{"Records": 3}', line('z')].join('\n'));
    const l = await collect([lines]);
    expect(eventIds(l)).toEqual(['z']);
    expect(l.rendered).toEqual([
      `${lines}:1: not a CloudTrail record (number)`,
      `${lines}:2: not a CloudTrail record (string)`,
      `${lines}:3: not a CloudTrail record (null)`,
      `${lines}:4: Records is not an array`,
    ]);
  });

  it('reports unreadable inputs and goes on', async () => {
    const good = await file('good.json', line('g'));
    const missing = join(dir, 'missing.json');
    const sub = join(dir, 'with-broken-link');
    await mkdir(sub);
    await symlink(join(dir, 'nowhere.json'), join(sub, 'broken.json'));
    await writeFile(join(sub, 'fine.json'), line('f'));
    const got = await collect([missing, sub, good]);
    expect(eventIds(got)).toEqual(['f', 'g']);
    expect(got.rendered).toEqual([
      `${missing}: no such file or directory`,
      `${join(sub, 'broken.json')}: no such file or directory`,
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission', async () => {
    const path = await file('no-access.json', line('n'));
    const { chmod } = await import('node:fs/promises');
    await chmod(path, 0o000);
    const got = await collect([path]);
    expect(got.rendered).toEqual([`${path}: permission denied`]);
  });

  it('reads a record with a 1 MB userAgent', async () => {
    const big = { ...rec('big'), userAgent: 'u'.repeat(1 << 20) };
    const path = await file(
      'big-agent.jsonl',
      `${line('before')}\n${JSON.stringify(big)}\n${line('after')}\n`,
    );
    const got = await collect([path], { relevant: () => true });
    expect(eventIds(got)).toEqual(['before', 'big', 'after']);
    expect((got.records[1]!.raw.userAgent as string).length).toBe(1 << 20);
  });

  it('keeps reasons short and single-line for a 1 MB junk line', async () => {
    const junk = `{"eventName": "X", "userAgent": "${'\u0007\u001b[31m\n'.repeat(10)}`.replace(/\n/g, '\\n');
    const path = await file(
      'junk.jsonl',
      [line('a'), `${junk}${'j'.repeat(1 << 20)}`, `zzz${'\u0000\u2028'.repeat(1 << 18)}`, line('b')].join(
        '\n',
      ),
    );
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['a', 'b']);
    expect(got.problems.map((p) => p.line)).toEqual([2, 3]);
    for (const p of got.problems) {
      expect(p.reason.length).toBeLessThan(200);
      expect(p.reason).not.toMatch(UNSAFE);
      expect(p.reason).toMatch(/^invalid JSON \(/);
    }
  });

  it('skips a document over the size guard and reads the next file', async () => {
    const pretty = await file(
      'huge.json',
      JSON.stringify({ Records: [rec('h1'), rec('h2'), rec('h3')] }, null, 2),
    );
    const longLine = await file('long-line.jsonl', `${line('x1')}\n${line('x2').repeat(3)}\n${line('x3')}\n`);
    const next = await file('next.json', line('n'));
    const got = await collect([pretty, longLine, next], { maxDocumentBytes: 2500 });
    expect(eventIds(got)).toEqual(['x1', 'x3', 'n']);
    expect(got.rendered).toEqual([
      `${pretty}:1: document larger than 2500 characters; skipped`,
      `${longLine}:2: line longer than 2500 characters; skipped`,
    ]);
  });

  it('caps the problems reported for one file', async () => {
    const path = await file('garbage.jsonl', `${'not json\n'.repeat(250)}${line('last')}\n`);
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['last']);
    expect(got.problems).toHaveLength(101);
    expect(got.rendered.at(-1)).toBe(`${path}: 150 more problems not shown`);
    expect(got.problems.at(-1)?.count).toBe(150);
    // The summary line stands for the 150 it hides: every problem is counted.
    expect(got.stats.problems).toBe(250);
  });

  it('treats a short broken first line followed by good lines as JSON lines', async () => {
    const path = await file('short-broken-first.jsonl', ['{"eventName":', line('a'), line('b')].join('\n'));
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['a', 'b']);
    expect(got.rendered).toEqual([`${path}:1: invalid JSON (Unexpected end of JSON input)`]);
  });

  it('reports a broken value among concatenated pretty-printed ones and reads the others', async () => {
    const pretty = (id: string) => JSON.stringify(rec(id), null, 2);
    const broken = pretty('bad').replace('"eventID": "bad"', '"eventID": bad');
    const text = [pretty('p1'), broken, pretty('p3')].join('\n');
    const path = await file('jq-broken.json', text);
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['p1', 'p3']);
    expect(got.problems.map((p) => p.line)).toEqual([pretty('p1').split('\n').length + 1]);
    expect(got.problems[0]!.reason).toMatch(/^invalid JSON \(/);
  });

  it('treats a long broken first line followed by good lines as JSON lines', async () => {
    const path = await file('broken-first.jsonl', [line('x').slice(0, 300), line('a'), line('b')].join('\n'));
    const got = await collect([path]);
    expect(eventIds(got)).toEqual(['a', 'b']);
    expect(got.problems.map((p) => p.line)).toEqual([1]);
  });
});
