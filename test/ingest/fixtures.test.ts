import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInputFiles } from '../../shared/adapters/cloudtrail-files/read.js';
import { collect, FIXTURES } from './helpers.js';

describe('public CloudTrail samples', () => {
  it('parses every sample file into exactly one record with an eventName', async () => {
    const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.json')).sort();
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const name of names) {
      const path = join(FIXTURES, name);
      const got = await collect([path]);
      expect(got.problems, name).toEqual([]);
      expect(got.records, name).toHaveLength(1);
      const record = got.records[0]!;
      expect(record.raw).toEqual(JSON.parse(await readFile(path, 'utf8')));
      expect(typeof record.raw.eventName, name).toBe('string');
      expect(name.startsWith(`${record.raw.eventName as string}__`), name).toBe(true);
      expect(record).toMatchObject({ path, line: 1 });
    }
  });

  it('reads the sample directory in name order and leaves the README alone', async () => {
    const got = await collect([FIXTURES]);
    const files = await listInputFiles([FIXTURES]);
    expect(got.problems).toEqual([]);
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
    expect(got.records.map((r) => r.path)).toEqual(files);
    expect(got.stats).toMatchObject({ files: files.length, records: files.length, problems: 0 });
  });
});
