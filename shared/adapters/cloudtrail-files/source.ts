/**
 * Reads one file (or stdin): detects gzip by its magic bytes, decodes UTF-8, splits JSON lines
 * or collects a single multi-line document, and turns the text into records and problems.
 * Used the same way in-thread and in worker threads, so both give identical output.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gunzipSync } from 'node:zlib';
import { AdapterError } from '../errors.js';
import { splitRecordBytes } from './record-split.js';
import { bracketDepth, isBlank, isSingleObject, processText, type TextSink } from './scanner.js';
import { clip, ioReason } from './text.js';
import type { FileChunk, RelevanceTest, SourceConfig, SourceProblem, SourceRecord } from './types.js';

/**
 * Records of an S3 log object handed on at a time (each batch is one chunk; a worker cuts chunks
 * further to CHUNK_EVENTS). Larger than CHUNK_EVENTS on purpose: in-thread, a file of a few hundred
 * records then costs one round through the async generators, not two (~10% of replay on 1M records).
 */
const SPLIT_BATCH = 1000;

/** Most problems reported for one file; the rest are summarised in one line. */
const MAX_PROBLEMS_PER_FILE = 100;
/** First lines that open a pretty-printed document: `{`, `[`, `{"Records": [`, `[{`. */
const OPENING = /^\s*[[{]\s*(?:"Records"\s*:\s*\[\s*)?[[{]?\s*$/;

/** Files up to this size on disk are read and decompressed in one go (faster than streaming). */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;
/** …unless they decompress to more than this; then they are streamed. */
const WHOLE_TEXT_BYTES = 64 * 1024 * 1024;

/** A failure of the underlying byte stream (not of gzip). */
class ByteStreamError extends AdapterError {
  constructor(cause: unknown) {
    super('cloudtrail-files', 'read failed', { retryable: false, cause, prefix: false });
    this.name = 'ByteStreamError';
  }
}

/** Turns decoded text into events; the line/document state machine. */
class TextProcessor implements TextSink {
  events: Array<SourceRecord | SourceProblem> = [];
  skipped = 0;
  /** Records found (yielded or skipped). */
  decoded = 0;
  sawContent = false;
  private lineNo = 1;
  private carry: string[] = [];
  private carryLen = 0;
  private overlong = false;
  private started = false;
  private mode: 'undecided' | 'lines' | 'doc' = 'undecided';
  /** Bracket depth of the pending document lines; 0 means they hold complete values. */
  private depth = 0;
  /** Dropping the rest of a document that was over the size limit. */
  private skipping = false;
  private pending: string[] = [];
  private pendingStart = 0;
  private pendingLen = 0;
  private shown = 0;
  private hidden = 0;
  private truncated = false;

  constructor(
    readonly path: string,
    readonly relevant: RelevanceTest | undefined,
    private readonly maxChars: number,
  ) {}

  /**
   * Set when the bytes are not valid UTF-8: records are then searched for the replacement character
   * the decoder put in, and one that holds it is reported instead of evaluated with mangled text.
   */
  badUtf8 = false;

  record(raw: Record<string, unknown>, line: number): void {
    this.decoded++;
    if (this.badUtf8) {
      const where = replacedAt(raw);
      if (where !== null) {
        const id = typeof raw.eventID === 'string' ? ` (eventID ${clip(raw.eventID, 40)})` : '';
        this.problem(line, `invalid UTF-8 in ${clip(where, 60)}${id}; not evaluated`);
        return;
      }
    }
    this.events.push({ raw, path: this.path, line });
  }

  skip(): void {
    this.decoded++;
    this.skipped++;
  }

  problem(line: number | null, reason: string): void {
    if (this.shown >= MAX_PROBLEMS_PER_FILE) {
      this.hidden++;
      return;
    }
    this.shown++;
    this.events.push({ path: this.path, line, reason });
  }

  push(text: string): void {
    let from = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) from = 1;
    }
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) {
        this.append(from === 0 ? text : text.slice(from));
        return;
      }
      const piece = text.slice(from, nl);
      if (this.overlong) {
        this.overlong = false;
      } else if (this.carryLen + piece.length > this.maxChars) {
        this.tooLong();
        this.overlong = false;
      } else {
        const line = this.carry.length > 0 ? this.carry.join('') + piece : piece;
        this.carry = [];
        this.carryLen = 0;
        this.line(line, this.lineNo);
      }
      this.lineNo++;
      from = nl + 1;
    }
  }

  private append(piece: string): void {
    if (this.overlong || piece.length === 0) return;
    if (this.carryLen + piece.length > this.maxChars) {
      this.tooLong();
      return;
    }
    this.carry.push(piece);
    this.carryLen += piece.length;
  }

  private tooLong(): void {
    this.problem(this.lineNo, `line longer than ${mb(this.maxChars)}; skipped`);
    this.sawContent = true;
    this.carry = [];
    this.carryLen = 0;
    this.overlong = true;
  }

  private line(line: string, n: number): void {
    if (!this.sawContent && !isBlank(line)) this.sawContent = true;
    switch (this.mode) {
      case 'lines':
        processText(line, n, this, { truncated: this.truncated, oneLine: true });
        return;
      case 'doc':
        this.docLine(line, n);
        return;
      case 'undecided':
        this.undecided(line, n);
        return;
    }
  }

  /**
   * A line of pretty-printed JSON. Lines are collected until their brackets balance, so that
   * concatenated documents (jq output) stream one value at a time; a single document is whole.
   */
  private docLine(line: string, n: number): void {
    if (this.pending.length === 0 && !this.skipping) {
      if (isBlank(line)) return;
      this.pendingStart = n;
      this.pendingLen = 0;
    }
    this.depth += bracketDepth(line);
    if (this.skipping) {
      if (this.depth <= 0) {
        this.skipping = false;
        this.depth = 0;
      }
      return;
    }
    this.pending.push(line);
    this.pendingLen += line.length + 1;
    if (this.depth <= 0) {
      this.flushDoc(false);
    } else if (this.pendingLen > this.maxChars) {
      this.problem(this.pendingStart, `document larger than ${mb(this.maxChars)}; skipped`);
      this.pending = [];
      this.skipping = true;
    }
  }

  private flushDoc(truncated: boolean): void {
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('\n');
    this.pending = [];
    this.depth = 0;
    processText(text, this.pendingStart, this, { truncated });
  }

  /**
   * Tells JSON lines from a pretty-printed document: a first line that is complete on its own
   * means JSON lines, one that opens a document (`{`, `[`, `{"Records": [`) a document. Any other
   * incomplete first line is decided by the next one: a complete object there means JSON lines
   * (the first was a broken line), anything else a document.
   */
  private undecided(line: string, n: number): void {
    if (this.pending.length === 0) {
      if (isBlank(line)) return;
      const opts = { deferIfIncomplete: !this.truncated, truncated: this.truncated, oneLine: true };
      if (processText(line, n, this, opts) === 'done') {
        this.mode = 'lines';
        return;
      }
      if (OPENING.test(line)) {
        this.mode = 'doc';
        this.docLine(line, n);
        return;
      }
      this.pending = [line];
      this.pendingStart = n;
      this.pendingLen = line.length + 1;
      return;
    }
    if (isBlank(line)) {
      this.pending.push(line);
      this.pendingLen += line.length + 1;
      return;
    }
    const held = this.pending;
    const start = this.pendingStart;
    this.pending = [];
    if (isSingleObject(line)) {
      this.mode = 'lines';
      processText(held[0] as string, start, this, { oneLine: true });
      processText(line, n, this, { oneLine: true });
      return;
    }
    this.mode = 'doc';
    for (let k = 0; k < held.length; k++) this.docLine(held[k] as string, start + k);
    this.docLine(line, n);
  }

  /** End of input; `truncated` when the input was cut (what is complete is kept quietly). */
  end(truncated: boolean): void {
    this.truncated = truncated;
    if (!this.overlong && this.carry.length > 0) {
      const last = this.carry.join('');
      this.carry = [];
      this.line(last, this.lineNo);
    }
    if (this.pending.length > 0 && this.mode === 'doc') this.flushDoc(truncated);
    else if (this.pending.length > 0) {
      const text = this.pending.join('\n');
      this.pending = [];
      processText(text, this.pendingStart, this, { truncated });
    }
  }

  /** Reports the problems that were over the per-file limit. */
  finish(): void {
    if (this.hidden > 0) {
      this.events.push({
        path: this.path,
        line: null,
        reason: `${this.hidden} more problems not shown`,
        count: this.hidden,
      });
      this.hidden = 0;
    }
  }

  take(bytes: number): FileChunk {
    const chunk: FileChunk = { events: this.events, bytes, skipped: this.skipped };
    this.events = [];
    this.skipped = 0;
    return chunk;
  }
}

/**
 * Dotted path of the first key or string value holding U+FFFD (what the decoder put in for invalid
 * UTF-8), or null. Iterative: records may be nested thousands of levels deep.
 */
function replacedAt(raw: Record<string, unknown>): string | null {
  const stack: Array<[unknown, string]> = [[raw, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, at] = top;
    if (typeof v === 'string') {
      if (v.includes('\uFFFD')) return at || '(record)';
    } else if (Array.isArray(v)) {
      for (let k = v.length - 1; k >= 0; k--) stack.push([v[k], `${at}[${k}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] as string;
        const sub = at.length > 200 ? at : at ? `${at}.${key}` : key;
        if (key.includes('\uFFFD')) return sub;
        stack.push([(v as Record<string, unknown>)[key], sub]);
      }
    }
  }
  return null;
}

function mb(chars: number): string {
  return chars >= 1 << 20 ? `${Math.round(chars / (1 << 20))} MB` : `${chars} characters`;
}

/** The bytes of `source`, gunzipped when they start with the gzip magic bytes. */
async function* decompressed(
  source: AsyncIterable<Buffer>,
  onBytes: (n: number) => void,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      const r = await it.next();
      if (!r.done) onBytes(r.value.length);
      return r;
    } catch (err) {
      throw new ByteStreamError(err);
    }
  };
  const head: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 2) {
    const r = await next();
    if (r.done) {
      ended = true;
      break;
    }
    const buf = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    head.push(buf);
    headLen += buf.length;
  }
  const first = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (!gzip) {
    if (first.length > 0) yield first;
    while (!ended) {
      const r = await next();
      if (r.done) break;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
    return;
  }
  async function* compressed(): AsyncGenerator<Buffer> {
    yield first;
    while (!ended) {
      const r = await next();
      if (r.done) return;
      yield r.value;
    }
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(compressed(), { objectMode: false });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const buf of gunzip) yield buf as Buffer;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * The bytes of `path` when it is a regular file of at most WHOLE_FILE_BYTES; undefined for larger
 * files and other kinds (streamed instead). Synchronous on purpose: log objects are small, the OS
 * serves them from its cache, and three syscalls cost less than a promise round trip through the
 * thread pool per file (replay reads thousands; a worker thread has nothing else to do meanwhile).
 */
function readSmallFile(path: string): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > WHOLE_FILE_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, null);
      if (n === 0) break;
      got += n;
    }
    return got === st.size ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Output chunk size for inflating `gz` whole: the size its gzip trailer states (ISIZE, plus one byte so
 * that zlib sees the end within the chunk), so that the output is one buffer instead of 16 KB pieces
 * copied together (~20% of gunzip's CPU on CloudTrail objects). The trailer is only a hint: a wrong or
 * hostile one costs extra chunks, never a wrong result, and the chunk is capped at 64 times the
 * compressed size (and `maxBytes`) so that a false claim cannot make it allocate much.
 */
export function inflatedSizeHint(gz: Buffer, maxBytes: number): number {
  const claimed = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) + 1 : 0;
  return Math.max(16 * 1024, Math.min(claimed, gz.length * 64, maxBytes + 1, 64 * 1024 * 1024));
}

/** The (gunzipped) bytes of a whole file; undefined when it must be streamed instead. */
function wholeBytes(buf: Buffer, maxBytes: number): Buffer | undefined {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf, { maxOutputLength: maxBytes, chunkSize: inflatedSizeHint(buf, maxBytes) });
    } catch {
      return undefined;
    }
  }
  return buf.length <= maxBytes ? buf : undefined;
}

function zlibCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_') ? code : undefined;
}

/**
 * Reads one source and yields its records and problems in order, in chunks.
 * @param path shown in records and problems; opened unless `input` is given.
 * @param input the bytes (stdin, an S3 object's body; a Buffer is read whole like a small file),
 *   instead of opening `path`.
 */
export async function* readSource(
  path: string,
  given: AsyncIterable<Buffer> | Buffer | undefined,
  cfg: SourceConfig,
): AsyncGenerator<FileChunk> {
  const proc = new TextProcessor(path, cfg.relevant, cfg.maxDocumentChars);
  let whole: Buffer | undefined;
  let input: AsyncIterable<Buffer> | undefined;
  if (Buffer.isBuffer(given)) whole = given;
  else if (given !== undefined) input = given;
  else {
    try {
      whole = readSmallFile(path);
    } catch (err) {
      yield { events: [{ path, line: null, reason: ioReason(err) }], bytes: 0, skipped: 0 };
      return;
    }
  }
  if (whole !== undefined) {
    const content = wholeBytes(whole, Math.min(WHOLE_TEXT_BYTES, cfg.maxDocumentChars));
    // One native pass per file (simdutf): the common valid case costs nothing per record.
    if (content !== undefined && !isUtf8(content)) proc.badUtf8 = true;
    const step = content === undefined ? null : splitRecordBytes(content, proc);
    if (step !== null) {
      // A one-line S3 log object, split and filtered on its bytes, emitted a batch at a time.
      for (;;) {
        const done = step(SPLIT_BATCH);
        if (done) proc.finish();
        yield proc.take(done ? whole.length : 0);
        if (done) return;
      }
    }
    const text = content?.toString('utf8');
    if (text !== undefined) {
      proc.push(text);
      proc.end(false);
      if (!proc.sawContent) proc.events.push({ path, line: null, reason: 'empty file' });
      proc.finish();
      yield proc.take(whole.length);
      return;
    }
    // Truncated or corrupt gzip, or large: the stream keeps what can be decoded.
    const bytes = whole;
    input = (async function* () {
      yield bytes;
    })();
  }
  let bytes = 0;
  let reported = 0;
  const source = input ?? createReadStream(path, { highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  const take = (): FileChunk => {
    const chunk = proc.take(bytes - reported);
    reported = bytes;
    return chunk;
  };
  let gzipFailure: string | undefined;
  let readFailure: unknown;
  try {
    for await (const buf of decompressed(source, (n) => (bytes += n))) {
      const text = decoder.write(buf);
      if (!proc.badUtf8 && text.includes('\uFFFD') && !isUtf8(buf)) proc.badUtf8 = true;
      proc.push(text);
      if (proc.events.length > 0) yield take();
    }
  } catch (err) {
    if (err instanceof ByteStreamError) readFailure = err.cause;
    else if (zlibCode(err) !== undefined) gzipFailure = zlibCode(err);
    else throw err;
  } finally {
    if (input === undefined) (source as ReturnType<typeof createReadStream>).destroy();
  }
  if (readFailure !== undefined) {
    if (bytes === 0) {
      proc.events.push({ path, line: null, reason: ioReason(readFailure) });
    } else {
      proc.end(true);
      proc.events.push({
        path,
        line: null,
        reason: `read failed after ${proc.decoded} records: ${ioReason(readFailure)}`,
      });
    }
  } else if (gzipFailure !== undefined) {
    proc.push(decoder.end());
    proc.end(true);
    const what = gzipFailure === 'Z_BUF_ERROR' ? 'truncated gzip' : `corrupt gzip (${clip(gzipFailure, 20)})`;
    proc.events.push({ path, line: null, reason: `${what} after ${proc.decoded} records` });
  } else {
    proc.push(decoder.end());
    proc.end(false);
    if (!proc.sawContent) proc.events.push({ path, line: null, reason: 'empty file' });
  }
  proc.finish();
  yield take();
}
