/**
 * Worker-thread entry of the CloudTrail file reader (bundled to dist/ingest-worker.mjs).
 * Reads the files the main thread queues on it, one at a time in the order given, and posts their
 * chunks in order, waiting for credit so that it never runs far ahead of the consumer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './source.js';
import {
  CHUNK_CREDITS,
  CHUNK_EVENTS,
  type FileChunk,
  type FromWorker,
  pairsTest,
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

/** A chunk cut into pieces of at most CHUNK_EVENTS events (counters on the first piece). */
function* pieces(chunk: FileChunk): Generator<FileChunk> {
  if (chunk.events.length <= CHUNK_EVENTS) {
    yield chunk;
    return;
  }
  for (let i = 0; i < chunk.events.length; i += CHUNK_EVENTS) {
    yield {
      events: chunk.events.slice(i, i + CHUNK_EVENTS),
      bytes: i === 0 ? chunk.bytes : 0,
      skipped: i === 0 ? chunk.skipped : 0,
    };
  }
}

async function run(id: number, path: string): Promise<void> {
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
        post({ type: 'chunk', id, chunk: piece });
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
