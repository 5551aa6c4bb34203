/**
 * The literal finder: searches a string or UTF-8 bytes for a fixed pattern starting from the pattern's
 * rarest character, which native search finds several times faster than a quote over JSON text.
 */

import { COLON, COMMA, LBRACE, LBRACK, QUOTE, RBRACE, RBRACK } from './json.js';
import type { NeedleSet } from './scan/reference.js';

/** How common a character is in CloudTrail JSON (lower is rarer), for choosing where a search starts. */
function commonness(c: number): number {
  if (
    c === QUOTE ||
    c === COLON ||
    c === COMMA ||
    c === LBRACE ||
    c === RBRACE ||
    c === LBRACK ||
    c === RBRACK
  )
    return 100;
  if (c >= 97 && c <= 122) return 10; // a-z
  if (c >= 48 && c <= 57) return 8; // 0-9
  if (c === 45 || c === 46 || c === 47 || c === 95) return 6; // - . / _
  if (c >= 65 && c <= 90) return 2; // A-Z
  return 1;
}

/**
 * Finds a literal by searching first for its tail from its rarest character on. indexOf scans for
 * the pattern's first character, so `"eventName":"` (a quote first) runs several times slower than
 * `Name":"` over JSON, where quotes are everywhere. Works on strings and on (UTF-8) Buffers.
 */
export class Finder {
  private readonly k: number;
  private readonly head: string;
  private readonly tail: string;
  private readonly headBytes: Buffer;
  private readonly tailBytes: Buffer;

  constructor(readonly pattern: string) {
    let k = 0;
    for (let i = 1; i < pattern.length; i++) {
      if (commonness(pattern.charCodeAt(i)) < commonness(pattern.charCodeAt(k))) k = i;
    }
    this.k = k;
    this.head = pattern.slice(0, k);
    this.tail = pattern.slice(k);
    this.headBytes = Buffer.from(this.head, 'utf8');
    this.tailBytes = Buffer.from(this.tail, 'utf8');
  }

  /** The pattern's UTF-8 bytes, as {@link nextByte} matches them. */
  get bytes(): Buffer {
    return Buffer.concat([this.headBytes, this.tailBytes]);
  }

  /** Index of the first occurrence at or after `from`; -1 when there is none. */
  next(text: string, from: number): number {
    const k = this.k;
    for (let at = text.indexOf(this.tail, from + k); at >= 0; at = text.indexOf(this.tail, at + 1)) {
      if (k === 0 || text.startsWith(this.head, at - k)) return at - k;
    }
    return -1;
  }

  /** The same over bytes: the byte offset of the first occurrence at or after byte `from`. */
  nextByte(buf: Buffer, from: number): number {
    const k = this.headBytes.length;
    const tail = this.tailBytes;
    const head = this.headBytes;
    search: for (let at = buf.indexOf(tail, from + k); at >= 0; at = buf.indexOf(tail, at + 1)) {
      // The head is a few bytes: comparing here beats a call into Buffer#compare.
      for (let i = 0, j = at - k; i < k; i++, j++) if (buf[j] !== head[i]) continue search;
      return at - k;
    }
    return -1;
  }
}

const needleFinders = new WeakMap<readonly string[], Finder[]>();

/** One Finder per needle, built once per needle list. */
export function findersOf(needles: readonly string[]): Finder[] {
  let f = needleFinders.get(needles);
  if (!f) {
    f = needles.map((n) => new Finder(n));
    needleFinders.set(needles, f);
  }
  return f;
}

const needleSets = new WeakMap<readonly Finder[], NeedleSet>();

/** The finders' patterns as bytes, for the depth scan to search on its way; built once per finder list. */
export function needleSetOf(finders: readonly Finder[]): NeedleSet {
  let set = needleSets.get(finders);
  if (!set) {
    set = { bytes: finders.map((f) => f.bytes) };
    needleSets.set(finders, set);
  }
  return set;
}
