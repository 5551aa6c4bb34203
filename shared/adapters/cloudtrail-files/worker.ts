/**
 * Worker-thread entry of the CloudTrail file reader (bundled to dist/ingest-worker.mjs).
 * Reads the files the main thread queues on it, one at a time in the order given, and posts their
 * chunks in order, waiting for credit so that it never runs far ahead of the consumer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './source.js';
import { CHUNK_CREDITS, type FromWorker, pairsTest, type ToWorker, type WorkerConfig } from './types.js';

const cfg = workerData as WorkerConfig;
const relevant = cfg.relevantPairs ? pairsTest(new Set(cfg.relevantPairs), cfg.needles) : undefined;
const port = parentPort!;

let current = 0;
let credits = 0;
let wake: (() => void) | null = null;

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

async function run(id: number, path: string): Promise<void> {
  current = id;
  credits = CHUNK_CREDITS;
  try {
    for await (const chunk of readSource(path, undefined, {
      relevant,
      maxDocumentChars: cfg.maxDocumentChars,
    })) {
      while (credits === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      credits--;
      post({ type: 'chunk', id, chunk });
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
    // Credits for a file already finished are stale; a queued file gets its own on start.
    if (msg.id !== current) return;
    credits++;
    const w = wake;
    wake = null;
    w?.();
  } else {
    queue.push({ id: msg.id, path: msg.path });
    if (!running) void drainQueue();
  }
});
