/**
 * Types shared by the CloudTrail file reader, its in-thread path and its worker threads.
 * Public ones are re-exported by `./read.ts`.
 */

/** One CloudTrail record as read from a file, with where it came from. */
export interface SourceRecord {
  /** The record object exactly as parsed (for an EventBridge envelope: its `detail`). */
  raw: Record<string, unknown>;
  /** The file path as given or walked; `<stdin>` for the input `-`. */
  path: string;
  /** 1-based line where the record (or its JSON line) starts. */
  line: number;
}

/** Bad input that was skipped. Callers render it as `path:line: reason` (or `path: reason`). */
export interface SourceProblem {
  path: string;
  line: number | null;
  /** Short, single-line, never more than ~80 characters of input text. */
  reason: string;
  /**
   * Set on the one summary problem that stands for several (a file's "N more problems not shown"):
   * how many problems it counts for. Absent means one.
   */
  count?: number;
}

/** Counters of a read, updated in place. */
export interface ReadStats {
  /** Files (and stdin) opened. */
  files: number;
  /** Bytes read from disk or stdin (compressed size for gzip). */
  bytes: number;
  /** Records yielded. */
  records: number;
  /** Records dropped by the relevance pre-filter. */
  skippedIrrelevant: number;
  /** Problems found (a summary problem counts for as many as it stands for). */
  problems: number;
  /** Records dropped by the account/region/time filter (not in `records`). */
  filtered?: number;
}

/**
 * Relevance test on a record's top-level `eventSource` and `eventName`. `text`, when given, returns
 * the record's raw JSON text (for needle tests); without it a needle test must answer conservatively.
 */
export type RelevanceTest = (eventSource: string, eventName: string, text?: () => string) => boolean;

/** What one step of reading a file produced, in input order. */
export interface FileChunk {
  events: Array<SourceRecord | SourceProblem>;
  /** Bytes read since the previous chunk. */
  bytes: number;
  /** Records skipped as irrelevant since the previous chunk. */
  skipped: number;
  /**
   * Records of an S3 log object not parsed yet (only when read with `pack`; `events` is then empty):
   * the reader of the chunk unpacks them with `unpackRecords` into the events they stand for.
   */
  packed?: PackedRecords;
}

/**
 * Wanted records of an S3 log object, as text: what a worker thread sends instead of parsed objects
 * (one string crosses threads far cheaper than the objects, and the receiver parses it about as fast
 * as it would have deserialised them). Which records are wanted was decided on the bytes; whether
 * each is relevant is decided after the parse, by the receiver.
 */
export interface PackedRecords {
  /** The records' texts joined as a JSON array: `[r1,r2,…]`. */
  text: string;
  /**
   * Three numbers a record: its 0-based index in the object's `Records`, then the start and end of its
   * text within `text` (UTF-16 offsets), for the record-by-record parse when the whole does not parse.
   */
  meta: Int32Array;
  /** The line of every record (the object's one line). */
  line: number;
  /** The file's bytes were not valid UTF-8 (records holding U+FFFD are reported, not evaluated). */
  badUtf8: boolean;
  /** The file's last piece: after it, its problems over the per-file limit are summarised. */
  final: boolean;
}

/** Per-file settings that can cross a thread boundary (plus the in-thread-only predicate). */
export interface SourceConfig {
  relevant: RelevanceTest | undefined;
  /** Largest single document or line, in characters. */
  maxDocumentChars: number;
  /**
   * Send an S3 log object's wanted records as text (`FileChunk.packed`), in pieces of at most
   * CHUNK_EVENTS records, instead of parsing them: what worker threads do.
   */
  pack?: boolean;
}

/** Settings handed to a worker thread through `workerData`. */
export interface WorkerConfig {
  relevantPairs: string[] | null;
  needles: string[] | null;
  maxDocumentChars: number;
}

/**
 * Messages from the main thread to a worker. `consumed` (in the first message) is one Int32 the main
 * thread counts up as it consumes the worker's pieces: credit travels through shared memory, not as a
 * message per piece. `sync` asks the worker which file it finished last (after a piece was lost on
 * the way in, whose `last` flag the main thread never saw).
 */
export type ToWorker =
  | { type: 'config'; cfg: WorkerConfig; consumed: SharedArrayBuffer }
  | { type: 'job'; id: number; path: string }
  | { type: 'sync' };

/** Messages from a worker to the main thread. */
export type FromWorker =
  /** A piece of file `id`; `last` when the file has no more (no separate message ends a file). */
  | { type: 'chunk'; id: number; chunk: FileChunk; last: boolean }
  /** A piece that could not be posted (structured clone failed): the main thread re-reads it. */
  | { type: 'lost'; id: number; last: boolean }
  /** A file that gave no piece at all is finished. */
  | { type: 'done'; id: number }
  /** Answer to `sync`: every file up to `id` (0: none) is finished, all its pieces sent before this. */
  | { type: 'synced'; id: number }
  | { type: 'failed'; id: number; message: string };

