/**
 * Worker-thread entry of the CloudTrail file reader (bundled to dist/ingest-worker.mjs).
 * Reads the files the main thread assigns, one at a time, and posts their chunks in order,
 * waiting for credit so that it never runs far ahead of the consumer.
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

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'credit') {
    if (msg.id !== current) return;
    credits++;
    const w = wake;
    wake = null;
    w?.();
  } else {
    void run(msg.id, msg.path);
  }
});
