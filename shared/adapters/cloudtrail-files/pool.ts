/**
 * Worker threads that read files in parallel. Each worker reads one file at a time and sends
 * its chunks in order; a few chunks may be in flight per file (credit-based), so memory stays
 * bounded while the main thread consumes files strictly in input order.
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

interface Slot {
  worker: Worker;
  job: Job | null;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private broken: Error | null = null;

  constructor(url: URL, size: number, cfg: WorkerConfig) {
    for (let k = 0; k < size; k++) {
      const slot: Slot = { worker: new Worker(url, { workerData: cfg }), job: null };
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
    const job = slot.job;
    if (job === null || job.id !== msg.id) return;
    if (msg.type === 'chunk') job.push(msg.chunk);
    else if (msg.type === 'done') {
      slot.job = null;
      job.finish();
    } else {
      slot.job = null;
      job.fail(new CloudTrailReadError(`ingest worker failed on ${job.path}: ${msg.message}`));
    }
  }

  private onBroken(slot: Slot, err: Error): void {
    if (this.closing) return;
    this.broken ??= err;
    slot.job?.fail(err);
    slot.job = null;
  }

  private closing = false;

  /** True when a file can be started now. */
  hasIdle(): boolean {
    if (this.broken !== null) throw this.broken;
    return this.slots.some((s) => s.job === null);
  }

  /** Starts reading `path` on an idle worker (call only when `hasIdle()`). */
  start(path: string): Job {
    const slot = this.slots.find((s) => s.job === null);
    if (slot === undefined) throw new CloudTrailReadError('no idle ingest worker');
    const id = this.nextId++;
    const post = (msg: ToWorker) => slot.worker.postMessage(msg);
    const job = new Job(id, path, () => post({ type: 'credit', id }));
    slot.job = job;
    post({ type: 'job', id, path });
    return job;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