export function isRecord(e: SourceRecord | SourceProblem): e is SourceRecord {
  return 'raw' in e;
}

/**
 * `${eventSource}|${eventName}` pairs → a relevance test. With `needles`, a record whose pair is not
 * listed is still relevant when its text contains a needle (rules that read every event, e.g. root
 * activity or a break-glass role's name); when the text is not at hand the answer is "relevant".
 */
export function pairsTest(pairs: ReadonlySet<string>, needles?: readonly string[] | null): PairsRelevance {
  // eventSource → its eventNames: no joined string built per record (the test runs on every record read).
  const bySource = new Map<string, Set<string>>();
  for (const p of pairs) {
    const bar = p.indexOf('|');
    if (bar < 0) continue; // matches no record: `source|name` always holds a bar
    const source = p.slice(0, bar);
    let set = bySource.get(source);
    if (set === undefined) {
      set = new Set();
      bySource.set(source, set);
    }
    set.add(p.slice(bar + 1));
  }
  const pairsOnly: RelevanceTest = (eventSource, eventName) =>
    bySource.get(eventSource)?.has(eventName) === true;
  const names = new Set([...pairs].map((p) => p.slice(p.indexOf('|') + 1)));
  if (!needles || needles.length === 0) return Object.assign(pairsOnly, { pairsOnly, needles: [], names });
  const test: RelevanceTest = (eventSource, eventName, text) => {
    if (bySource.get(eventSource)?.has(eventName) === true) return true;
    if (!text) return true;
    const t = text();
    for (const n of needles) if (t.includes(n)) return true;
    return false;
  };
  return Object.assign(test, { pairsOnly, needles: [...needles], names });
}

/**
 * A pairs-and-needles test exposing its parts, so a text holding no needle can skip the scan and an
 * S3 log object can be split by text search (`names`: every eventName that appears in a pair).
 */
export type PairsRelevance = RelevanceTest & {
  pairsOnly: RelevanceTest;
  needles: readonly string[];
  names: ReadonlySet<string>;
};

/**
 * Pieces a worker may have sent that the main thread has not consumed yet, over all its files, counted
 * in full pieces: a worker's unconsumed records and problems never exceed CHUNK_CREDITS x CHUNK_EVENTS
 * ({@link CREDIT_EVENTS}), which bounds what waits in the main thread whatever the files.
 */
export const CHUNK_CREDITS = 8;

/** Most records and problems in one chunk a worker sends. */
export const CHUNK_EVENTS = 250;

/**
 * Records and problems a worker may have sent that the main thread has not consumed yet. Counted in
 * events, not pieces: a small file's piece holds a few records, and a worker that could be only a few
 * pieces ahead would wait whenever the main thread spends a moment on a batch.
 */
export const CREDIT_EVENTS = CHUNK_CREDITS * CHUNK_EVENTS;

/** What a piece costs of a worker's credit: its events and packed records, at least one. */
export function pieceCost(piece: FileChunk): number {
  return Math.max(1, piece.events.length + (piece.packed !== undefined ? piece.packed.meta.length / 3 : 0));
}

/**
 * A worker's credit: the cost of every piece it sent, against the count of its pieces the main thread
 * consumed (which it consumes in the order they were sent, so the first `consumed` are the ones done).
 */
export class Credit {
  /** Pieces sent so far. */
  private sent = 0;
  /** total[i - base]: the cost of the pieces sent before piece i, for i from base to sent. */
  private total: number[] = [0];
  private base = 0;

  constructor(readonly budget: number = CREDIT_EVENTS) {}

  /** True when a piece of `cost` may go now, `consumed` pieces having been consumed (always when none waits). */
  fits(consumed: number, cost: number): boolean {
    if (consumed >= this.sent) return true;
    if (consumed > this.base + 1024) {
      this.total = this.total.slice(consumed - this.base);
      this.base = consumed;
    }
    const waiting =
      (this.total[this.sent - this.base] as number) - (this.total[consumed - this.base] as number);
    return waiting + cost <= this.budget;
  }

  /** Counts a piece of `cost` as sent. */
  charge(cost: number): void {
    this.total.push((this.total[this.sent - this.base] as number) + cost);
    this.sent++;
  }

  /** Pieces sent so far (what `consumed` counts up to). */
  get pieces(): number {
    return this.sent;
  }
}

/** A chunk cut into pieces of at most CHUNK_EVENTS events (counters on the first piece). */
export function* pieces(chunk: FileChunk): Generator<FileChunk> {
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
