/**
 * A small, fast, seeded PRNG (sfc32, seeded through cyrb128) and the helpers the generator
 * needs: integers, picks, UUID-shaped ids, AWS-style key ids. Same seed, same sequence, on
 * every platform: only 32-bit integer arithmetic is used.
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** All 4096 two-character base64 strings (12 bits each). */
const B64_2: string[] = Array.from({ length: 4096 }, (_, i) => B64.charAt(i >> 6) + B64.charAt(i & 63));
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** cyrb128: hashes a string into four 32-bit words (the PRNG state). */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** Seeded pseudo-random generator (sfc32). Not for cryptography. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any string; the same seed always yields the same sequence. */
  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = cyrb128(seed);
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Lowercase hex string of `bytes` random bytes. */
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i += 4) {
      const v = this.u32();
      s += HEX[v & 255]! + HEX[(v >>> 8) & 255]! + HEX[(v >>> 16) & 255]! + HEX[v >>> 24]!;
    }
    return s.slice(0, bytes * 2);
  }

  /** A version-4-shaped UUID (e.g. for eventID / requestID). */
  uuid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    return `${HEX4[a & 0xffff]}${HEX4[a >>> 16]}-${HEX4[b & 0xffff]}-${HEX4[0x4000 | ((b >>> 16) & 0x0fff)]}-${HEX4[0x8000 | (c & 0x3fff)]}-${HEX4[c >>> 16]}${HEX4[d & 0xffff]}${HEX4[d >>> 16]}`;
  }

  /** `n` base64 characters (n even), e.g. for x-amz-id-2 and session tokens. */
  base64(n: number): string {
    let s = '';
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      s += B64_2[v & 4095]! + B64_2[(v >>> 12) & 4095]!;
    }
    return s.length > n ? s.slice(0, n) : s;
  }

  /** `n` characters of [A-Z2-7] (the alphabet of AWS access key ids). */
  upper(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += UPPER_ALNUM.charAt(this.u32() & 31);
    return s;
  }

  /** `n` characters of [A-Za-z0-9]. */
  alnum(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += ALNUM.charAt(this.u32() % 62);
    return s;
  }
}

/** A stable identifier derived from a name (not from the run's seed): same name, same id. */
export function stableUpper(name: string, n: number): string {
  return new Prng(`stable:${name}`).upper(n);
}

/** Stable lowercase hex derived from a name. */
export function stableHex(name: string, bytes: number): string {
  return new Prng(`stable:${name}`).hex(bytes);
}
