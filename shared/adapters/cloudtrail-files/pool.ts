/**
 * Worker threads that read files in parallel. Each worker holds a short queue of files
 * (JOBS_PER_WORKER) and reads them one at a time, so that it never waits for the main thread to hand
 * it the next one; it sends a file's chunks in order, at most CHUNK_CREDITS unconsumed chunks of at
 * most CHUNK_EVENTS events per worker, so memory stays bounded while the main thread consumes files
 * strictly in input order.
 *
 * Nothing is lost between threads. A chunk that cannot cross (a record nested thousands of levels
 * deep overflows the structured clone on either side) is re-read in the main thread: readSource is
 * deterministic, so piece K of the re-read is piece K the worker had. A worker that dies leaves its
 * files to the main thread from the first piece it did not deliver. Either way the output is exactly
 * the in-thread output. The pieces of an S3 log object hold its wanted records as text (`packed`), which
 * the reader parses as it consumes them; a re-read packs them the same way, so that piece K re-read
 * unpacks exactly as the worker's piece K would have.
 */
import { Worker } from 'node:worker_threads';
import { CloudTrailReadError } from '../errors.js';
import type { FileChunk, FromWorker, ToWorker, WorkerConfig } from './types.js';

/** Reads a file's pieces in the calling thread, as a worker would have sent them. */
export type Reread = (path: string) => AsyncIterator<FileChunk>;

/** A piece that did not reach the main thread: its position in the file's sequence of pieces. */
interface Lost {
  lost: number;
}

function isLost(e: FileChunk | Lost): e is Lost {
  return 'lost' in e;
}

