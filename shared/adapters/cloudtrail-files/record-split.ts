/**
 * The S3-object record split: finds the records of a one-line `{"Records":[…]}` object by an exact,
 * string-aware depth scan, reads each record's top-level `eventName` on the way, and parses only the
 * records a pairs-and-needles relevance test may want; the others are counted as skipped, never built.
 */
import { isUtf8 } from 'node:buffer';
import { CloudTrailReadError } from '../errors.js';
import { type Finder, findersOf, needleSetOf } from './finder.js';
import { COMMA, emitElement, isWs, jsonReason, LBRACK, NL, RBRACE, RBRACK, type TextSink } from './json.js';
import type { Elements, NeedleSet, SpanScan } from './scan/reference.js';
import { pickSpanScan } from './scan/wasm.js';
import type { PackedRecords, PairsRelevance, RelevanceTest } from './types.js';

/** Texts up to this size may be split or parsed whole (CloudTrail's S3 objects are a few MB). */
export const FAST_PARSE_MAX_CHARS = 64 * 1024 * 1024;

const RECORDS_HEAD = '{"Records":[';

/** What the split reads of a text's UTF-8 bytes. */
interface Hay {
  readonly length: number;
  /**
   * The elements of the array body [from, to); null unless all are objects and it balances. With
   * `needles`, also which elements hold one, if the scan searched.
   */
  spans(from: number, to: number, needles?: NeedleSet): Elements | null;
  /** The byte at `i`: only ever asked of ASCII structure. */
  code(i: number): number;
  find(f: Finder, from: number): number;
  text(from: number, to: number): string;
  /** The bytes themselves (the eventName values are looked up on them, never decoded). */
  readonly bytes: Uint8Array;
}

let spanScan: SpanScan | undefined;

/** The depth scan of this thread: WebAssembly when it runs here (chosen, and compiled, on first use). */
function scanOf(): SpanScan {
  spanScan ??= pickSpanScan();
  return spanScan;
}

function bytesHay(b: Buffer): Hay {
  return {
    length: b.length,
    spans: (from, to, needles) => scanOf()(b, from, to, needles),
    code: (i) => b[i] ?? -1,
    find: (f, from) => f.nextByte(b, from),
    // Pieces start at `{` and end after `}`, so a cut never splits a UTF-8 sequence.
    text: (from, to) => b.toString('utf8', from, to),
    bytes: b,
  };
}

/**
 * Plans the split of an S3 log object, `{"Records":[…]}` on one line. The records are found by an exact
 * depth scan (strings jumped over natively), so an object nested in a record (a bucket policy's
 * Statement, say) is never taken for one. Only records whose text names a relevant eventName, holds a
 * needle, or has no plain-string top-level eventName (escaped keys) are marked wanted. A record can
 * never hide: its own eventName is in its text. Null when the text is not of that shape.
 */
interface Plan {
  hay: Hay;
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
  wanted: Uint8Array;
  rel: PairsRelevance;
  /** Where the array body ends (`]}` and whitespace follow). */
  bodyEnd: number;
  /** The scan says: every byte is ASCII (head, body and tail); false when it does not know. */
  ascii: boolean;
  /** The scan says: the body holds no control byte, so no line feed; false when it does not know. */
  noControl: boolean;
}

function planRecords(hay: Hay, rel: PairsRelevance): Plan | null {
  const headLen = RECORDS_HEAD.length;
  for (let i = 0; i < headLen; i++) if (hay.code(i) !== RECORDS_HEAD.charCodeAt(i)) return null;
  let end = hay.length;
  while (end > 0 && isWs(hay.code(end - 1))) end--;
  if (end < headLen + 2) return null;
  if (hay.code(end - 1) !== RBRACE || hay.code(end - 2) !== RBRACK) return null;
  const bodyEnd = end - 2;
  const finders = findersOf(rel.needles);
  // An empty needle marks every record: no search then.
  const everything = finders.some((f) => f.pattern.length === 0);
  const needles = everything || finders.length === 0 ? undefined : needleSetOf(finders);
  const spans = hay.spans(headLen, bodyEnd, needles);
  if (spans === null) return null;
  const { starts, ends } = spans;
  const wanted = wantedByName(spans, nameBytesOf(rel.names), hay.bytes);
  if (everything) wanted.fill(1);
  else if (spans.hits !== undefined && needles !== undefined) orHits(wanted, spans.hits);
  else markFound(hay, finders, headLen, bodyEnd, starts, wanted);
  return {
    hay,
    starts,
    ends,
    wanted,
    rel,
    bodyEnd,
    ascii: spans.ascii === true,
    noControl: spans.noControl === true,
  };
}

