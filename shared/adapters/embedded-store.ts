/**
 * The embedded DynamoDB-compatible store: dynalite in-process, persisted on disk under a directory
 * (default ./.iamwatch), guarded by a lock file so two iamwatch processes never share it.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AdapterError } from '../ports.js';

const ADAPTER = 'embedded-store';

/** The directory is held by another live iamwatch process. */
export class StoreLockedError extends AdapterError {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(ADAPTER, `${dir} is in use by another iamwatch process (pid ${pid})`, { retryable: true });
    this.name = 'StoreLockedError';
    this.pid = pid;
  }
}

export interface EmbeddedStore {
  /** http://127.0.0.1:PORT of the in-process server. */
  endpoint: string;
  dir: string;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dir/lock` (containing our pid) exclusively. A lock left by a dead process is replaced;
 * one held by a live process gives StoreLockedError. `displayDir` names the directory in the message.
 */
export async function acquireLock(dir: string, displayDir = dir): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockPath = join(dir, 'lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AdapterError(ADAPTER, `cannot create lock file ${lockPath}: ${(err as Error).message}`, {
          retryable: false,
          cause: err,
        });
      }
    }
    const text = await readFile(lockPath, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new StoreLockedError(displayDir, pid);
    }
    if (pid === process.pid) throw new StoreLockedError(displayDir, pid);
    // Stale (dead pid, or a half-written file): remove and retry.
    await rm(lockPath, { force: true });
  }
  throw new AdapterError(ADAPTER, `could not take the lock on ${displayDir}`, { retryable: true });
}

interface DynaliteServer {
  listen(port: number, host: string, cb: (err?: Error) => void): void;
  address(): AddressInfo | string | null;
  close(cb: (err?: Error) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
}

/**
 * Starts dynalite on 127.0.0.1 (ephemeral port) with LevelDB data under `dir/data`, after taking
 * the directory's lock. Without `dir`, data stays in memory (tests) and no lock is taken.
 */
export async function startEmbeddedStore(
  opts: { dir?: string; displayDir?: string } = {},
): Promise<EmbeddedStore> {
  const release = opts.dir ? await acquireLock(opts.dir, opts.displayDir ?? opts.dir) : async () => {};
  try {
    const require = createRequire(import.meta.url);
    const dynalite = require('dynalite') as (o: Record<string, unknown>) => DynaliteServer;
    const server = dynalite({
      ...(opts.dir ? { path: join(opts.dir, 'data') } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve()));
    });
    const addr = server.address() as AddressInfo;
    let closed = false;
    return {
      endpoint: `http://127.0.0.1:${addr.port}`,
      dir: opts.dir ?? ':memory:',
      async close() {
        if (closed) return;
        closed = true;
        try {
          await new Promise<void>((resolve, reject) =>
            server.close((err) => (err ? reject(err) : resolve())),
          );
        } finally {
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw new AdapterError(ADAPTER, `cannot start the embedded store: ${(err as Error).message}`, {
      retryable: false,
      cause: err,
    });
  }
}
