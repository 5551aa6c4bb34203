/**
 * The record split's depth scan in WebAssembly (scan.wat, 128-bit SIMD, simdjson-style stage 1): the same
 * results as the JS reference (./reference.ts) for every input, several times faster. One instance per
 * thread, made on first use. The input is copied into its memory {@link CHUNK} bytes at a time (each
 * scanned while it is still in cache, and the memory stays small whatever the object's size); the output
 * grows as needed, and a memory left larger than {@link KEEP_BYTES} is dropped after the call. Given needles,
 * the scan also marks the elements one starts in ({@link Elements.hits}), as the split's Buffer#indexOf
 * passes would: in stage 1 while each block is in registers, and here for the few starts whose hit runs
 * past a chunk.
 */
import { type Elements, elementSpansOfBytes, type NeedleSet, type SpanScan } from './reference.js';
import { SCAN_WASM_BASE64 } from './scan-wasm.generated.js';

/** Bytes copied and scanned per call (a multiple of 64, the scan's block). */
export const CHUNK = 128 * 1024;
/**
 * Bytes after a chunk: the scan's block loads and key tests read up to 63 bytes past its end. Spaces
 * (structure and needles never match them past the end, as zeros would not), so that the byte range the
 * scan reports ({@link Elements.ascii}, {@link Elements.noControl}) is the chunk's own.
 */
const PAD = 64;
const PAD_BYTE = 0x20;
/** The needle table: after the chunk, its padding, and the 127 bytes a needle's last-byte loads run past it. */
const NEEDLE_AT = CHUNK + PAD + 128;
/**
 * The table's bytes: per needle a 48-byte entry (its first byte x16, its byte at `j` x16, where its bytes
 * are, its length, `j`).
 */
const NEEDLE_ROOM = 8192;
/** Needles longer than this are searched by the caller (the scan's loads past a block stop short of it). */
export const MAX_NEEDLE_BYTES = 128;
/**
 * The scan's mask area, after the needle table: 24 bytes for each 64-byte block of a 16 KB segment (scan.wat
 * writes three masks per block in its first stage and reads them in its second).
 */
const MASKS_AT = NEEDLE_AT + NEEDLE_ROOM;
const MASKS_ROOM = 256 * 24;
/** Where the scan writes its output: after the mask area. */
const OUT0 = MASKS_AT + MASKS_ROOM;
/** A memory that grew past this (the output of some 250,000 elements) is not kept for the next call. */
export const KEEP_BYTES = 4 * 1024 * 1024;
const PAGE = 65536;

interface ScanExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  reset(out0: number, table: number, count: number, outEnd: number, masks: number): void;
  scan(n: number, off: number, last: number, at: number): number;
  /** Since reset: 1 when a byte was outside 0x20-0x7f, else 0 (valid once every scan call returned a count). */
  flags(): number;
}

/** A compiled module (opaque here: the lib this project compiles against has no WebAssembly types). */
export type WasmModule = object;

/** What the global WebAssembly offers that the scan needs (a parameter, so tests can take it away). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { exports: object };
}

/**
 * Compiles scan.wat's module, or null when this runtime has no WebAssembly or no SIMD (the JS scan then
 * runs).
 */
export function compileScan(api: WasmApi | undefined): WasmModule | null {
  if (api === undefined) return null;
  try {
    return new api.Module(Buffer.from(SCAN_WASM_BASE64, 'base64'));
  } catch {
    return null;
  }
}

let compiled: WasmModule | null | undefined;
let api: WasmApi | undefined;
let live: ScanExports | null = null;

/** This thread's module, compiled on first use; null when WebAssembly cannot run it. */
function scanModule(): WasmModule | null {
  if (compiled === undefined) {
    api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    compiled = compileScan(api);
  }
  return compiled;
}

/** True when the WebAssembly scan can run here. */
export function wasmScanAvailable(): boolean {
  return scanModule() !== null;
}

function instance(mod: WasmModule): ScanExports {
  if (live === null) live = new (api as WasmApi).Instance(mod).exports as ScanExports;
  return live;
}

/**
 * The elements of an array body `[from, to)` of UTF-8 bytes, exactly as {@link elementSpansOfBytes}
 * finds them. The rare shapes the WebAssembly scan leaves to the reference (a backslash outside a string,
 * an eventName key in an odd place or across two chunks) are handed to it, the whole body or that one
 * element. Bytes in the leased arena ({@link takeArena}) are scanned where they are, in one call.
 */
