/**
 * Worker threads that read files in parallel. Each worker holds a short queue of files
 * (JOBS_PER_WORKER) and reads them one at a time, so that it never waits for the main thread to hand
 * it the next one; it sends a file's chunks in order, at most CHUNK_CREDITS unconsumed chunks of at
 * most CHUNK_EVENTS events per worker, so memory stays bounded while the main thread consumes files
 * strictly in input order.
 */
import { Worker } from 'node:worker_threads';
import { CloudTrailReadError } from './errors.js';
import type { FileChunk, FromWorker, ToWorker, WorkerConfig } from './types.js';

/** One file being read by a worker. */
export class Job {
  private readonly chunks: FileChunk[] = [];
  private finished = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly id: number,
    readonly path: string,
    private readonly credit: () => void,
  ) {}

  push(chunk: FileChunk): void {
    this.chunks.push(chunk);
    this.notify();
  }

  finish(): void {
    this.finished = true;
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

  /** The file's chunks, in order; throws when its worker failed. */
  async *drain(): AsyncGenerator<FileChunk> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.credit();
        yield chunk;
        continue;
      }
      if (this.error !== null) throw this.error;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/** Files queued on one worker, so that it never idles while the main thread waits on an earlier file. */
export const JOBS_PER_WORKER = 8;

interface Slot {
  worker: Worker;
  jobs: Job[];
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private broken: Error | null = null;

  constructor(url: URL, size: number, cfg: WorkerConfig) {
    for (let k = 0; k < size; k++) {
      const slot: Slot = { worker: new Worker(url, { workerData: cfg }), jobs: [] };
      slot.worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
      slot.worker.on('error', (err) =>
        this.onBroken(slot, new CloudTrailReadError('ingest worker failed', err)),
      );
      slot.worker.on('exit', (code) =>
        this.onBroken(slot, new CloudTrailReadError(`ingest worker exited (code ${code})`)),
      );
      this.slots.push(slot);
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const at = slot.jobs.findIndex((j) => j.id === msg.id);
    const job = slot.jobs[at];
    if (job === undefined) return;
    if (msg.type === 'chunk') job.push(msg.chunk);
    else if (msg.type === 'done') {
      slot.jobs.splice(at, 1);
      job.finish();
    } else {
      slot.jobs.splice(at, 1);
      job.fail(new CloudTrailReadError(`ingest worker failed on ${job.path}: ${msg.message}`));
    }
  }

  private onBroken(slot: Slot, err: Error): void {
    if (this.closing) return;
    this.broken ??= err;
    for (const job of slot.jobs) job.fail(err);
    slot.jobs = [];
  }

  private closing = false;

  /** True when a file can be queued now (some worker has room in its queue). */
  hasIdle(): boolean {
    if (this.broken !== null) throw this.broken;
    return this.slots.some((s) => s.jobs.length < JOBS_PER_WORKER);
  }

  /** Queues `path` on the least busy worker (call only when `hasIdle()`). */
  start(path: string): Job {
    let slot: Slot | undefined;
    for (const s of this.slots) if (slot === undefined || s.jobs.length < slot.jobs.length) slot = s;
    if (slot === undefined || slot.jobs.length >= JOBS_PER_WORKER)
      throw new CloudTrailReadError('no idle ingest worker');
    const worker = slot.worker;
    const id = this.nextId++;
    const post = (msg: ToWorker) => worker.postMessage(msg);
    const job = new Job(id, path, () => post({ type: 'credit', id }));
    slot.jobs.push(job);
    post({ type: 'job', id, path });
    return job;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