/**
 * Per element, 1 to parse it: its top-level eventName is relevant, escaped, or not a plain string. Where
 * the scan said which eventName values hold a backslash (`nameEscaped`: 1 yes, 0 no, 2 not known), an
 * escaped one is wanted and a plain one is looked up without a byte loop; otherwise each value's bytes are
 * searched for a backslash. The loop over an object's records is a function of its own, small: V8
 * optimises it (on stack, during a worker's first object) without the rest of planRecords, whose one-time
 * calls have no type feedback yet then (optimised with them, planRecords was deoptimised and compiled
 * again). One store per record, whatever the case, for the same reason: a store site first reached late
 * costs a deoptimisation.
 */
function wantedByName(spans: Elements, names: NameBytes, bytes: Uint8Array): Uint8Array {
  const { nameFrom, nameTo, nameEscaped } = spans;
  const n = nameFrom.length;
  const wanted = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const from = nameFrom[k] as number;
    const esc = nameEscaped === undefined ? UNKNOWN_ESCAPE : (nameEscaped[k] as number);
    wanted[k] =
      from < 0 || esc === 1
        ? 1
        : esc === 0
          ? names.named(bytes, from, nameTo[k] as number)
          : names.wanted(bytes, from, nameTo[k] as number);
  }
  return wanted;
}

/** {@link Elements.nameEscaped}'s "not known" (the reference scan gives no marks). */
const UNKNOWN_ESCAPE = 2;

/** Marks the elements the scan found a needle in (the same hits as the passes of {@link markFound}). */
function orHits(wanted: Uint8Array, hits: Uint8Array): void {
  for (let k = 0; k < wanted.length; k++) wanted[k] = (wanted[k] as number) | (hits[k] as number);
}

const BACKSLASH = 0x5c;

/**
 * The relevant eventNames, looked up by the bytes of an eventName value: exactly `names.has` of the
 * bytes decoded as latin1 (every byte one character: a name with a character above U+00FF matches no
 * bytes), without a string made and hashed per record. Candidates are found by length, first and last
 * byte, then compared byte by byte.
 */
class NameBytes {
  private readonly byKey = new Map<number, Uint8Array[]>();
  private readonly longest: number;

  constructor(names: ReadonlySet<string>) {
    let longest = 0;
    for (const name of names) {
      if (!isLatin1(name)) continue;
      const b = Buffer.from(name, 'latin1');
      const key = nameKey(b, 0, b.length);
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [b]);
      else list.push(b);
      longest = Math.max(longest, b.length);
    }
    this.longest = longest;
  }

  /** 1 when a record whose eventName value is `b[from, to)` must be parsed: a relevant name, or escaped. */
  wanted(b: Uint8Array, from: number, to: number): number {
    if (this.named(b, from, to) === 1) return 1;
    for (let i = from; i < to; i++) if (b[i] === BACKSLASH) return 1;
    return 0;
  }

  /** 1 when `b[from, to)` is a relevant name's bytes, else 0. */
  named(b: Uint8Array, from: number, to: number): number {
    if (to - from <= this.longest) {
      const list = this.byKey.get(nameKey(b, from, to));
      if (list !== undefined) for (const name of list) if (sameBytes(name, b, from, to)) return 1;
    }
    return 0;
  }
}

/** A number for a name's bytes `b[from, to)`: its length, first and last byte (a small integer). */
function nameKey(b: Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len === 0) return 0;
  return ((len & 0x7fff) << 16) | ((b[from] as number) << 8) | (b[to - 1] as number);
}

function sameBytes(name: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  if (name.length !== to - from) return false;
  for (let j = 0; j < name.length; j++) if (name[j] !== b[from + j]) return false;
  return true;
}

/** A character above U+00FF (a regular expression: no JS loop for the worker to compile). */
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

function isLatin1(s: string): boolean {
  return !BEYOND_LATIN1.test(s);
}

const nameBytesCache = new WeakMap<ReadonlySet<string>, NameBytes>();

/** The byte lookup of a relevance test's names (made once per set). */
function nameBytesOf(names: ReadonlySet<string>): NameBytes {
  let nb = nameBytesCache.get(names);
  if (nb === undefined) {
    nb = new NameBytes(names);
    nameBytesCache.set(names, nb);
  }
  return nb;
}

/**
 * Marks in `wanted` the records the needles' `finders` hit, one pass per needle (when the scan did not
 * search).
 */
function markFound(
  hay: Hay,
  finders: readonly Finder[],
  headLen: number,
  bodyEnd: number,
  starts: ArrayLike<number>,
  wanted: Uint8Array,
): void {
  const n = starts.length;
  for (const finder of finders) {
    let k = 0;
    for (let at = hay.find(finder, headLen); at >= 0 && at < bodyEnd; ) {
      while (k + 1 < n && (starts[k + 1] as number) <= at) k++;
      wanted[k] = 1;
      // One hit is enough for a record: go on from the next one.
      if (k + 1 >= n) break;
      at = hay.find(finder, starts[k + 1] as number);
    }
  }
}

