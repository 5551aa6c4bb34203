/**
 * Worker-thread entry of the CloudTrail file reader (bundled to dist/ingest-worker.mjs).
 * Reads the files the main thread queues on it, one at a time in the order given, and posts their
 * chunks in order, waiting for credit so that it never runs far ahead of the consumer.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './source.js';
import {
  CHUNK_CREDITS,
  type FromWorker,
  pairsTest,
  pieces,
  type ToWorker,
  type WorkerConfig,
} from './types.js';

const cfg = workerData as WorkerConfig;
const relevant = cfg.relevantPairs ? pairsTest(new Set(cfg.relevantPairs), cfg.needles) : undefined;
const port = parentPort!;

// Credits are the worker's, not a file's: every chunk it sends costs one, every chunk the main
// thread consumes gives one back. A worker that is CHUNK_CREDITS ahead waits, whatever file it is on.
let credits = CHUNK_CREDITS;
let wake: (() => void) | null = null;

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

/**
 * A worker's big buffers (a file's bytes, its gunzipped bytes: 8 MB for an object of 5,000 records) live
 * for the whole file, so they are promoted out of the young generation and freed only by a full GC, which
 * V8 starts when the isolate's external memory grew by 64 MB or more: each worker then held up to ~64 MB
 * of dead buffers (60 objects x 5,000 records, 2 workers: 320 MB peak RSS against 230 MB in-thread).
 * A full GC of a worker's small heap is cheap, so the worker asks for one itself once its external
 * memory passes EXTERNAL_GC_BYTES (about every 4 such objects; every few hundred small ones).
 */
const EXTERNAL_GC_BYTES = 32 * 1024 * 1024;

/** V8's gc(), which workers cannot get from --expose-gc (not a valid worker execArgv); null if refused. */
function exposedGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

const gc = exposedGc();

async function run(id: number, path: string): Promise<void> {
  await read(id, path);
  if (gc !== null && getHeapStatistics().external_memory > EXTERNAL_GC_BYTES) gc();
}

async function read(id: number, path: string): Promise<void> {
  try {
    for await (const chunk of readSource(path, undefined, {
      relevant,
      maxDocumentChars: cfg.maxDocumentChars,
    })) {
      for (const piece of pieces(chunk)) {
        while (credits === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        credits--;
        try {
          post({ type: 'chunk', id, chunk: piece });
        } catch {
          // Too deep to clone (stack overflow): the main thread reads this piece itself.
          post({ type: 'lost', id });
        }
      }
    }
    post({ type: 'done', id });
  } catch (err) {
    post({ type: 'failed', id, message: err instanceof Error ? err.message : String(err) });
  }
}

const queue: Array<{ id: number; path: string }> = [];
let running = false;

async function drainQueue(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(job.id, job.path);
  running = false;
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'credit') {
    credits++;
    const w = wake;
    wake = null;
    w?.();
  } else {
    queue.push({ id: msg.id, path: msg.path });
    if (!running) void drainQueue();
  }
});