export const wasmElementSpans: SpanScan = (b, from, to, needles) =>
  arena !== null && inArena(arena, b, to)
    ? inPlaceSpans(arena, b, from, to, needles)
    : chunkedSpans(b, from, to, CHUNK, needles);

/** Where a leased arena's bytes start: after the chunk area and the needle table, 64-byte aligned. */
const DATA_AT = Math.ceil(OUT0 / 64) * 64;
/** Bytes after an arena's data that the scan reads (a block's loads, a needle's last-byte loads). */
const TAIL = 256;
/** A memory that grew past this for an arena is not kept once released (~14 MB of inflated bytes). */
export const ARENA_KEEP_BYTES = 32 * 1024 * 1024;

/** This thread's arena instance (its own memory: the chunked scan never grows or writes it). */
let arena: ScanExports | null = null;
/** The bytes leased out of {@link arena}: their size; 0 when not leased. */
let leasedSize = 0;
/** The 64 bytes after a body scanned in place, kept while they are padded for the call. */
const tail = new Uint8Array(PAD);

/** Where the output of an in-place scan of an arena of `size` bytes starts. */
function outAt(size: number): number {
  return Math.ceil((DATA_AT + size + TAIL) / 64) * 64;
}

/**
 * `size` bytes of this thread's scan memory, for a file to be inflated into and scanned where it is
 * (no copy into the memory chunk by chunk); null when WebAssembly does not run here, the memory cannot
 * grow, or the arena is leased already. Hand it back with {@link releaseArena}: until then the view stays
 * valid (nothing grows that memory). Output room is reserved for an element every 16 bytes; an array of
 * smaller elements goes to the reference scan, which gives the same.
 */
export function takeArena(size: number): Buffer | null {
  if (leasedSize !== 0 || size <= 0) return null;
  const mod = scanModule();
  if (mod === null) return null;
  try {
    arena ??= new (api as WasmApi).Instance(mod).exports as ScanExports;
    const want = outAt(size) + Math.ceil(size / 16) * 20 + PAGE;
    const have = arena.memory.buffer.byteLength;
    if (have < want) arena.memory.grow(Math.ceil((want - have) / PAGE));
  } catch {
    return null;
  }
  leasedSize = size;
  return Buffer.from(arena.memory.buffer, DATA_AT, size);
}

/** Hands back the arena `bytes` (or a view into it) came from; anything else is ignored. */
export function releaseArena(bytes: Uint8Array): void {
  if (leasedSize === 0 || arena === null || bytes.buffer !== arena.memory.buffer) return;
  leasedSize = 0;
  if (arena.memory.buffer.byteLength > ARENA_KEEP_BYTES) arena = null;
}

/** True when `b[0, to)` lies in the leased part of the arena. */
function inArena(w: ScanExports, b: Uint8Array, to: number): boolean {
  return (
    leasedSize !== 0 &&
    b.buffer === w.memory.buffer &&
    b.byteOffset >= DATA_AT &&
    b.byteOffset + to <= DATA_AT + leasedSize
  );
}

/** {@link wasmElementSpans} of a body in the leased arena, scanned in one call where it is. */
function inPlaceSpans(
  w: ScanExports,
  b: Uint8Array,
  from: number,
  to: number,
  needles?: NeedleSet,
): Elements | null {
  const mem = new Uint8Array(w.memory.buffer);
  const list = needles?.bytes;
  const search = list !== undefined && writeNeedles(mem, list);
  const out0 = outAt(leasedSize);
  w.reset(out0, NEEDLE_AT, search ? list.length : 0, mem.length, MASKS_AT);
  // The scan reads up to 63 bytes past the body (`]}` and what follows): spaces for the call.
  const end = b.byteOffset + to;
  tail.set(mem.subarray(end, end + PAD));
  mem.fill(PAD_BYTE, end, end + PAD);
  let count: number;
  try {
    count = w.scan(to - from, 0, 1, b.byteOffset + from);
  } finally {
    mem.set(tail, end);
  }
  if (count === -1) return null;
  // A backslash outside a string, or more elements than the output room holds.
  if (count < 0) return elementSpansOfBytes(b, from, to);
  const crossing: number[] = [];
  if (search) crossingHits(b, from, to, list, crossing);
  return finishElements(
    b,
    from,
    to,
    new Int32Array(w.memory.buffer, out0, count * 5),
    count,
    search,
    crossing,
    w.flags(),
  );
}