/** One file being read by a worker. */
export class Job {
  private readonly entries: Array<FileChunk | Lost> = [];
  /** Pieces (delivered or lost) the worker has sent so far. */
  private received = 0;
  private finished = false;
  /** Set when the worker died: the main thread reads the pieces from this one on. */
  private orphanedAt: number | null = null;
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly id: number,
    readonly path: string,
    private readonly credit: () => void,
    private readonly reread: Reread,
  ) {}

  /** A piece; `last` when the file has no more. */
  push(chunk: FileChunk, last = false): void {
    this.entries.push(chunk);
    this.received++;
    if (last) this.finished = true;
    this.notify();
  }

  /** The worker sent a piece that could not be received (or could not send it); `last` as for push. */
  lost(last = false): void {
    this.entries.push({ lost: this.received });
    this.received++;
    if (last) this.finished = true;
    this.notify();
  }

  finish(): void {
    this.finished = true;
    this.notify();
  }

  /** The worker is gone: what it did not send is read in the main thread. */
  orphan(): void {
    if (!this.finished && this.orphanedAt === null) this.orphanedAt = this.received;
    this.notify();
  }

  fail(error: Error): void {
    this.error ??= error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The file's chunks, in order; throws when its worker reported a failure of the reader itself. */
  async *drain(): AsyncGenerator<FileChunk> {
    const re: { reader: AsyncIterator<FileChunk> | null } = { reader: null };
    let at = 0;
    /** Piece `k` of the re-read (pieces are asked for in increasing order). */
    const pieceAt = async (k: number): Promise<FileChunk | null> => {
      re.reader ??= this.reread(this.path);
      for (;;) {
        const r = await re.reader.next();
        if (r.done) return null;
        if (at++ === k) return r.value;
      }
    };
    const missing = (k: number): FileChunk => ({
      events: [
        { path: this.path, line: null, reason: `part ${k + 1} of the file changed while it was read` },
      ],
      bytes: 0,
      skipped: 0,
    });
    try {
      for (;;) {
        const e = this.entries.shift();
        if (e !== undefined) {
          this.credit();
          yield isLost(e) ? ((await pieceAt(e.lost)) ?? missing(e.lost)) : e;
          continue;
        }
        if (this.error !== null) throw this.error;
        if (this.finished) return;
        if (this.orphanedAt !== null) {
          for (let k = this.orphanedAt; ; k++) {
            const piece = await pieceAt(k);
            if (piece === null) return;
            yield piece;
          }
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      await re.reader?.return?.(undefined);
    }
  }
}

/** Files queued on one worker, so that it never idles while the main thread waits on an earlier file. */
export const JOBS_PER_WORKER = 64;

/**
 * V8 limits of a worker's heap. Its young generation holds one object's records while they are split and
 * posted, then garbage: a small one is collected often and cheaply, where V8's default semi-spaces let
 * each worker's RSS grow by ~10 MB for nothing (1M generated records, 2 workers: 297 -> 277 MB peak).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

interface Slot {
  worker: Worker;
  jobs: Job[];
  dead: boolean;
  /** Pieces of this worker consumed so far (shared with it: its credit). */
  consumed: Int32Array;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  private configured = false;
  private reread: Reread = () => {
    throw new CloudTrailReadError('ingest worker pool used before configure()');
  };
  private onWorkerFailure: (message: string) => void = () => {};
  /** Workers that died before `configure()`: told to its `onWorkerFailure`. */
  private readonly unreported: string[] = [];

  /**
   * Spawns `size` workers, which load and compile their script while the caller gets ready; they read
   * nothing until `configure()`. With `cfg` and `reread`, configures at once.
   * @param reread reads a file's pieces in this thread (for lost pieces and dead workers).
   * @param onWorkerFailure told once per worker that dies (its files go on in this thread).
   */
  constructor(
    url: URL,
    readonly size: number,
    cfg?: WorkerConfig,
    reread?: Reread,
    onWorkerFailure?: (message: string) => void,
  ) {
    for (let k = 0; k < size; k++) {
      const worker = new Worker(url, { resourceLimits: WORKER_LIMITS });
      const consumed = new Int32Array(new SharedArrayBuffer(4));
      const slot: Slot = { worker, jobs: [], dead: false, consumed };
      slot.worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
      // Messages of one worker arrive in order, and it sends its files' pieces one file after the
      // other: a piece that cannot be received belongs to the oldest file still open on that worker.
      // Whether it was the file's last piece is not known here: the worker says which file it finished
      // last, after every piece it sent before.
      slot.worker.on('messageerror', () => {
        slot.jobs[0]?.lost();
        const sync: ToWorker = { type: 'sync' };
        slot.worker.postMessage(sync);
      });
      slot.worker.on('error', (err) => this.onBroken(slot, `ingest worker failed: ${err.message}`));
      slot.worker.on('exit', (code) => this.onBroken(slot, `ingest worker exited (code ${code})`));
      this.slots.push(slot);
    }
    if (cfg !== undefined && reread !== undefined) this.configure(cfg, reread, onWorkerFailure);
  }

  /** True once `configure()` was called. */
  isConfigured(): boolean {
    return this.configured;
  }

  /** Hands the workers their settings (once); files can be started from now on. */
  configure(cfg: WorkerConfig, reread: Reread, onWorkerFailure?: (message: string) => void): void {
    if (this.configured) throw new CloudTrailReadError('ingest worker pool configured twice');
    this.configured = true;
    this.reread = reread;
    if (onWorkerFailure !== undefined) this.onWorkerFailure = onWorkerFailure;
    for (const message of this.unreported.splice(0)) this.onWorkerFailure(message);
    for (const slot of this.slots) {
      const msg: ToWorker = { type: 'config', cfg, consumed: slot.consumed.buffer as SharedArrayBuffer };
      slot.worker.postMessage(msg);
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === 'synced') {
      // Files up to msg.id are finished; all their pieces arrived before this answer.
      while (slot.jobs[0] !== undefined && slot.jobs[0].id <= msg.id) slot.jobs.shift()?.finish();
      return;
    }
    const at = slot.jobs.findIndex((j) => j.id === msg.id);
    const job = slot.jobs[at];
    if (job === undefined) return;
    if (msg.type === 'chunk' || msg.type === 'lost') {
      if (msg.last) slot.jobs.splice(at, 1);
      if (msg.type === 'chunk') job.push(msg.chunk, msg.last);
      else job.lost(msg.last);
    } else if (msg.type === 'done') {
      slot.jobs.splice(at, 1);
      job.finish();
    } else {
      slot.jobs.splice(at, 1);
      job.fail(new CloudTrailReadError(`ingest worker failed on ${job.path}: ${msg.message}`));
    }
  }

  private onBroken(slot: Slot, message: string): void {
    if (this.closing || slot.dead) return;
    slot.dead = true;
    if (this.configured) this.onWorkerFailure(message);
    else this.unreported.push(message);
    for (const job of slot.jobs) job.orphan();
    slot.jobs = [];
    void slot.worker.terminate();
  }

  /** True when a file can be queued now (some worker has room in its queue, or none is left). */
  hasIdle(): boolean {
    const live = this.slots.filter((s) => !s.dead);
    return live.length === 0 || live.some((s) => s.jobs.length < JOBS_PER_WORKER);
  }

  /** Queues `path` on the least busy worker (call only when `hasIdle()`); with none left, this thread reads it. */
  start(path: string): Job {
    if (!this.configured) throw new CloudTrailReadError('ingest worker pool used before configure()');
    let slot: Slot | undefined;
    for (const s of this.slots) {
      if (!s.dead && (slot === undefined || s.jobs.length < slot.jobs.length)) slot = s;
    }
    const id = this.nextId++;
    if (slot === undefined) {
      const job = new Job(id, path, () => {}, this.reread);
      job.orphan();
      return job;
    }
    if (slot.jobs.length >= JOBS_PER_WORKER) throw new CloudTrailReadError('no idle ingest worker');
    const consumed = slot.consumed;
    const credit = () => {
      Atomics.add(consumed, 0, 1);
      Atomics.notify(consumed, 0);
    };
    const job = new Job(id, path, credit, this.reread);
    slot.jobs.push(job);
    const msg: ToWorker = { type: 'job', id, path };
    slot.worker.postMessage(msg);
    return job;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
