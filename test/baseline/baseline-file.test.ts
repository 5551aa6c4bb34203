import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaselineFileError, readBaselineFile } from '../../shared/adapters/baseline-file.js';
import { formatIssue } from '../../shared/core/baseline/parse.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iamwatch-baseline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readBaselineFile', () => {
  it('reads, hashes and parses a file', async () => {
    const path = new URL('../fixtures/baselines/valid-full.yaml', import.meta.url).pathname;
    const r = await readBaselineFile(path);
    expect(r.issues).toEqual([]);
    expect(r.baseline?.identities).toHaveLength(4);
    expect(r.sha256).toBe(createHash('sha256').update(r.text).digest('hex'));
  });

  it('reports validation issues against the given path, BOM stripped', async () => {
    const path = join(dir, 'typo.yaml');
    await writeFile(path, '\uFEFFversion: 1\nidentites: []\n');
    const r = await readBaselineFile(path);
    expect(r.baseline).toBeNull();
    expect(r.issues.map(formatIssue)).toEqual([
      `${path}:2: identites: unknown key (did you mean "identities"?)`,
    ]);
  });

  it('turns invalid UTF-8 into an issue at the line of the first bad byte', async () => {
    const path = join(dir, 'binary.yaml');
    await writeFile(path, Buffer.from([0x76, 0x3a, 0x20, 0x31, 0x0a, 0x76, 0x3a, 0xff, 0xfe, 0x0a]));
    const r = await readBaselineFile(path);
    expect(r.baseline).toBeNull();
    expect(r.issues).toEqual([
      {
        file: path,
        line: 2,
        field: '',
        message: 'is not valid UTF-8 text (byte 0xFF; Latin-1 or another encoding? save the file as UTF-8)',
        level: 'error',
      },
    ]);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('throws BaselineFileError with the code for missing files and directories', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(readBaselineFile(missing)).rejects.toMatchObject({
      name: 'BaselineFileError',
      code: 'ENOENT',
      path: missing,
      message: `${missing}: no such file`,
    });
    const err = await readBaselineFile(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaselineFileError);
    expect((err as BaselineFileError).code).toBe('EISDIR');
    expect((err as BaselineFileError).cause).toBeDefined();
  });

  it('passes parse options through (expired suppressions)', async () => {
    const path = join(dir, 'expired.yaml');
    await writeFile(
      path,
      'version: 1\nsuppressions:\n  - { rule: policy-modified, actor: "arn:aws:iam::*:role/t", reason: r, owner: o, expires: 2020-01-01 }\n',
    );
    const r = await readBaselineFile(path, { nowMs: Date.parse('2026-01-01T00:00:00Z') });
    expect(r.baseline).not.toBeNull();
    expect(r.issues.map((i) => [i.level, i.field])).toEqual([['warning', 'suppressions[0].expires']]);
  });
});
