/**
 * The record split's depth scan in JavaScript: the reference the WebAssembly scan (./wasm.ts) is tested
 * against, and what runs where WebAssembly does not.
 */
import {
  BSLASH,
  COLON,
  COMMA,
  isWs,
  KEY_EVENT_NAME,
  KEY_EVENT_SOURCE,
  KEY_OTHER,
  LBRACE,
  LBRACK,
  QUOTE,
  RBRACE,
  RBRACK,
} from '../json.js';

/** What the depth scan learnt of an array body's elements (byte offsets into the scanned buffer). */
export interface Elements {
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
  /**
   * Per element, the span of its top-level `eventName` string value; -1 unless the element has exactly
   * one top-level `eventName` and one `eventSource`, both plain strings (otherwise it is undecided).
   */
  nameFrom: ArrayLike<number>;
  nameTo: ArrayLike<number>;
  /**
   * Per element with a `nameFrom` span, 1 when the span holds a backslash (an escape), 0 when not, 2 when
   * not known; absent when the scan does not say (the reference never does).
   */
  nameEscaped?: ArrayLike<number>;
  /**
   * Per element, 1 when one of the needles asked for starts in it: at or after its start and before the
   * next element's start (for the first element, from the body's start; the last, up to the body's end),
   * running on as far as the buffer does. Absent when the scan did not search (the reference never does).
   */
  hits?: Uint8Array;
  /**
   * True when every byte of `[from, to)` is ASCII (no byte over 0x7f: valid UTF-8, nothing to check);
   * false or absent when the scan does not know it (the reference never says; the WebAssembly scan says
   * neither this nor `noControl` for a body with any byte outside 0x20-0x7f).
   */
  ascii?: boolean;
  /**
   * True when `[from, to)` holds no control byte (under 0x20: no line feed); false or absent when the scan
   * does not know it (the reference never says).
   */
  noControl?: boolean;
}

/** Needles for a depth scan to search on its way: their UTF-8 bytes, none empty. */
export interface NeedleSet {
  readonly bytes: readonly Uint8Array[];
}

/**
 * A depth scan of an array body `[from, to)` of UTF-8 bytes (the reference below, or the WebAssembly one),
 * searching for `needles` on the way if it can.
 */
export type SpanScan = (b: Uint8Array, from: number, to: number, needles?: NeedleSet) => Elements | null;

const EVENT_NAME = 'eventName';
const EVENT_SOURCE = 'eventSource';

/** `eventName` and `eventSource` as bytes, for the byte scan's key test. */
const EVENT_NAME_BYTES = Buffer.from(EVENT_NAME, 'latin1');
const EVENT_SOURCE_BYTES = Buffer.from(EVENT_SOURCE, 'latin1');

/**
 * The elements of an array body `[from, to)` of UTF-8 bytes by an exact, string-aware depth scan, with
 * each element's top-level `eventName` when it is a plain string. Null when an element is not an object
 * or the brackets do not balance (the caller then parses the whole text). Strings are jumped over with
 * Buffer#indexOf for the closing quote: an inline byte loop measured 25% slower. This is the reference
 * for the WebAssembly scan (./wasm.ts), which must return exactly what it returns, and its fallback.
 */
export function elementSpansOfBytes(b: Uint8Array, from: number, to: number): Elements | null {
  const el = {
    starts: [] as number[],
    ends: [] as number[],
    nameFrom: [] as number[],
    nameTo: [] as number[],
  };
  let depth = 0;
  // At depth 1 (an element's own members): is the next string a key, and which key the last one was.
  let expectKey = false;
  let key = KEY_OTHER;
  // Per element: how many eventName / eventSource members were plain strings, and how many were not.
  let names = 0;
  let sources = 0;
  let odd = 0;
  let nameFrom = -1;
  let nameTo = -1;
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c === QUOTE) {
      // The closing quote is the first one not escaped by an odd run of backslashes.
      let q = b.indexOf(QUOTE, i + 1);
      for (;;) {
        if (q < 0 || q >= to) return null;
        let k = q - 1;
        while (b[k] === BSLASH) k--;
        if ((q - 1 - k) % 2 === 0) break;
        q = b.indexOf(QUOTE, q + 1);
      }
      if (depth === 0) return null;
      if (depth === 1) {
        if (expectKey) key = keyOfBytes(b, i + 1, q - i - 1);
        else if (key === KEY_EVENT_NAME) {
          names++;
          nameFrom = i + 1;
          nameTo = q;
          key = KEY_OTHER;
        } else if (key === KEY_EVENT_SOURCE) {
          sources++;
          key = KEY_OTHER;
        }
      }
      i = q;
    } else if (c === LBRACE || c === LBRACK) {
      if (depth === 0) {
        if (c !== LBRACE) return null;
        el.starts.push(i);
        expectKey = true;
        key = KEY_OTHER;
        names = 0;
        sources = 0;
        odd = 0;
      } else if (depth === 1 && key !== KEY_OTHER) {
        odd++; // eventName or eventSource holds an object or an array
        key = KEY_OTHER;
      }
      depth++;
    } else if (c === RBRACE || c === RBRACK) {
      if (--depth < 0) return null;
      if (depth === 0) {
        const decided = names === 1 && sources === 1 && odd === 0;
        el.ends.push(i + 1);
        el.nameFrom.push(decided ? nameFrom : -1);
        el.nameTo.push(decided ? nameTo : -1);
      }
    } else if (depth === 1) {
      if (c === COMMA) expectKey = true;
      else if (c === COLON) expectKey = false;
      else if (key !== KEY_OTHER && !isWs(c)) {
        odd++; // a number, true, false or null
        key = KEY_OTHER;
      }
    } else if (depth === 0 && c !== COMMA && !isWs(c)) {
      return null;
    }
  }
  return depth === 0 ? el : null;
}

/** Which of the keys the split cares about the (unescaped) key bytes at `from` are. */
function keyOfBytes(b: Uint8Array, from: number, len: number): number {
  const want = len === 9 ? EVENT_NAME_BYTES : len === 11 ? EVENT_SOURCE_BYTES : null;
  if (want === null) return KEY_OTHER;
  for (let j = 0; j < len; j++) if (b[from + j] !== want[j]) return KEY_OTHER;
  return len === 9 ? KEY_EVENT_NAME : KEY_EVENT_SOURCE;
}
