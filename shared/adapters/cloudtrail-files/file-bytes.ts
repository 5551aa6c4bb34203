/**
 * The bytes of one source: a small regular file read whole (and gunzipped in one go), or any input
 * streamed and gunzipped when it starts with the gzip magic bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  constants,
  createGunzip,
  createInflateRaw,
  type Gunzip,
  gunzipSync,
  type InflateRaw,
} from 'node:zlib';
import { AdapterError } from '../errors.js';
import { type Crc32, fastCrc32 } from './crc32.js';
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

/** A zlib stream and its raw handle, reused from object to object on this thread. */
interface Inflater {
  stream: Gunzip | InflateRaw;
  handle: InflateHandle;
  state: Uint32Array;
}

/** This thread's handles, reused from object to object; null until first used or after a failure. */
const inflaters: Record<'gunzip' | 'raw', Inflater | null> = { gunzip: null, raw: null };

/** A new zlib stream's raw handle; null where Node's internals are not as expected. */
function newInflater(stream: Gunzip | InflateRaw): Inflater | null {
  const { _handle: handle, _writeState: state } = stream as unknown as {
    _handle?: Partial<InflateHandle> | null;
    _writeState?: unknown;
  };
  if (typeof handle?.writeSync !== 'function' || typeof handle.reset !== 'function') return null;
  if (!(state instanceof Uint32Array) || state.length < 2) return null;
  // A failure destroys the stream, which then emits it as an event: nobody else listens.
  stream.on('error', () => {});
  return { stream, handle: handle as InflateHandle, state };
}

/**
 * `gz[start..]` inflated with Z_FINISH in one call on this thread's `kind` handle, into `into` (or a new
 * buffer) of `size` bytes: the buffer and the room and input zlib left; undefined when zlib failed (it
 * reports an error by destroying the stream, and closing its handle, during the call) or the handle could
 * not be had.
 */
function inflateOnce(
  kind: 'gunzip' | 'raw',
  gz: Buffer,
  start: number,
  size: number,
  into: Buffer | null,
): { out: Buffer; availOut: number; availIn: number } | undefined {
  let z = inflaters[kind];
  if (z === null) {
    z = newInflater(kind === 'raw' ? createInflateRaw() : createGunzip());
    if (z === null) return undefined;
    inflaters[kind] = z;
  } else {
    z.handle.reset();
  }
  const out = into ?? Buffer.allocUnsafe(size);
  try {
    z.handle.writeSync(constants.Z_FINISH, gz, start, gz.length - start, out, 0, size);
  } catch {
    inflaters[kind] = null;
    return undefined;
  }
  if (z.stream.destroyed) {
    inflaters[kind] = null;
    return undefined;
  }
  const [availOut = 0, availIn = 0] = z.state;
  return { out, availOut, availIn };
}

/**
 * `gz` inflated in one call on this thread's reused zlib handles, into `into` (or a new buffer) of `size`
 * bytes; undefined when that did not give the whole of it cleanly (a zlib error, output that needs more
 * room, the handle unavailable): the caller then inflates it the ordinary way, which gives the same bytes
 * or the same error.
 * gunzipSync builds a zlib stream (a handle, its 32 KB window, a Transform) per call: ~5% of inflating a
 * 33 KB CloudTrail object. Like gunzipSync, the gunzip handle reads every gzip member of a multi-member file.
 * Where {@link fastCrc32} is had, a file of one member with a plain header is inflated as raw deflate and
 * its trailer checked here (CRC-32 and length, as zlib checks them); any other file, or one whose check
 * fails, goes through the gunzip handle, so the result and any error are zlib's own.
 */
function inflateWhole(gz: Buffer, size: number, into: Buffer | null): Buffer | undefined {
  const crc = fastCrc32();
  if (crc !== null) {
    const start = memberDataStart(gz);
    if (start > 0) {
      const out = inflateMember(gz, start, size, into, crc);
      // Output that fills `size` fills it on the gunzip handle too: the ordinary way takes it in chunks.
      if (out === FULL) return undefined;
      if (out !== undefined) return out;
    }
  }
  const done = inflateOnce('gunzip', gz, 0, size, into);
  if (done === undefined) return undefined;
  const { out, availOut, availIn } = done;
  // Output that filled the buffer may go on: the ordinary way takes it in chunks.
  if (availOut === 0 || availIn !== 0) return undefined;
  return out.subarray(0, size - availOut);
}

/**
 * Where the deflate data of `gz`'s first member starts, after its 10-byte header and any extra field, name
 * and comment; 0 for a header left to zlib (not deflate, reserved flag bits, a header CRC, cut short).
 */
export function memberDataStart(gz: Buffer): number {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8) return 0;
  const flags = gz[3] as number;
  // 0x02 FHCRC, 0xe0 reserved (zlib refuses them): both to zlib.
  if ((flags & 0xe2) !== 0) return 0;
  let at = 10;
  if (flags & 0x04) at = at + 2 <= gz.length ? at + 2 + gz.readUInt16LE(at) : gz.length; // FEXTRA
  for (const flag of [0x08, 0x10]) {
    // FNAME, FCOMMENT: zero-terminated.
    if ((flags & flag) === 0) continue;
    const end = gz.indexOf(0, at);
    if (end < 0) return 0;
    at = end + 1;
  }
  return at + 8 <= gz.length ? at : 0;
}

/** {@link inflateMember}'s answer when the output needs more than the bytes it was given. */
const FULL = Symbol('output full');

/**
 * The one member of `gz`, its deflate data from `start`, inflated raw into `into` (or a new buffer) of
 * `size` bytes and checked against its trailer with `crc`; undefined unless the data ended with exactly
 * the 8-byte trailer after it (not another member, padding or garbage) and both its CRC-32 and its length
 * match; {@link FULL} when the output filled `size` bytes before the data ended.
 */
function inflateMember(
  gz: Buffer,
  start: number,
  size: number,
  into: Buffer | null,
  crc: Crc32,
): Buffer | typeof FULL | undefined {
  const done = inflateOnce('raw', gz, start, size, into);
  if (done === undefined) return undefined;
  const { out, availOut, availIn } = done;
  if (availOut === 0) return FULL;
  if (availIn !== 8) return undefined;
  const length = size - availOut;
  const trailer = gz.length - 8;
  if (gz.readUInt32LE(trailer + 4) !== length % 2 ** 32) return undefined;
  const body = out.subarray(0, length);
  return crc(body) === gz.readUInt32LE(trailer) ? body : undefined;
}

/** The zlib error code (`Z_BUF_ERROR`, …) of a gunzip failure; undefined for any other error. */
export function zlibCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_') ? code : undefined;
}
