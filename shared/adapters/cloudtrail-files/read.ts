/**
 * Streaming reader of CloudTrail log files: what CloudTrail writes to S3 and what people export.
 *
 * Accepts files, directories (walked recursively in sorted order) and `-` (stdin), each possibly
 * gzip (detected by magic bytes). Shapes: `{"Records":[…]}`, a single record, an array of
 * records, an EventBridge envelope (its `detail` is the record), and JSON lines of any of these.
 * Bad input is reported through `onProblem` and skipped; it never stops the read. Memory stays
 * flat: JSON lines stream line by line, and only a single multi-line document is held whole
 * (up to `maxDocumentBytes`).
 *
 * With a relevance test, `{"Records":[…]}` documents and JSON lines are split by a string-aware
 * scanner that reads each record's top-level `eventSource`/`eventName`; records the test rejects
 * are counted and never `JSON.parse`d.
 */
import { createReadStream } from 'node:fs';
import { CloudTrailReadError } from '../errors.js';
import { isEmptyFilter, recordPasses, type TrailFilter } from './layout.js';
import { JOBS_PER_WORKER, Job, WorkerPool } from './pool.js';
import { readSource, unpacker } from './source.js';
import { ioReason } from './text.js';
import {
  type FileChunk,
  isRecord,
  pairsTest,
  pieces,
  type ReadStats,
  type RelevanceTest,
  type SourceConfig,
  type SourceProblem,
  type SourceRecord,
} from './types.js';
import { type InputItem, walkInputs } from './walk.js';

export { CloudTrailReadError } from '../errors.js';
export type { TrailFilter } from './layout.js';
export type { WorkerPool } from './pool.js';
export type { ReadStats, RelevanceTest, SourceProblem, SourceRecord } from './types.js';

/** The path shown for records and problems read from stdin (the input `-`). */
export const STDIN_PATH = '<stdin>';
/** Records per yielded batch unless `batchSize` says otherwise. */
export const DEFAULT_BATCH_SIZE = 512;
/** Largest single document (or JSON line) read, uncompressed. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export interface ReadOptions {
  /** Read for the input `-` (default `process.stdin`). Always read in the calling thread. */
  stdin?: NodeJS.ReadableStream;
  /** Receives each skipped piece of bad input, in input order. */
  onProblem: (p: SourceProblem) => void;
  /** Counters, updated in place as the read goes. */
  stats?: ReadStats;
  /**
   * Cheap relevance test: when given, records whose top-level eventSource/eventName it rejects
   * are counted in `skippedIrrelevant` and never fully JSON.parsed (where that is safe). In-thread
   * only; `relevantPairs` is preferred when both are given.
   */
  relevant?: RelevanceTest;
  /** Relevant `${eventSource}|${eventName}` pairs; works in-thread and in worker threads. */
  relevantPairs?: ReadonlySet<string>;
  /**
   * With `relevantPairs`: substrings that make any record relevant whatever its pair (the rules that
   * read every event: `"Root"`, break-glass role names). A superset test: false positives only cost a parse.
   */
  needles?: readonly string[];
  /** Records per yielded batch (default 512). */
  batchSize?: number;
  /** 0 = read in this thread (default); N = N worker threads. */
  workers?: number;
  /** The built worker script (dist/ingest-worker.mjs); required when `workers > 0`. */
  workerUrl?: URL;
  /** Largest single document or line, uncompressed (default 256 MB); larger ones are a problem and skipped. */
  maxDocumentBytes?: number;
  /** Told when a worker thread dies; its files are then read in the calling thread, nothing lost. */
  onWorkerFailure?: (message: string) => void;
  /**
   * Workers spawned ahead (`spawnWorkers`), so that they load while the caller gets ready: used when it
   * has `workers` threads and no read used it yet (the read then owns it and closes it).
   */
  spawned?: WorkerPool;
  /**
   * Account, region and time filters: directories and files under the CloudTrail key layout that
   * cannot match are not read, and records outside them are dropped (counted in `stats.filtered`).
   */
  filter?: TrailFilter;
}

/** One object to read: its name as shown in records and problems, and its bytes (whole or streamed). */
export interface ObjectInput {
  path: string;
  /** The bytes, whole or as a stream; a function is called when the object's turn comes. */
  body: Buffer | AsyncIterable<Buffer> | (() => Promise<Buffer | AsyncIterable<Buffer>>);
}

/**
 * Spawns `workers` ingest worker threads now, to hand to `readCloudTrail` as `spawned` once the read's
 * settings are known: their start-up overlaps the caller's. Close it if it is never read with.
 */
export function spawnWorkers(workerUrl: URL, workers: number): WorkerPool {
  return new WorkerPool(workerUrl, workers);
}

/** Fresh zeroed counters. */
export function emptyStats(): ReadStats {
  return { files: 0, bytes: 0, records: 0, skippedIrrelevant: 0, problems: 0 };
}