/**
 * Emits records [from, to) of a plan: the wanted ones parsed and judged by the full relevance test,
 * the others counted as skipped. A wanted record that does not parse is reported and the rest go on.
 */
function emitPlanned(plan: Plan, from: number, to: number, baseLine: number, sink: TextSink): void {
  const { hay, starts, ends, wanted, rel } = plan;
  for (let k = from; k < to; k++) {
    if (wanted[k] === 0) {
      sink.skip();
      continue;
    }
    const start = starts[k] as number;
    const end = ends[k] as number;
    const rec = parseWanted(hay.text(start, end), k, baseLine, sink);
    if (rec !== undefined) judgeRecord(rec, k, baseLine, () => hay.text(start, end), rel, sink);
  }
}

/** Parses wanted record `k` (0-based) of its object; one that is not valid JSON is reported, and undefined. */
function parseWanted(
  text: string,
  k: number,
  line: number,
  sink: TextSink,
): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    sink.problem(line, `record ${k + 1}: ${jsonReason(err)}`);
    return undefined;
  }
}

/**
 * What becomes of a wanted record once parsed (record `k`, 0-based, of its object), wherever it was
 * parsed: an EventBridge envelope gives its detail; a record the full relevance test (its pair, or a
 * needle in `text`) rejects is skipped; any other is emitted. The one place both the in-thread split
 * and the unpacking of a worker's packed records decide it, so the two cannot differ.
 */
function judgeRecord(
  rec: Record<string, unknown>,
  k: number,
  line: number,
  text: () => string,
  rel: RelevanceTest,
  sink: TextSink,
): void {
  if ('detail-type' in rec && 'detail' in rec) {
    emitElement(rec, k + 1, line, sink);
    return;
  }
  const es = rec.eventSource;
  const en = rec.eventName;
  if (typeof es === 'string' && typeof en === 'string' && !rel(es, en, text)) sink.skip();
  else sink.record(rec, line);
}

/**
 * Splits a one-line text (a whole S3 log object, decoded) and emits its records, every one at line
 * `baseLine`. Returns false, having emitted nothing, when the text is not of that shape; the caller
 * then parses it whole and words any problem.
 */
export function splitRecords(text: string, baseLine: number, sink: TextSink, rel: PairsRelevance): boolean {
  // The byte scan answers for the text's UTF-8 (one native encode), so one scan serves both entries.
  const plan = planRecords(bytesHay(Buffer.from(text, 'utf8')), rel);
  if (plan === null) return false;
  emitPlanned(plan, 0, plan.starts.length, baseLine, sink);
  return true;
}

/**
 * The split over a whole file's bytes, before any decoding: only the records it parses are ever
 * turned into strings. Returns a stepper that emits up to `max` more records per call (true when
 * done), so a large object never has all its records built at once; null (nothing emitted) when the
 * bytes are not a one-line S3 log object or the relevance test is not a pairs test, and the caller
 * then decodes the text and reads it as usual.
 */
export function splitRecordBytes(
  bytes: Buffer,
  sink: TextSink,
  utf8?: (bad: boolean) => void,
): ((max: number) => boolean) | null {
  const plan = planBytes(bytes, sink.relevant);
  if (plan === null) return null;
  utf8?.(badUtf8Of(bytes, plan));
  let next = 0;
  return function splitStep(max) {
    const to = Math.min(plan.starts.length, next + Math.max(1, max));
    emitPlanned(plan, next, to, 1, sink);
    next = to;
    return next >= plan.starts.length;
  };
}

/**
 * The plan of a whole file's bytes; null when they are not a one-line S3 log object (a line feed before
 * the last two bytes) or `rel` no pairs test. The line feed test reads only the bytes after the records
 * when the scan saw no control byte in them (multi-line text is scanned first, then refused: the same
 * null).
 */
function planBytes(bytes: Buffer, relevant: RelevanceTest | undefined): Plan | null {
  const rel = relevant as Partial<PairsRelevance> | undefined;
  if (rel?.names === undefined || bytes.length > FAST_PARSE_MAX_CHARS) return null;
  const plan = planRecords(bytesHay(bytes), rel as PairsRelevance);
  if (plan === null) return null;
  const nl = bytes.indexOf(NL, plan.noControl ? plan.bodyEnd : 0);
  return nl >= 0 && nl < bytes.length - 2 ? null : plan;
}

/** Whether a planned file's bytes are not valid UTF-8: not asked of simdutf when the scan saw only ASCII. */
function badUtf8Of(bytes: Buffer, plan: Plan): boolean {
  return !plan.ascii && !isUtf8(bytes);
}

