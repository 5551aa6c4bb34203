/**
 * The embedded store: on-disk persistence, the lock file, stale lock recovery.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../shared/adapters/dynamodb/open-store.js';
import { StoreLockedError } from '../../shared/adapters/embedded-store.js';
import { baselineOf, identity, syncOpts } from './helpers.js';

describe('embedded store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iamwatch-embedded-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists on disk across opens and creates the table once', async () => {
    const a = await openStore({ dir: join(dir, '.iamwatch') });
    await a.store.sync(baselineOf([identity(1)]), syncOpts());
    expect(await readFile(join(dir, '.iamwatch', 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    await a.close();
    const b = await openStore({ dir: join(dir, '.iamwatch') });
    try {
      expect((await b.store.getIdentity(identity(1).arn))?.owner).toBe('team-1');
      expect(b.describe).toContain('embedded store');
    } finally {
      await b.close();
    }
  });

  it('refuses a directory held by a live process and names its pid', async () => {
    const a = await openStore({ dir: join(dir, 'store') });
    try {
      const err = await openStore({ dir: join(dir, 'store') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as Error).message).toBe(
        `embedded-store: ${join(dir, 'store')} is in use by another iamwatch process (pid ${process.pid})`,
      );
    } finally {
      await a.close();
    }
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, 'store', 'lock'), `${child.pid}\n`);
      const err = await openStore({ dir: join(dir, 'store') }).catch((e: unknown) => e);
      expect((err as Error).message).toContain(`is in use by another iamwatch process (pid ${child.pid})`);
    } finally {
      child.kill();
    }
  });

  it('recovers a stale lock left by a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    await openStore({ dir: join(dir, 'store') }).then((h) => h.close());
    await writeFile(join(dir, 'store', 'lock'), `${pid}\n`);
    const h = await openStore({ dir: join(dir, 'store') });
    try {
      expect(await readFile(join(dir, 'store', 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    } finally {
      await h.close();
    }
    await expect(readFile(join(dir, 'store', 'lock'), 'utf8')).rejects.toThrow();
  });
});