/**
 * Reads CloudTrail records from `inputs` and yields them in batches, in a deterministic order
 * (inputs in order, directory entries sorted, records in file order) that does not depend on
 * `workers`. Problems go to `opts.onProblem` in the same order, interleaved with the batches.
 * @throws CloudTrailReadError for invalid options or a reader failure reported by a worker (never for
 *   bad input; a worker that dies, or a chunk that cannot cross threads, is read in this thread).
 */
export async function* readCloudTrail(inputs: string[], opts: ReadOptions): AsyncGenerator<SourceRecord[]> {
  const workers = opts.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new CloudTrailReadError(`workers must be a non-negative integer, got ${workers}`);
  }
  if (workers > 0 && opts.workerUrl === undefined) {
    throw new CloudTrailReadError('workerUrl is required when workers > 0');
  }
  if (workers > 0 && opts.relevant !== undefined && opts.relevantPairs === undefined) {
    throw new CloudTrailReadError(
      'a relevant() function cannot cross threads: pass relevantPairs with workers > 0',
    );
  }
  const stats = opts.stats ?? emptyStats();
  const maxDocumentChars = opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const cfg: SourceConfig = {
    relevant: opts.relevantPairs !== undefined ? pairsTest(opts.relevantPairs, opts.needles) : opts.relevant,
    maxDocumentChars,
  };
  const batches = batcher(stats, opts);
  // Each way of reading is its own generator: the loop that runs hot (once per file) is compiled, on
  // stack replacement, with the code of that way only, not the whole of this body.
  if (workers === 0) yield* readHere(inputs, opts, cfg, stats, batches);
  else yield* readInWorkers(inputs, opts, cfg, stats, batches, workers, maxDocumentChars);
  yield* batches.rest();
}

/** A named pipe or device, read as a stream in this thread (never a blocking open). */
async function* readStream(
  path: string,
  cfg: SourceConfig,
  stats: ReadStats,
  { apply }: Batcher,
): AsyncGenerator<SourceRecord[]> {
  stats.files++;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of readSource(path, stream, cfg)) yield* apply(chunk);
  } finally {
    stream.destroy();
  }
}

async function* readStdin(
  opts: ReadOptions,
  cfg: SourceConfig,
  stats: ReadStats,
  { apply }: Batcher,
): AsyncGenerator<SourceRecord[]> {
  stats.files++;
  const stdin = (opts.stdin ?? process.stdin) as AsyncIterable<Buffer>;
  for await (const chunk of readSource(STDIN_PATH, stdin, cfg)) yield* apply(chunk);
}

/** {@link readCloudTrail} with `workers: 0`: every input read in this thread. */
async function* readHere(
  inputs: string[],
  opts: ReadOptions,
  cfg: SourceConfig,
  stats: ReadStats,
  batches: Batcher,
): AsyncGenerator<SourceRecord[]> {
  const { report, apply } = batches;
  for await (const item of walkInputs(inputs, opts.filter)) {
    if (item.kind === 'problem') report({ path: item.path, line: null, reason: item.reason });
    else if (item.kind === 'stdin') yield* readStdin(opts, cfg, stats, batches);
    else if (item.kind === 'stream') yield* readStream(item.path, cfg, stats, batches);
    else {
      stats.files++;
      for await (const chunk of readSource(item.path, undefined, cfg)) yield* apply(chunk);
    }
  }
}

/** {@link readCloudTrail} with `workers` > 0: files read by worker threads, streams and stdin here. */
async function* readInWorkers(
  inputs: string[],
  opts: ReadOptions,
  cfg: SourceConfig,
  stats: ReadStats,
  batches: Batcher,
  workers: number,
  maxDocumentChars: number,
): AsyncGenerator<SourceRecord[]> {
  const { report, apply } = batches;
  // Pieces as a worker cuts them, read here: for a piece that could not cross threads, and for the
  // files of a worker that died. Packed like the worker's, so that they unpack the same way.
  const packed: SourceConfig = { ...cfg, pack: true };
  const reread = async function* (path: string): AsyncGenerator<FileChunk> {
    for await (const chunk of readSource(path, undefined, packed)) yield* pieces(chunk);
  };
  const spawned = opts.spawned;
  const pool =
    spawned !== undefined && spawned.size === workers && !spawned.isConfigured()
      ? spawned
      : new WorkerPool(opts.workerUrl as URL, workers);
  pool.configure(
    {
      relevantPairs: opts.relevantPairs !== undefined ? [...opts.relevantPairs] : null,
      needles: opts.needles ? [...opts.needles] : null,
      maxDocumentChars,
    },
    reread,
    opts.onWorkerFailure,
  );
  try {
    const items = walkInputs(inputs, opts.filter)[Symbol.asyncIterator]();
    const queue: Array<Exclude<InputItem, { kind: 'file' }> | Job> = [];
    const lookahead = workers * JOBS_PER_WORKER;
    let exhausted = false;
    // Starts files on idle workers, ahead of consumption; the queue keeps input order.
    const fill = async (): Promise<void> => {
      while (!exhausted && queue.length < lookahead && pool.hasIdle()) {
        const r = await items.next();
        if (r.done) exhausted = true;
        else queue.push(r.value.kind === 'file' ? pool.start(r.value.path) : r.value);
      }
    };
    await fill();
    for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
      if (head instanceof Job) {
        stats.files++;
        // A worker's pieces of an S3 log object hold its records as text: parsed here, in order.
        const unpack = unpacker(head.path, cfg);
        for await (const chunk of head.drain()) {
          yield* apply(unpack(chunk));
          await fill();
        }
      } else if (head.kind === 'problem') {
        report({ path: head.path, line: null, reason: head.reason });
      } else if (head.kind === 'stream') {
        yield* readStream(head.path, cfg, stats, batches);
      } else {
        yield* readStdin(opts, cfg, stats, batches);
      }
      await fill();
    }
  } finally {
    await pool.close();
  }
}

