/**
 * Worker-thread entry of the CloudTrail file reader (bundled to dist/ingest-worker.mjs).
 * Reads the files the main thread queues on it, one at a time in the order given, and posts their
 * chunks in order, waiting for credit so that it never runs far ahead of the consumer.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { readSource } from './source.js';
import {
  Credit,
  type FileChunk,
  type FromWorker,
  type PairsRelevance,
  pairsTest,
  pieceCost,
  pieces,
  type ToWorker,
  type WorkerConfig,
} from './types.js';

const port = parentPort!;
/** Set by the main thread's first message (it may spawn the worker before it knows the rules). */
let cfg: WorkerConfig | null = null;
let relevant: PairsRelevance | undefined;
/** Pieces of this worker the main thread consumed (written by it, read here). */
let consumed: Int32Array<ArrayBufferLike> = new Int32Array(new SharedArrayBuffer(4));

// Credits are the worker's, not a file's, and counted in events: a piece costs its records and problems
// (at least one), and the main thread gives a piece's cost back when it consumes it. A worker holding
// CREDIT_EVENTS unconsumed events waits, whatever file it is on, so what waits in the main thread is
// bounded in records whether the files are large or small (a piece of a small file holds a few records:
// counting pieces would stall the workers after a handful of files).
const credit = new Credit();
/** The last file whose pieces were all sent (answer to `sync`). */
let finishedId = 0;

/** Atomics.waitAsync (Node 16+; the ES2023 lib this project targets does not declare it). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
    ): { async: false } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Waits until a piece of `cost` events fits the credit. */
async function room(cost: number): Promise<void> {
  for (;;) {
    const seen = Atomics.load(consumed, 0);
    if (credit.fits(seen, cost)) return;
    const wait = waitAsync(consumed, 0, seen);
    if (wait.async) await wait.value;
  }
}

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

/** Sends one piece of file `id`; `last` when no other follows. */
async function send(id: number, piece: FileChunk, last: boolean): Promise<void> {
  const cost = pieceCost(piece);
  await room(cost);
  credit.charge(cost);
  if (last) finishedId = id;
  try {
    post({ type: 'chunk', id, chunk: piece, last });
  } catch {
    // Too deep to clone (stack overflow): the main thread reads this piece itself.
    post({ type: 'lost', id, last });
  }
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
  await read(id, path, cfg!);
  if (gc !== null && getHeapStatistics().external_memory > EXTERNAL_GC_BYTES) gc();
}

async function read(id: number, path: string, c: WorkerConfig): Promise<void> {
  // Each piece waits for the next, so that the final one can say it is final.
  let held: FileChunk | null = null;
  try {
    for await (const chunk of readSource(path, undefined, {
      relevant,
      maxDocumentChars: c.maxDocumentChars,
      // S3 log objects go as text (one string a piece), parsed by the main thread: cheaper for both
      // threads than parsing here and cloning the objects across.
      pack: true,
    })) {
      for (const piece of pieces(chunk)) {
        if (held !== null) await send(id, held, false);
        held = piece;
      }
    }
  } catch (err) {
    if (held !== null) await send(id, held, false);
    finishedId = id;
    post({ type: 'failed', id, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  if (held !== null) await send(id, held, true);
  else {
    finishedId = id;
    post({ type: 'done', id });
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
  if (msg.type === 'job') {
    queue.push({ id: msg.id, path: msg.path });
    if (!running && cfg !== null) void drainQueue();
  } else if (msg.type === 'sync') {
    post({ type: 'synced', id: finishedId });
  } else {
    cfg = msg.cfg;
    relevant = cfg.relevantPairs ? pairsTest(new Set(cfg.relevantPairs), cfg.needles) : undefined;
    consumed = new Int32Array(msg.consumed);
    if (!running && queue.length > 0) void drainQueue();
  }
});