/**
 * The needle table in the scan's memory at {@link NEEDLE_AT}; false (nothing written) when the needles do
 * not fit it: an empty one, one longer than {@link MAX_NEEDLE_BYTES}, or too many.
 */
function writeNeedles(mem: Uint8Array, needles: readonly Uint8Array[]): boolean {
  let bytesAt = NEEDLE_AT + needles.length * 48;
  let room = NEEDLE_AT + NEEDLE_ROOM - bytesAt;
  for (const n of needles) {
    if (n.length === 0 || n.length > MAX_NEEDLE_BYTES) return false;
    room -= n.length;
  }
  if (room < 0) return false;
  const view = new DataView(mem.buffer);
  let t = NEEDLE_AT;
  for (const n of needles) {
    const j = rarestAfterFirst(n);
    mem.fill(n[0] as number, t, t + 16);
    mem.fill(n[j] as number, t + 16, t + 32);
    view.setInt32(t + 32, bytesAt, true);
    view.setInt32(t + 36, n.length, true);
    view.setInt32(t + 40, j, true);
    mem.set(n, bytesAt);
    bytesAt += n.length;
    t += 48;
  }
  return true;
}

/**
 * The commonest bytes of CloudTrail JSON, commonest first (bench corpus shape-240x250: `"` 9.8%, `e` 7.6%,
 * … `h` 0.4%); any other byte is rarer than these.
 */
const COMMON_BYTES = Buffer.from('"ea:tsnro231ci,-dulm0pA.5bIy4S6w8gfv/79{}TREDCkh', 'latin1');
const byteRank = new Uint8Array(256).fill(COMMON_BYTES.length);
COMMON_BYTES.forEach((c, i) => {
  byteRank[c] = i;
});

/**
 * The position after the first of a needle's rarest byte in CloudTrail JSON (the later one of equals), or 0
 * for a one-byte needle: the scan's second byte test, so that few blocks hold a candidate to verify (the
 * last byte of `"Root"` is a quote, found 5 bytes after another in every short string).
 */
function rarestAfterFirst(n: Uint8Array): number {
  let j = 0;
  for (let i = 1; i < n.length; i++)
    if (j === 0 || (byteRank[n[i] as number] as number) >= (byteRank[n[j] as number] as number)) j = i;
  return j;
}

/** Pushes the starts in [from, end) of the needles' hits that run past `end` (the scan does not see them). */
function crossingHits(
  b: Uint8Array,
  from: number,
  end: number,
  needles: readonly Uint8Array[],
  out: number[],
) {
  for (const n of needles) {
    const len = n.length;
    const stop = Math.min(end, b.length - len + 1);
    search: for (let p = Math.max(from, end - len + 1); p < stop; p++) {
      for (let j = 0; j < len; j++) if (b[p + j] !== n[j]) continue search;
      out.push(p);
    }
  }
}

/**
 * {@link wasmElementSpans} with chunks of `chunk` bytes (a positive multiple of 64, at most
 * {@link CHUNK}): small ones let tests put every chunk boundary everywhere.
 */