/** What {@link batcher} returns: `apply` per chunk, `report` per problem, `rest` at the end. */
type Batcher = ReturnType<typeof batcher>;

/** Chunks → batches of records, with counters, problems and the record filter applied. */
function batcher(stats: ReadStats, opts: ReadOptions) {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE));
  const filter = isEmptyFilter(opts.filter) ? undefined : opts.filter;
  let batch: SourceRecord[] = [];
  const report = (p: SourceProblem): void => {
    stats.problems += p.count ?? 1;
    opts.onProblem(p);
  };
  function* apply(chunk: FileChunk): Generator<SourceRecord[]> {
    stats.bytes += chunk.bytes;
    stats.skippedIrrelevant += chunk.skipped;
    for (const ev of chunk.events) {
      if (!isRecord(ev)) {
        report(ev);
        continue;
      }
      if (filter && !recordPasses(ev.raw, filter)) {
        stats.filtered = (stats.filtered ?? 0) + 1;
        continue;
      }
      batch.push(ev);
      stats.records++;
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
  }
  function* rest(): Generator<SourceRecord[]> {
    if (batch.length > 0) yield batch;
    batch = [];
  }
  return { report, apply, rest };
}

/**
 * Reads objects that are not local files (S3 objects) through the same reader as files, in the order
 * given: the same shapes, pre-filter, record filter, problems and counters as {@link readCloudTrail}.
 * @param objects the objects in order; a problem item is reported as is (a listing or GET failure).
 */
export async function* readCloudTrailObjects(
  objects: AsyncIterable<ObjectInput | SourceProblem>,
  opts: ReadOptions,
): AsyncGenerator<SourceRecord[]> {
  const stats = opts.stats ?? emptyStats();
  const cfg: SourceConfig = {
    relevant: opts.relevantPairs !== undefined ? pairsTest(opts.relevantPairs, opts.needles) : opts.relevant,
    maxDocumentChars: opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
  };
  const { report, apply, rest } = batcher(stats, opts);
  for await (const obj of objects) {
    if (!('body' in obj)) {
      report(obj);
      continue;
    }
    stats.files++;
    let body: Buffer | AsyncIterable<Buffer>;
    try {
      body = typeof obj.body === 'function' ? await obj.body() : obj.body;
    } catch (err) {
      report({ path: obj.path, line: null, reason: ioReason(err) });
      continue;
    }
    for await (const chunk of readSource(obj.path, body, cfg)) yield* apply(chunk);
  }
  yield* rest();
}

/**
 * The files `inputs` expand to, in the order `readCloudTrail` reads them (`-` stays `-`).
 * Directories are walked recursively with entries sorted by name; dotfiles, dot-directories and
 * CloudTrail-Digest folders are skipped, and only `.json`, `.jsonl`, `.ndjson` and `.gz` files
 * are taken from directories (a file named explicitly is always taken).
 * @param onProblem receives unreadable inputs; without it they throw.
 * @throws CloudTrailReadError for an unreadable input when no `onProblem` is given.
 */
export async function listInputFiles(
  inputs: string[],
  onProblem?: (p: SourceProblem) => void,
  filter?: TrailFilter,
): Promise<string[]> {
  const files: string[] = [];
  for await (const item of walkInputs(inputs, filter)) {
    if (item.kind === 'file' || item.kind === 'stream') files.push(item.path);
    else if (item.kind === 'stdin') files.push('-');
    else if (onProblem) onProblem({ path: item.path, line: null, reason: item.reason });
    else throw new CloudTrailReadError(`${item.path}: ${item.reason}`);
  }
  return files;
}
