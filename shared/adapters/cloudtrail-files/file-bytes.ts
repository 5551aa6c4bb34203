/**
 * The bytes of one source: a small regular file read whole (and gunzipped in one go), or any input
 * streamed and gunzipped when it starts with the gzip magic bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { constants, createGunzip, type Gunzip, gunzipSync } from 'node:zlib';
import { AdapterError } from '../errors.js';
import { releaseArena, takeArena } from './scan/wasm.js';

/** Files up to this size on disk are read and decompressed in one go (faster than streaming). */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;

/** A failure of the underlying byte stream (not of gzip). */
export class ByteStreamError extends AdapterError {
  constructor(cause: unknown) {
    super('cloudtrail-files', 'read failed', { retryable: false, cause, prefix: false });
    this.name = 'ByteStreamError';
  }
}

/** The bytes of `source`, gunzipped when they start with the gzip magic bytes. */
export async function* decompressed(
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
export function readSmallFile(path: string): Buffer | undefined {
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

/**
 * The (gunzipped) bytes of a whole file; undefined when it must be streamed instead.
 * @param inPlace inflate into this thread's scan arena when it is free (see `takeArena`): the record
 *   split then scans the bytes where they are instead of copying them into the scan's memory. The
 *   caller must hand the bytes back with {@link releaseBytes} once done with them.
 */
export function wholeBytes(buf: Buffer, maxBytes: number, inPlace = false): Buffer | undefined {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const size = inflatedSizeHint(buf, maxBytes);
    const into = inPlace ? takeArena(size) : null;
    const quick = inflateWhole(buf, size, into);
    if (quick !== undefined && quick.length <= maxBytes) return quick;
    if (into !== null) releaseArena(into);
    if (quick !== undefined) return undefined;
    try {
      return gunzipSync(buf, { maxOutputLength: maxBytes, chunkSize: size });
    } catch {
      return undefined;
    }
  }
  return buf.length <= maxBytes ? buf : undefined;
}

/** Hands back bytes that {@link wholeBytes} gave with `inPlace` (a no-op for any other buffer). */
export function releaseBytes(bytes: Buffer | undefined): void {
  if (bytes !== undefined) releaseArena(bytes);
}

/** The raw zlib handle of a Gunzip stream (Node internals, present since Node 12; checked before use). */
interface InflateHandle {
  reset(): void;
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
}

/** This thread's inflate handle, reused from object to object; null until first used or after a failure. */
let inflater: { stream: Gunzip; handle: InflateHandle; state: Uint32Array } | null = null;

/**
 * `gz` inflated in one call on this thread's reused zlib handle, into `into` (or a new buffer) of `size`
 * bytes; undefined when that did not give the whole of it cleanly (a zlib error, output that needs more
 * room, the handle unavailable): the caller then inflates it the ordinary way, which gives the same bytes
 * or the same error.
 * gunzipSync builds a zlib stream (a handle, its 32 KB window, a Transform) per call: ~5% of inflating a
 * 33 KB CloudTrail object. Like gunzipSync, the handle reads every gzip member of a multi-member file.
 */
function inflateWhole(gz: Buffer, size: number, into: Buffer | null): Buffer | undefined {
  let z = inflater;
  if (z === null) {
    const stream = createGunzip();
    const { _handle: handle, _writeState: state } = stream as unknown as {
      _handle?: Partial<InflateHandle> | null;
      _writeState?: unknown;
    };
    if (typeof handle?.writeSync !== 'function' || typeof handle.reset !== 'function') return undefined;
    if (!(state instanceof Uint32Array) || state.length < 2) return undefined;
    // A failure destroys the stream, which then emits it as an event: nobody else listens.
    stream.on('error', () => {});
    z = { stream, handle: handle as InflateHandle, state };
    inflater = z;
  } else {
    z.handle.reset();
  }
  const out = into ?? Buffer.allocUnsafe(size);
  try {
    z.handle.writeSync(constants.Z_FINISH, gz, 0, gz.length, out, 0, size);
  } catch {
    inflater = null;
    return undefined;
  }
  // A zlib error is reported by destroying the stream (and closing its handle) during the call.
  if (z.stream.destroyed) {
    inflater = null;
    return undefined;
  }
  const [availOut = 0, availIn = 0] = z.state;
  // Output that filled the buffer may go on: the ordinary way takes it in chunks.
  if (availOut === 0 || availIn !== 0) return undefined;
  return out.subarray(0, size - availOut);
}

/** The zlib error code (`Z_BUF_ERROR`, …) of a gunzip failure; undefined for any other error. */
export function zlibCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_') ? code : undefined;
}