/** Pieces up to this size are joined in one buffer kept for the thread (no allocation per piece). */
const SCRATCH_BYTES = 1 << 20;
let scratch: Buffer | undefined;

/** A buffer of at least `size` bytes to join a piece's records in (only until they are decoded). */
function joinBuffer(size: number): Buffer {
  if (size > SCRATCH_BYTES) return Buffer.allocUnsafe(size);
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return scratch;
}

/** One step of {@link packRecordBytes}: the wanted records of the next piece, and how many were not wanted. */
export interface PackStep {
  packed: PackedRecords;
  /** Records of the piece's stretch of the object that were not wanted (skipped, never decoded). */
  skipped: number;
}

/**
 * The split of {@link splitRecordBytes} without the parse: each step packs the text of up to `max`
 * more wanted records into one JSON array string (`PackedRecords`), counting the records between them
 * that are not wanted; `unpackRecords` later gives exactly the events `splitRecordBytes` would have
 * emitted for them. The last step's piece is `final`. Null (nothing done) in the same cases as
 * `splitRecordBytes`.
 * @param badUtf8 the bytes are not valid UTF-8 (passed on to the unpacking); when not given, worked out
 *   here (no check when the scan saw only ASCII).
 */
export function packRecordBytes(
  bytes: Buffer,
  relevant: RelevanceTest | undefined,
  badUtf8?: boolean,
): ((max: number) => PackStep) | null {
  const plan = planBytes(bytes, relevant);
  if (plan === null) return null;
  const bad = badUtf8 ?? badUtf8Of(bytes, plan);
  const { starts, ends, wanted } = plan;
  const n = starts.length;
  let next = 0;
  return function packStep(max) {
    const most = Math.max(1, max);
    const picked: number[] = [];
    let skipped = 0;
    // The array's brackets, and a comma between records.
    let size = 1;
    let k = next;
    for (; k < n && picked.length < most; k++) {
      if (wanted[k] === 0) skipped++;
      else {
        picked.push(k);
        size += (ends[k] as number) - (starts[k] as number) + 1;
      }
    }
    // Records not wanted after the last one picked belong to this piece: the last piece is then final.
    for (; k < n && wanted[k] === 0; k++) skipped++;
    next = k;
    if (picked.length === 0) size = 2;
    const joined = joinBuffer(size);
    const meta = new Int32Array(3 * picked.length);
    joined[0] = LBRACK;
    let at = 1;
    for (let j = 0; j < picked.length; j++) {
      const r = picked[j] as number;
      if (j > 0) joined[at++] = COMMA;
      const from = starts[r] as number;
      const to = ends[r] as number;
      bytes.copy(joined, at, from, to);
      meta[3 * j] = r;
      meta[3 * j + 1] = at;
      meta[3 * j + 2] = at + to - from;
      at += to - from;
    }
    joined[at] = RBRACK;
    // Records start at `{` and end after `}`, and the joints are ASCII: each record decodes as it would
    // alone (invalid bytes included), so the one decode gives the very texts the in-thread split parses.
    const text = joined.toString('utf8', 0, size);
    if (text.length !== size) {
      // Some multi-byte UTF-8: the UTF-16 offsets differ from the byte offsets.
      at = 1;
      for (let j = 0; j < picked.length; j++) {
        const r = picked[j] as number;
        const len = bytes.toString('utf8', starts[r] as number, ends[r] as number).length;
        meta[3 * j + 1] = at;
        meta[3 * j + 2] = at + len;
        at += len + 1;
      }
    }
    return { packed: { text, meta, line: 1, badUtf8: bad, final: next >= n }, skipped };
  };
}

/**
 * Emits the records of a packed piece into `sink` exactly as `splitRecordBytes` would have emitted
 * them: parsed all at once, or (when that fails: a record is not valid JSON) one by one with each
 * failure reported as the split reports it; then judged by `sink.relevant`, which must be the pairs
 * test the records were packed with.
 */
export function unpackRecords(packed: PackedRecords, sink: TextSink): void {
  const rel = sink.relevant;
  if (rel === undefined)
    throw new CloudTrailReadError('packed records are unpacked with their relevance test');
  const { text, meta, line } = packed;
  const n = meta.length / 3;
  let all: unknown;
  try {
    all = JSON.parse(text);
  } catch {
    all = null;
  }
  const whole = Array.isArray(all) && all.length === n ? (all as unknown[]) : null;
  for (let j = 0; j < n; j++) {
    const k = meta[3 * j] as number;
    const from = meta[3 * j + 1] as number;
    const to = meta[3 * j + 2] as number;
    const rec =
      whole !== null
        ? (whole[j] as Record<string, unknown>)
        : parseWanted(text.slice(from, to), k, line, sink);
    if (rec !== undefined) judgeRecord(rec, k, line, () => text.slice(from, to), rel, sink);
  }
}