export function chunkedSpans(
  b: Uint8Array,
  from: number,
  to: number,
  chunk: number,
  needles?: NeedleSet,
): Elements | null {
  if (chunk <= 0 || chunk % 64 !== 0 || chunk > CHUNK)
    throw new RangeError(`chunk ${chunk}: not a multiple of 64 in (0, ${CHUNK}]`);
  const mod = scanModule();
  if (mod === null) return elementSpansOfBytes(b, from, to);
  const w = instance(mod);
  // Room for a chunk, its padding, and the output of a few thousand records (the scan grows it if need be).
  const want = OUT0 + 4 * PAGE;
  const have = w.memory.buffer.byteLength;
  if (have < want) {
    try {
      w.memory.grow(Math.ceil((want - have) / PAGE));
    } catch {
      // No memory to spare for the scan: the reference needs none.
      return elementSpansOfBytes(b, from, to);
    }
  }
  const list = needles?.bytes;
  const search = list !== undefined && writeNeedles(new Uint8Array(w.memory.buffer), list);
  w.reset(OUT0, NEEDLE_AT, search ? list.length : 0, 0, MASKS_AT);
  const crossing: number[] = [];
  let count = 0;
  try {
    for (let off = from; ; off += chunk) {
      const n = Math.min(chunk, to - off);
      const last = off + n >= to;
      const mem = new Uint8Array(w.memory.buffer);
      mem.set(b.subarray(off, off + n), 0);
      mem.fill(PAD_BYTE, n, n + PAD);
      count = w.scan(n, off - from, last ? 1 : 0, 0);
      if (count === -1) return null;
      if (count < 0) return elementSpansOfBytes(b, from, to);
      if (search) crossingHits(b, off, off + n, list, crossing);
      if (last) break;
    }
    return finishElements(
      b,
      from,
      to,
      new Int32Array(w.memory.buffer, OUT0, count * 5),
      count,
      search,
      crossing,
      w.flags(),
    );
  } finally {
    if (w.memory.buffer.byteLength > KEEP_BYTES) live = null;
  }
}

/**
 * The elements of a scan's output, with the needle hits that ran past its chunks (`crossing`) and what
 * the scan's `flags` say of the body's bytes.
 */
function finishElements(
  b: Uint8Array,
  from: number,
  to: number,
  out: Int32Array,
  count: number,
  search: boolean,
  crossing: readonly number[],
  flags: number,
): Elements | null {
  const el = readElements(b, from, to, out, count, flags);
  if (el === null || el.hits === undefined) return el;
  // Not searched (no needles, or they did not fit the table): say so, and the caller searches.
  if (!search) {
    const { starts, ends, nameFrom, nameTo, nameEscaped, ascii, noControl } = el;
    return { starts, ends, nameFrom, nameTo, nameEscaped, ascii, noControl };
  }
  for (const p of crossing) el.hits[elementAt(el.starts, p)] = 1;
  return el;
}

/** {@link Elements.nameEscaped} of an element the reference decided. */
const UNKNOWN = 2;

function readElements(
  b: Uint8Array,
  from: number,
  to: number,
  out: Int32Array,
  count: number,
  flags: number,
): Elements | null {
  const starts = new Int32Array(count);
  const hits = new Uint8Array(count);
  const ends = new Int32Array(count);
  const nameFrom = new Int32Array(count);
  const nameTo = new Int32Array(count);
  const nameEscaped = new Uint8Array(count);
  for (let k = 0, o = 0; k < count; k++, o += 5) {
    const start = (out[o] as number) + from;
    const end = (out[o + 1] as number) + from;
    starts[k] = start;
    ends[k] = end;
    const marks = out[o + 4] as number;
    hits[k] = marks & 1;
    const nf = out[o + 2] as number;
    if (nf === -2) {
      // Left to the reference: the element alone, scanned as the whole body would scan it.
      const one = elementSpansOfBytes(b, start, end);
      if (one === null || one.starts.length !== 1) return elementSpansOfBytes(b, from, to);
      nameFrom[k] = one.nameFrom[0] as number;
      nameTo[k] = one.nameTo[0] as number;
      nameEscaped[k] = UNKNOWN;
    } else if (nf < 0) {
      nameFrom[k] = -1;
      nameTo[k] = -1;
    } else {
      nameFrom[k] = nf + from;
      nameTo[k] = (out[o + 3] as number) + from;
      nameEscaped[k] = marks >> 1;
    }
  }
  // One flag for both: a byte outside 0x20-0x7f (non-ASCII or a control byte) leaves both unknown.
  const plain = flags === 0;
  return { starts, ends, nameFrom, nameTo, nameEscaped, hits, ascii: plain, noControl: plain };
}

/** The element a body offset belongs to: the last one starting at or before it, else the first. */
function elementAt(starts: ArrayLike<number>, p: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The depth scan the record split uses: the WebAssembly one when it can run here, else the JS reference.
 * `wasm` defaults to whether this runtime compiles scan.wat's module (compiled on that first call).
 */
export function pickSpanScan(wasm: boolean = wasmScanAvailable()): SpanScan {
  return wasm ? wasmElementSpans : elementSpansOfBytes;
}
