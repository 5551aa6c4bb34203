/**
 * Reads one file (or stdin): detects gzip by its magic bytes, decodes UTF-8, splits JSON lines
 * or collects a single multi-line document, and turns the text into records and problems.
 * Used the same way in-thread and in worker threads, so both give identical output.
 * The bytes come from ./file-bytes.ts, the text is read by ./text-processor.ts.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import {
  ByteStreamError,
  decompressed,
  readSmallFile,
  releaseBytes,
  wholeBytes,
  zlibCode,
} from './file-bytes.js';
import { packRecordBytes, splitRecordBytes, unpackRecords } from './record-split.js';
import { clip, ioReason } from './text.js';
import { TextProcessor } from './text-processor.js';
import { CHUNK_EVENTS, type FileChunk, type SourceConfig } from './types.js';

/**
 * Records of an S3 log object handed on at a time when read in this thread (each batch is one chunk;
 * with `pack`, a piece holds up to CHUNK_EVENTS wanted records instead). Larger than CHUNK_EVENTS on
 * purpose: a file of a few hundred records then costs one round through the async generators, not two
 * (~10% of replay on 1M records).
 */
const SPLIT_BATCH = 1000;

/** Whole files are read as one text unless they decompress to more than this; then they are streamed. */
const WHOLE_TEXT_BYTES = 64 * 1024 * 1024;

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
    const content = wholeBytes(whole, Math.min(WHOLE_TEXT_BYTES, cfg.maxDocumentChars), true);
    // In this thread's scan arena when free: handed back however the reading ends.
    try {
      // The split checks the bytes' UTF-8 once it has planned (not when its scan saw only ASCII).
      const pack = content === undefined || !cfg.pack ? null : packRecordBytes(content, cfg.relevant);
      if (pack !== null) {
        // A one-line S3 log object whose wanted records are sent as text, parsed by `unpacker`.
        for (;;) {
          const { packed, skipped } = pack(CHUNK_EVENTS);
          yield { events: [], bytes: packed.final ? whole.length : 0, skipped, packed };
          if (packed.final) return;
        }
      }
      // (Not a second plan when packing found none: it would be the same.)
      const step =
        content === undefined || cfg.pack
          ? null
          : splitRecordBytes(content, proc, (bad) => {
              proc.badUtf8 = bad;
            });
      if (step !== null) {
        // A one-line S3 log object, split and filtered on its bytes, emitted a batch at a time.
        for (;;) {
          const done = step(SPLIT_BATCH);
          if (done) proc.finish();
          yield proc.take(done ? whole.length : 0);
          if (done) return;
        }
      }
      // One native pass per file (simdutf): the common valid case costs nothing per record.
      if (content !== undefined && !isUtf8(content)) proc.badUtf8 = true;
      const text = content?.toString('utf8');
      if (text !== undefined) {
        proc.push(text);
        proc.end(false);
        if (!proc.sawContent) proc.events.push({ path, line: null, reason: 'empty file' });
        proc.finish();
        yield proc.take(whole.length);
        return;
      }
    } finally {
      releaseBytes(content);
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

/**
 * The main thread's side of `pack`: turns the chunks of one file read with `pack` (by a worker, or
 * re-read here) into the chunks the same read without `pack` gives, in order: the same records,
 * problems (with the same per-file limit and summary) and counters. Other chunks pass unchanged.
 * @param path the file as it was read (records and problems name it).
 */
export function unpacker(path: string, cfg: SourceConfig): (chunk: FileChunk) => FileChunk {
  let proc: TextProcessor | undefined;
  return (chunk) => {
    const packed = chunk.packed;
    if (packed === undefined) return chunk;
    proc ??= new TextProcessor(path, cfg.relevant, cfg.maxDocumentChars);
    proc.badUtf8 = packed.badUtf8;
    unpackRecords(packed, proc);
    if (packed.final) proc.finish();
    const out = proc.take(chunk.bytes);
    out.skipped += chunk.skipped;
    if (chunk.events.length > 0) out.events = [...chunk.events, ...out.events];
    return out;
  };
}
