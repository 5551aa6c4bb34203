/**
 * The record split's depth scan in WebAssembly (scan.wat, 128-bit SIMD, simdjson-style stage 1): the same
 * results as the JS reference (./reference.ts) for every input, several times faster. One instance per
 * thread, made on first use. The input is copied into its memory {@link CHUNK} bytes at a time (each
 * scanned while it is still in cache, and the memory stays small whatever the object's size); the output
 * grows as needed, and a memory left larger than {@link KEEP_BYTES} is dropped after the call.
 */
import { type Elements, elementSpansOfBytes, type SpanScan } from './reference.js';
import { SCAN_WASM_BASE64 } from './scan-wasm.generated.js';

/** Bytes copied and scanned per call (a multiple of 64, the scan's block). */
export const CHUNK = 128 * 1024;
/** Zero bytes after a chunk: the scan's block loads and key tests read up to 63 bytes past its end. */
const PAD = 64;
/** Where the scan writes its output: after the chunk and its padding. */
const OUT0 = CHUNK + PAD;
/** A memory that grew past this (the output of some 250,000 elements) is not kept for the next call. */
export const KEEP_BYTES = 4 * 1024 * 1024;
const PAGE = 65536;

interface ScanExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  reset(out0: number): void;
  scan(n: number, off: number, last: number): number;
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
 * element.
 */
export const wasmElementSpans: SpanScan = (b, from, to) => chunkedSpans(b, from, to, CHUNK);

/**
 * {@link wasmElementSpans} with chunks of `chunk` bytes (a positive multiple of 64, at most
 * {@link CHUNK}): small ones let tests put every chunk boundary everywhere.
 */
export function chunkedSpans(b: Uint8Array, from: number, to: number, chunk: number): Elements | null {
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
  w.reset(OUT0);
  let count = 0;
  try {
    for (let off = from; ; off += chunk) {
      const n = Math.min(chunk, to - off);
      const last = off + n >= to;
      const mem = new Uint8Array(w.memory.buffer);
      mem.set(b.subarray(off, off + n), 0);
      mem.fill(0, n, n + PAD);
      count = w.scan(n, off - from, last ? 1 : 0);
      if (count === -1) return null;
      if (count < 0) return elementSpansOfBytes(b, from, to);
      if (last) break;
    }
    return readElements(b, from, to, new Int32Array(w.memory.buffer, OUT0, count * 4), count);
  } finally {
    if (w.memory.buffer.byteLength > KEEP_BYTES) live = null;
  }
}

function readElements(
  b: Uint8Array,
  from: number,
  to: number,
  out: Int32Array,
  count: number,
): Elements | null {
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  const nameFrom = new Int32Array(count);
  const nameTo = new Int32Array(count);
  for (let k = 0, o = 0; k < count; k++, o += 4) {
    const start = (out[o] as number) + from;
    const end = (out[o + 1] as number) + from;
    starts[k] = start;
    ends[k] = end;
    const nf = out[o + 2] as number;
    if (nf === -2) {
      // Left to the reference: the element alone, scanned as the whole body would scan it.
      const one = elementSpansOfBytes(b, start, end);
      if (one === null || one.starts.length !== 1) return elementSpansOfBytes(b, from, to);
      nameFrom[k] = one.nameFrom[0] as number;
      nameTo[k] = one.nameTo[0] as number;
    } else if (nf < 0) {
      nameFrom[k] = -1;
      nameTo[k] = -1;
    } else {
      nameFrom[k] = nf + from;
      nameTo[k] = (out[o + 3] as number) + from;
    }
  }
  return { starts, ends, nameFrom, nameTo };
}

/**
 * The depth scan the record split uses: the WebAssembly one when it can run here, else the JS reference.
 * `wasm` defaults to whether this runtime compiles scan.wat's module (compiled on that first call).
 */
export function pickSpanScan(wasm: boolean = wasmScanAvailable()): SpanScan {
  return wasm ? wasmElementSpans : elementSpansOfBytes;
}
