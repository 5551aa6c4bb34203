/**
 * A CRC-32 (the gzip trailer's: ISO-HDLC, reflected 0x04C11DB7) faster than the one inside Node's zlib.
 *
 * Node's bundled zlib checks each gzip member's CRC with a table-driven loop: ~2 GB/s here, more
 * instructions than inflating the member (callgrind, shape-1200x250: crc32_z 0.83 G against
 * inflate_fast 0.60 G per worker). `@node-rs/crc32` (a registry package whose per-platform packages hold a
 * prebuilt Node-API binary: nothing is compiled or downloaded at install) folds 16 bytes at a time with
 * carry-less multiplication where the CPU has it: ~4.5 GB/s on the same data. Where its binary is absent
 * (another platform, a bundle shipped without node_modules such as the ingest Lambda) or fails its self
 * test, `fastCrc32()` is null and callers keep zlib's own check.
 */
import { createRequire } from 'node:module';

/** The CRC-32 of `bytes`. */
export type Crc32 = (bytes: Uint8Array) => number;

/** The package, named in a variable so that bundlers leave it to be resolved at run time. */
const PACKAGE = '@node-rs/crc32';

let loaded: Crc32 | null | undefined;

/**
 * The fast CRC-32 of this thread (each worker loads its own, once, on first use), or null where it cannot be
 * had. It is used only after it gave the right check value for the standard test vector and zlib's values
 * for a block of every byte value, so a broken or mismatched binary never weakens the check: it is just not
 * used.
 */
export function fastCrc32(): Crc32 | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

/** Makes `fastCrc32()` give `crc` (null: zlib's own check), for tests; undefined loads the package again. */
export function useCrc32ForTests(crc: Crc32 | null | undefined): void {
  loaded = crc;
}

function load(): Crc32 | null {
  try {
    return checkedCrc32((createRequire(import.meta.url)(PACKAGE) as { crc32?: unknown }).crc32);
  } catch {
    return null;
  }
}

/** `fn` as a CRC-32 when it is a function that passes the self test; null otherwise. */
export function checkedCrc32(fn: unknown): Crc32 | null {
  if (typeof fn !== 'function') return null;
  const crc = fn as (bytes: Uint8Array) => unknown;
  return passesSelfTest(crc) ? (crc as Crc32) : null;
}

/**
 * "123456789" has the check value 0xCBF43926 (the CRC's catalogue entry); a 4 KB block of every byte value,
 * whole and from an odd offset, has the values zlib gives (`test/ingest/gzip-crc.test.ts` checks them).
 */
function passesSelfTest(crc: (bytes: Uint8Array) => unknown): boolean {
  try {
    if (crc(Buffer.from('123456789', 'latin1')) !== 0xcbf43926) return false;
    const block = selfTestBlock();
    return crc(block) === 0x669f1409 && crc(block.subarray(1, 4000)) === 0x113793de;
  } catch {
    return false;
  }
}

/** The self test's block: 4,096 bytes that take every byte value, in no simple order. */
export function selfTestBlock(): Uint8Array {
  const block = new Uint8Array(4096);
  for (let i = 0; i < block.length; i++) block[i] = (i * 167 + (i >> 8)) & 0xff;
  return block;
}
