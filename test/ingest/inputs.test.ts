import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudTrailReadError,
  listInputFiles,
  STDIN_PATH,
} from '../../shared/adapters/cloudtrail-files/read.js';
import { collect, eventIds, gzip, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const line = (id: string) =>
  JSON.stringify({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventID: id });

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // A CloudTrail S3 layout, written out of order, with things that must be skipped.
  const day = (d: string) => join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', d);
  await mkdir(day('02'), { recursive: true });
  await mkdir(day('01'), { recursive: true });
  await mkdir(join(dir, 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'us-east-1'), { recursive: true });
  await mkdir(join(dir, '.git'), { recursive: true });
  await writeFile(
    join(day('02'), 'b.json.gz'),
    gzip(JSON.stringify({ Records: [JSON.parse(line('02-b'))] })),
  );
  await writeFile(
    join(day('02'), 'a.json.gz'),
    gzip(JSON.stringify({ Records: [JSON.parse(line('02-a'))] })),
  );
  await writeFile(join(day('01'), 'Z.json'), line('01-Z'));
  await writeFile(join(day('01'), 'a.jsonl'), `${line('01-a1')}\n${line('01-a2')}\n`);
  await writeFile(join(day('01'), '.hidden.json'), line('hidden'));
  await writeFile(join(day('01'), 'notes.md'), '# not data');
  await writeFile(
    join(dir, 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'us-east-1', 'd.json.gz'),
    gzip('{"awsAccountId":"111122223333","logFiles":[]}'),
  );
  await writeFile(join(dir, '.git', 'x.json'), line('git'));
  await writeFile(join(dir, 'top.ndjson'), line('top'));
  // A symlink loop must not hang the walk.
  await symlink(dir, join(dir, 'AWSLogs', 'loop'));
});
afterAll(() => cleanup());

describe('inputs', () => {
  it('walks directories recursively in sorted order, skipping dotfiles, digests and non-data files', async () => {
    const files = await listInputFiles([dir]);
    const rel = files.map((f) => f.slice(dir.length + 1));
    expect(rel).toEqual([
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/Z.json',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/a.jsonl',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/a.json.gz',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/b.json.gz',
      'top.ndjson',
    ]);
    const got = await collect([dir]);
    expect(eventIds(got)).toEqual(['01-Z', '01-a1', '01-a2', '02-a', '02-b', 'top']);
    expect(got.problems).toEqual([]);
    expect(got.stats.files).toBe(5);
  });

  it('gives the same paths for a root written with a trailing slash or dot segments, problems in place', async () => {
    const expected = await listInputFiles([dir]);
    expect(await listInputFiles([`${dir}/`])).toEqual(expected);
    expect(await listInputFiles([`${dir}/AWSLogs/../.`])).toEqual(expected);
    // A dangling link deep in the tree is a problem at its place in the order; the walk goes on.
    const deep = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '01');
    const dangling = join(deep, 'b-dangling.json');
    await symlink(join(dir, 'nowhere'), dangling);
    try {
      const seen: string[] = [];
      const files = await listInputFiles([dir], (p) => seen.push(`problem ${p.path.slice(dir.length + 1)}`));
      expect(files).toEqual(expected);
      const order: string[] = [];
      for await (const r of (await import('../../shared/adapters/cloudtrail-files/walk.js')).walkInputs([
        dir,
      ]))
        order.push(
          r.kind === 'file'
            ? r.path.slice(dir.length + 1)
            : `${r.kind} ${'path' in r ? r.path.slice(dir.length + 1) : ''}`,
        );
      expect(order).toEqual([
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/Z.json',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/a.jsonl',
        'problem AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/b-dangling.json',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/a.json.gz',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/b.json.gz',
        'top.ndjson',
      ]);
      expect(seen).toEqual(['problem AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/b-dangling.json']);
    } finally {
      await rm(dangling);
    }
  });

  it('reads an explicitly named file whatever its name, and inputs in the given order', async () => {
    const odd = join(dir, 'export.txt');
    await writeFile(odd, line('odd'));
    const got = await collect([join(dir, 'top.ndjson'), odd]);
    expect(eventIds(got)).toEqual(['top', 'odd']);
  });

  it('reads stdin for "-" at its place among the inputs, gzip included', async () => {
    const stdin = Readable.from([gzip(`${line('in-1')}\n${line('in-2')}`)]);
    const got = await collect([join(dir, 'top.ndjson'), '-'], { stdin });
    expect(eventIds(got)).toEqual(['top', 'in-1', 'in-2']);
    expect(got.records.slice(1).map((r) => [r.path, r.line])).toEqual([
      [STDIN_PATH, 1],
      [STDIN_PATH, 2],
    ]);
    expect(await listInputFiles(['-', join(dir, 'top.ndjson')])).toEqual(['-', join(dir, 'top.ndjson')]);
  });

  it('reports stdin problems with the stdin path', async () => {
    const got = await collect(['-'], { stdin: Readable.from([Buffer.from('{"a":\n')]) });
    expect(got.rendered).toEqual([`${STDIN_PATH}:1: invalid JSON (Unexpected end of JSON input)`]);
  });

  it('listInputFiles throws for an unreadable input unless given onProblem', async () => {
    const missing = join(dir, 'nope');
    await expect(listInputFiles([missing])).rejects.toThrow(CloudTrailReadError);
    const problems: string[] = [];
    expect(await listInputFiles([missing, join(dir, 'top.ndjson')], (p) => problems.push(p.reason))).toEqual([
      join(dir, 'top.ndjson'),
    ]);
    expect(problems).toEqual(['no such file or directory']);
  });

  it('rejects options that cannot work', async () => {
    const read = (opts: object) => collect([dir], opts);
    await expect(read({ workers: 2 })).rejects.toThrow(/workerUrl is required/);
    await expect(
      read({ workers: 2, workerUrl: new URL('file:///x.mjs'), relevant: () => true }),
    ).rejects.toThrow(/relevantPairs/);
    await expect(read({ workers: -1 })).rejects.toThrow(CloudTrailReadError);
  });
});
