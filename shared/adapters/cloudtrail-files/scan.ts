/**
 * A string-aware brace/bracket scanner over JSON text. It splits `{"Records":[…]}` documents,
 * arrays and single records into per-record spans and reads each record's TOP-LEVEL
 * `eventSource`/`eventName` without building objects, so that records the caller does not need
 * are never `JSON.parse`d. Whenever the scan cannot decide, the text is parsed instead.
 */
import { jsonReason } from './text.js';
import type { PairsRelevance, RelevanceTest } from './types.js';

const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const COMMA = 44;
const COLON = 58;
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * Runs of text that are neither brackets nor newlines, and whole strings, skipped at native speed.
 * Bounded repetitions keep irregexp's backtrack stack small on huge or escape-heavy strings; where
 * the pattern stops short, the loop in skipValue takes over.
 */
const SKIP = /(?:[^"{}[\]\n]+|"[^"\\\n]*(?:\\.[^"\\\n]*){0,256}"){0,256}/y;

/** One whole string (same bounds as SKIP). */
const STRING = /"[^"\\\n]*(?:\\.[^"\\\n]*){0,256}"/y;

const OK = 0;
const INCOMPLETE = 1;
const MALFORMED = 2;

const KEY_OTHER = 0;
const KEY_EVENT_SOURCE = 1;
const KEY_EVENT_NAME = 2;
const KEY_RECORDS = 3;
const KEY_DETAIL = 4;
const KEY_DETAIL_TYPE = 5;

/** One record (or non-record element) found by the scan. */
interface Span {
  start: number;
  end: number;
  line: number;
  /** 1-based position in its array; 0 for a top-level value. */
  index: number;
  eventSource: string | undefined;
  eventName: string | undefined;
  /** Set when the element cannot be a record: the problem to report. */
  problem?: string;
}

/** What the scan learnt about an object's depth-1 members. */
interface Members {
  eventSource: string | undefined;
  eventName: string | undefined;
  detailType: boolean;
  detail: { start: number; end: number; line: number } | null;
  records: 'none' | 'array' | 'not-array';
}

/** Receives what a text held, in order. */
export interface TextSink {
  readonly relevant: RelevanceTest | undefined;
  record(raw: Record<string, unknown>, line: number): void;
  /** A record rejected by `relevant`. */
  skip(): void;
  problem(line: number | null, reason: string): void;
}

export interface TextOptions {
  /** When the FIRST value of the text is incomplete, emit nothing and return `deferred`. */
  deferIfIncomplete?: boolean;
  /** The input was cut (truncated gzip): keep what is complete and stay quiet about the cut. */
  truncated?: boolean;
  /** `text` is one line: with no relevance test, a plain JSON.parse gives the same result, faster. */
  oneLine?: boolean;
}

function keyId(s: string, at: number, len: number): number {
  switch (len) {
    case 11:
      return s.startsWith('eventSource', at)
        ? KEY_EVENT_SOURCE
        : s.startsWith('detail-type', at)
          ? KEY_DETAIL_TYPE
          : KEY_OTHER;
    case 9:
      return s.startsWith('eventName', at) ? KEY_EVENT_NAME : KEY_OTHER;
    case 7:
      return s.startsWith('Records', at) ? KEY_RECORDS : KEY_OTHER;
    case 6:
      return s.startsWith('detail', at) ? KEY_DETAIL : KEY_OTHER;
    default:
      return KEY_OTHER;
  }
}

function decodedKeyId(key: string): number {
  switch (key) {
    case 'eventSource':
      return KEY_EVENT_SOURCE;
    case 'eventName':
      return KEY_EVENT_NAME;
    case 'Records':
      return KEY_RECORDS;
    case 'detail':
      return KEY_DETAIL;
    case 'detail-type':
      return KEY_DETAIL_TYPE;
    default:
      return KEY_OTHER;
  }
}

function typeOfStart(c: number): string {
  if (c === QUOTE) return 'string';
  if (c === LBRACK) return 'array';
  if (c === LBRACE) return 'object';
  if (c === 110) return 'null';
  if (c === 116 || c === 102) return 'boolean';
  return 'number';
}

class Scanner {
  i = 0;
  status = OK;
  spans: Span[] = [];

  constructor(
    readonly s: string,
    public line: number,
  ) {}

  skipWs(): void {
    const s = this.s;
    const n = s.length;
    let i = this.i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === SPACE || c === TAB || c === CR) i++;
      else if (c === NL) {
        this.line++;
        i++;
      } else break;
    }
    this.i = i;
  }

  /** Index just after the closing quote of the string opening at `i`; -1 when the text ends first. */
  stringEnd(i: number): number {
    STRING.lastIndex = i;
    if (STRING.test(this.s)) return STRING.lastIndex;
    // Escape-heavy, cut short, or with a raw newline: walk it.
    const s = this.s;
    const n = s.length;
    let j = i + 1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === QUOTE) return j + 1;
      j += c === BSLASH ? 2 : 1;
    }
    return -1;
  }

  fail(status: number): false {
    this.status = status;
    return false;
  }

  /** Skips the value at `i`. Loose: checks strings and nesting, not every token. */
  skipValue(): boolean {
    const s = this.s;
    const n = s.length;
    let i = this.i;
    if (i >= n) return this.fail(INCOMPLETE);
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      const e = this.stringEnd(i);
      if (e < 0) return this.fail(INCOMPLETE);
      this.i = e;
      return true;
    }
    if (c === LBRACE || c === LBRACK) {
      let depth = 0;
      let line = this.line;
      while (i < n) {
        // Native-speed jump over everything that is neither a bracket nor a newline, strings included.
        SKIP.lastIndex = i;
        if (SKIP.test(s)) i = SKIP.lastIndex;
        if (i >= n) break;
        const d = s.charCodeAt(i++);
        if (d === LBRACE || d === LBRACK) depth++;
        else if (d === RBRACE || d === RBRACK) {
          depth--;
          if (depth === 0) {
            this.i = i;
            this.line = line;
            return true;
          }
        } else if (d === NL) line++;
        else if (d === QUOTE) {
          // A string the pattern did not take (very long run of escapes, raw newline, or cut short).
          const e = this.stringEnd(i - 1);
          if (e < 0) break;
          i = e;
        }
        // Anything else: the pattern stopped at its repetition bound; go on from here.
      }
      this.line = line;
      return this.fail(INCOMPLETE);
    }
    const start = i;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d === COMMA || d === RBRACE || d === RBRACK || d === SPACE || d === NL || d === CR || d === TAB)
        break;
      i++;
    }
    if (i === start) return this.fail(MALFORMED);
    this.i = i;
    return true;
  }

  /** Reads the (short) string at `i`: a key or an eventName value. */
  readString(): string | undefined {
    const s = this.s;
    const n = s.length;
    const start = this.i;
    let j = start + 1;
    let escaped = false;
    for (;;) {
      if (j >= n) {
        this.status = INCOMPLETE;
        return undefined;
      }
      const c = s.charCodeAt(j);
      if (c === QUOTE) break;
      if (c === BSLASH) {
        escaped = true;
        j += 2;
      } else j++;
    }
    this.i = j + 1;
    if (!escaped) return s.slice(start + 1, j);
    try {
      return JSON.parse(s.slice(start, j + 1)) as string;
    } catch {
      this.status = MALFORMED;
      return undefined;
    }
  }

  /** Scans the object at `i`. With `top`, the elements of a `Records` array become spans. */
  members(top: boolean): Members | null {
    const s = this.s;
    const n = s.length;
    const m: Members = {
      eventSource: undefined,
      eventName: undefined,
      detailType: false,
      detail: null,
      records: 'none',
    };
    this.i++;
    this.skipWs();
    if (this.i >= n) return this.failNull(INCOMPLETE);
    if (s.charCodeAt(this.i) === RBRACE) {
      this.i++;
      return m;
    }
    for (;;) {
      if (this.i >= n) return this.failNull(INCOMPLETE);
      if (s.charCodeAt(this.i) !== QUOTE) return this.failNull(MALFORMED);
      const keyStart = this.i;
      let id = KEY_OTHER;
      let j: number;
      const c0 = s.charCodeAt(keyStart + 1);
      if (c0 !== 101 && c0 !== 82 && c0 !== 100 && c0 !== BSLASH) {
        // Cannot be (or decode to) eventSource, eventName, Records, detail or detail-type: no 'e', 'R', 'd'
        // or escape first. Just find its end.
        const e = this.stringEnd(keyStart);
        if (e < 0) return this.failNull(INCOMPLETE);
        j = e - 1;
      } else {
        j = keyStart + 1;
        let escaped = false;
        for (;;) {
          if (j >= n) return this.failNull(INCOMPLETE);
          const c = s.charCodeAt(j);
          if (c === QUOTE) break;
          if (c === BSLASH) {
            escaped = true;
            j += 2;
          } else j++;
        }
        if (escaped) {
          try {
            id = decodedKeyId(JSON.parse(s.slice(keyStart, j + 1)) as string);
          } catch {
            return this.failNull(MALFORMED);
          }
        } else id = keyId(s, keyStart + 1, j - keyStart - 1);
      }
      this.i = j + 1;
      this.skipWs();
      if (this.i >= n) return this.failNull(INCOMPLETE);
      if (s.charCodeAt(this.i) !== COLON) return this.failNull(MALFORMED);
      this.i++;
      this.skipWs();
      if (this.i >= n) return this.failNull(INCOMPLETE);
      const c = s.charCodeAt(this.i);
      if (id === KEY_EVENT_SOURCE || id === KEY_EVENT_NAME) {
        let value: string | undefined;
        if (c === QUOTE) {
          value = this.readString();
          if (value === undefined) return null;
        } else if (!this.skipValue()) return null;
        if (id === KEY_EVENT_SOURCE) m.eventSource = value;
        else m.eventName = value;
      } else if (id === KEY_RECORDS && top) {
        if (c === LBRACK) {
          m.records = 'array';
          if (!this.elements()) return null;
        } else {
          m.records = 'not-array';
          if (!this.skipValue()) return null;
        }
      } else if (id === KEY_DETAIL) {
        const start = this.i;
        const line = this.line;
        if (!this.skipValue()) return null;
        m.detail = { start, end: this.i, line };
      } else {
        if (id === KEY_DETAIL_TYPE) m.detailType = true;
        if (!this.skipValue()) return null;
      }
      this.skipWs();
      if (this.i >= n) return this.failNull(INCOMPLETE);
      const d = s.charCodeAt(this.i);
      if (d === COMMA) {
        this.i++;
        this.skipWs();
        continue;
      }
      if (d === RBRACE) {
        this.i++;
        return m;
      }
      return this.failNull(MALFORMED);
    }
  }

  failNull(status: number): null {
    this.status = status;
    return null;
  }

  /** Scans the array at `i`, pushing one span per element. */
  elements(): boolean {
    const s = this.s;
    const n = s.length;
    this.i++;
    this.skipWs();
    if (this.i >= n) return this.fail(INCOMPLETE);
    if (s.charCodeAt(this.i) === RBRACK) {
      this.i++;
      return true;
    }
    for (let index = 1; ; index++) {
      const start = this.i;
      const line = this.line;
      const c = s.charCodeAt(start);
      if (c === LBRACE) {
        const m = this.members(false);
        if (m === null) return false;
        this.spans.push(this.recordSpan(m, start, this.i, line, index));
      } else {
        if (!this.skipValue()) return false;
        this.spans.push({
          start,
          end: this.i,
          line,
          index,
          eventSource: undefined,
          eventName: undefined,
          problem: `record ${index} is not an object (${typeOfStart(c)})`,
        });
      }
      this.skipWs();
      if (this.i >= n) return this.fail(INCOMPLETE);
      const d = s.charCodeAt(this.i);
      if (d === COMMA) {
        this.i++;
        this.skipWs();
        continue;
      }
      if (d === RBRACK) {
        this.i++;
        return true;
      }
      return this.fail(MALFORMED);
    }
  }

  /** The span of a record object, unwrapping an EventBridge envelope to its `detail`. */
  recordSpan(m: Members, start: number, end: number, line: number, index: number): Span {
    if (m.detailType && m.detail) {
      const d = m.detail;
      const prefix = index > 0 ? `record ${index}: ` : '';
      const first = this.s.charCodeAt(d.start);
      if (first !== LBRACE) {
        const problem = `${prefix}EventBridge event detail is not an object (${typeOfStart(first)})`;
        return {
          start: d.start,
          end: d.end,
          line: d.line,
          index,
          eventSource: undefined,
          eventName: undefined,
          problem,
        };
      }
      const sub = new Scanner(this.s, d.line);
      sub.i = d.start;
      const dm = sub.members(false);
      return {
        start: d.start,
        end: d.end,
        line: d.line,
        index,
        eventSource: dm?.eventSource,
        eventName: dm?.eventName,
      };
    }
    return { start, end, line, index, eventSource: m.eventSource, eventName: m.eventName };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function parsedIsRelevant(rec: Record<string, unknown>, relevant: RelevanceTest): boolean {
  const es = rec.eventSource;
  const en = rec.eventName;
  return typeof es === 'string' && typeof en === 'string' ? relevant(es, en) : true;
}

/** Emits the spans of one value; JSON.parse only where needed. Returns how many were records. */
function emitSpans(text: string, spans: Span[], sink: TextSink): number {
  const relevant = sink.relevant;
  let records = 0;
  for (const sp of spans) {
    if (sp.problem !== undefined) {
      sink.problem(sp.line, sp.problem);
      continue;
    }
    records++;
    const decided = sp.eventSource !== undefined && sp.eventName !== undefined;
    if (
      relevant &&
      decided &&
      !relevant(sp.eventSource as string, sp.eventName as string, () => text.slice(sp.start, sp.end))
    ) {
      sink.skip();
      continue;
    }
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text.slice(sp.start, sp.end)) as Record<string, unknown>;
    } catch (err) {
      sink.problem(sp.line, sp.index > 0 ? `record ${sp.index}: ${jsonReason(err)}` : jsonReason(err));
      continue;
    }
    if (relevant && !decided && !parsedIsRelevant(raw, relevant)) {
      sink.skip();
      continue;
    }
    sink.record(raw, sp.line);
  }
  return records;
}

function emitElement(el: unknown, index: number, line: number, sink: TextSink): void {
  if (!isObject(el)) {
    sink.problem(line, `record ${index} is not an object (${kindOf(el)})`);
    return;
  }
  let rec = el;
  if ('detail-type' in el && 'detail' in el) {
    if (!isObject(el.detail)) {
      const prefix = index > 0 ? `record ${index}: ` : '';
      sink.problem(line, `${prefix}EventBridge event detail is not an object (${kindOf(el.detail)})`);
      return;
    }
    rec = el.detail;
  }
  if (sink.relevant && !parsedIsRelevant(rec, sink.relevant)) sink.skip();
  else sink.record(rec, line);
}

/** The slow path: a value that was parsed whole. Same shapes and outcomes as the scan. */
function emitParsed(value: unknown, line: number, sink: TextSink): void {
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) emitElement(value[k], k + 1, line, sink);
    return;
  }
  if (!isObject(value)) {
    sink.problem(line, `not a CloudTrail record (${kindOf(value)})`);
    return;
  }
  if ('Records' in value) {
    const records = value.Records;
    if (!Array.isArray(records)) sink.problem(line, 'Records is not an array');
    else for (let k = 0; k < records.length; k++) emitElement(records[k], k + 1, line, sink);
    return;
  }
  emitElement(value, 0, line, sink);
}

/** Texts up to this size may be parsed whole (CloudTrail's S3 objects are a few MB). */
const FAST_PARSE_MAX_CHARS = 64 * 1024 * 1024;

function isSingleLine(text: string): boolean {
  const nl = text.indexOf('\n');
  return nl < 0 || nl >= text.length - 2;
}

/** The same sink, judging relevance with `relevant` instead. */
function withRelevance(sink: TextSink, relevant: RelevanceTest): TextSink {
  return {
    relevant,
    record: (raw, line) => sink.record(raw, line),
    skip: () => sink.skip(),
    problem: (line, reason) => sink.problem(line, reason),
  };
}

function parseFailure(text: string): unknown {
  try {
    JSON.parse(text);
    return new Error('unexpected end of input');
  } catch (err) {
    return err;
  }
}

const RECORDS_HEAD = '{"Records":[';

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

function findersOf(needles: readonly string[]): Finder[] {
  let f = needleFinders.get(needles);
  if (!f) {
    f = needles.map((n) => new Finder(n));
    needleFinders.set(needles, f);
  }
  return f;
}

/** What the split reads of a text: the same questions over a string or over UTF-8 bytes. */
interface Hay {
  readonly length: number;
  /** The elements of the array body [from, to); null unless all are objects and it balances. */
  spans(from: number, to: number): Elements | null;
  /** Code unit (string) or byte (Buffer) at `i`: only ever asked of ASCII structure. */
  code(i: number): number;
  find(f: Finder, from: number): number;
  text(from: number, to: number): string;
}

function stringHay(s: string): Hay {
  return {
    length: s.length,
    spans: (from, to) =>
      elementSpans(
        (i) => s.charCodeAt(i),
        (i) => s.indexOf('"', i),
        from,
        to,
      ),
    code: (i) => s.charCodeAt(i),
    find: (f, from) => f.next(s, from),
    text: (from, to) => s.slice(from, to),
  };
}

function bytesHay(b: Buffer): Hay {
  return {
    length: b.length,
    spans: (from, to) =>
      elementSpans(
        (i) => b[i] as number,
        (i) => b.indexOf(QUOTE, i),
        from,
        to,
      ),
    code: (i) => b[i] ?? -1,
    find: (f, from) => f.nextByte(b, from),
    // Pieces start at `{` and end after `}`, so a cut never splits a UTF-8 sequence.
    text: (from, to) => b.toString('utf8', from, to),
  };
}

/** What the depth scan learnt of an array body's elements. */
interface Elements {
  starts: number[];
  ends: number[];
  /**
   * Per element, the span of its top-level `eventName` string value; -1 unless the element has exactly
   * one top-level `eventName` and one `eventSource`, both plain strings (otherwise it is undecided).
   */
  nameFrom: number[];
  nameTo: number[];
}

const EVENT_NAME = 'eventName';
const EVENT_SOURCE = 'eventSource';
const KEY_NONE = 0;
const KEY_NAME = 1;
const KEY_SOURCE = 2;

/**
 * The elements of an array body `[from, to)` by an exact, string-aware depth scan (strings jumped
 * over with a native search for their closing quote), with each element's top-level `eventName` when
 * it is a plain string. Null when an element is not an object or the brackets do not balance (the
 * caller then parses the whole text).
 */
function elementSpans(
  at: (i: number) => number,
  nextQuote: (i: number) => number,
  from: number,
  to: number,
): Elements | null {
  const el: Elements = { starts: [], ends: [], nameFrom: [], nameTo: [] };
  let depth = 0;
  // At depth 1 (an element's own members): is the next string a key, and which key the last one was.
  let expectKey = false;
  let key = KEY_NONE;
  // Per element: how many eventName / eventSource members were plain strings, and how many were not.
  let names = 0;
  let sources = 0;
  let odd = 0;
  let nameFrom = -1;
  let nameTo = -1;
  for (let i = from; i < to; i++) {
    const c = at(i);
    if (c === QUOTE) {
      // The closing quote is the first one not escaped by an odd run of backslashes.
      let q = nextQuote(i + 1);
      for (;;) {
        if (q < 0 || q >= to) return null;
        let k = q - 1;
        while (at(k) === BSLASH) k--;
        if ((q - 1 - k) % 2 === 0) break;
        q = nextQuote(q + 1);
      }
      if (depth === 0) return null;
      if (depth === 1) {
        if (expectKey) key = keyAt(at, i + 1, q - i - 1);
        else if (key === KEY_NAME) {
          names++;
          nameFrom = i + 1;
          nameTo = q;
          key = KEY_NONE;
        } else if (key === KEY_SOURCE) {
          sources++;
          key = KEY_NONE;
        }
      }
      i = q;
    } else if (c === LBRACE || c === LBRACK) {
      if (depth === 0) {
        if (c !== LBRACE) return null;
        el.starts.push(i);
        expectKey = true;
        key = KEY_NONE;
        names = 0;
        sources = 0;
        odd = 0;
      } else if (depth === 1 && key !== KEY_NONE) {
        odd++; // eventName or eventSource holds an object or an array
        key = KEY_NONE;
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
      else if (key !== KEY_NONE && !isWs(c)) {
        odd++; // a number, true, false or null
        key = KEY_NONE;
      }
    } else if (depth === 0 && c !== COMMA && !isWs(c)) {
      return null;
    }
  }
  return depth === 0 ? el : null;
}

/** Which of the keys the split cares about the (unescaped) key text at `from` is. */
function keyAt(at: (i: number) => number, from: number, len: number): number {
  const want = len === EVENT_NAME.length ? EVENT_NAME : len === EVENT_SOURCE.length ? EVENT_SOURCE : null;
  if (want === null) return KEY_NONE;
  for (let j = 0; j < len; j++) if (at(from + j) !== want.charCodeAt(j)) return KEY_NONE;
  return want === EVENT_NAME ? KEY_NAME : KEY_SOURCE;
}

function isWs(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL;
}

/**
 * The fastest path, for CloudTrail's S3 log objects: `{"Records":[…]}` on one line. The records are
 * found by an exact depth scan (strings jumped over natively), so an object nested in a record (a
 * bucket policy's Statement, say) is never taken for one. Only records whose text names a relevant
 * eventName, holds a needle, or has no literal `"eventName":"` at all (escaped keys) are decoded and
 * parsed; the others are counted as skipped without being built. A record can never hide: its own
 * eventName is in its text.
 *
 * Returns false, having emitted nothing, when the text is not of that shape or a chosen record does
 * not parse; the caller then parses the whole text and words any problem.
 */
/** The records of an S3 log object, and which of them to parse. */
interface Plan {
  hay: Hay;
  starts: number[];
  ends: number[];
  wanted: Uint8Array;
  rel: PairsRelevance;
}

function planRecords(hay: Hay, rel: PairsRelevance): Plan | null {
  const headLen = RECORDS_HEAD.length;
  for (let i = 0; i < headLen; i++) if (hay.code(i) !== RECORDS_HEAD.charCodeAt(i)) return null;
  let end = hay.length;
  while (end > 0 && isWs(hay.code(end - 1))) end--;
  if (end < headLen + 2) return null;
  if (hay.code(end - 1) !== RBRACE || hay.code(end - 2) !== RBRACK) return null;
  const bodyEnd = end - 2;
  const spans = hay.spans(headLen, bodyEnd);
  if (spans === null) return null;
  const { starts, ends } = spans;
  const n = starts.length;

  // 1 = parse this record: its top-level eventName is relevant, escaped, or not a plain string.
  const wanted = new Uint8Array(n);
  let k = 0;
  for (k = 0; k < n; k++) {
    const from = spans.nameFrom[k] as number;
    if (from < 0) {
      wanted[k] = 1;
      continue;
    }
    const name = hay.text(from, spans.nameTo[k] as number);
    if (rel.names.has(name) || name.includes('\\')) wanted[k] = 1;
  }
  for (const finder of findersOf(rel.needles)) {
    if (finder.pattern.length === 0) {
      wanted.fill(1);
      break;
    }
    k = 0;
    for (let at = hay.find(finder, headLen); at >= 0 && at < bodyEnd; ) {
      while (k + 1 < n && (starts[k + 1] as number) <= at) k++;
      wanted[k] = 1;
      // One hit is enough for a record: go on from the next one.
      if (k + 1 >= n) break;
      at = hay.find(finder, starts[k + 1] as number);
    }
  }

  return { hay, starts, ends, wanted, rel };
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
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(hay.text(start, end)) as Record<string, unknown>;
    } catch (err) {
      sink.problem(baseLine, `record ${k + 1}: ${jsonReason(err)}`);
      continue;
    }
    if ('detail-type' in rec && 'detail' in rec) {
      emitElement(rec, k + 1, baseLine, sink);
      continue;
    }
    const es = rec.eventSource;
    const en = rec.eventName;
    if (typeof es === 'string' && typeof en === 'string' && !rel(es, en, () => hay.text(start, end)))
      sink.skip();
    else sink.record(rec, baseLine);
  }
}

function splitRecords(hay: Hay, baseLine: number, sink: TextSink, rel: PairsRelevance): boolean {
  const plan = planRecords(hay, rel);
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
export function splitRecordBytes(bytes: Buffer, sink: TextSink): ((max: number) => boolean) | null {
  const rel = sink.relevant as Partial<PairsRelevance> | undefined;
  if (rel?.names === undefined || bytes.length > FAST_PARSE_MAX_CHARS) return null;
  const nl = bytes.indexOf(NL);
  if (nl >= 0 && nl < bytes.length - 2) return null;
  const plan = planRecords(bytesHay(bytes), rel as PairsRelevance);
  if (plan === null) return null;
  let next = 0;
  return (max) => {
    const to = Math.min(plan.starts.length, next + Math.max(1, max));
    emitPlanned(plan, next, to, 1, sink);
    next = to;
    return next >= plan.starts.length;
  };
}

/**
 * Emits every record of `text` (one JSON line, or a whole document whose first line is
 * `baseLine`), which may hold several concatenated values. Records found before a point where
 * the text is cut or broken are kept.
 */
export function processText(
  text: string,
  baseLine: number,
  sink: TextSink,
  opts: TextOptions = {},
): 'done' | 'deferred' {
  // Fast paths, for a single line of bounded size (every record's line is then `baseLine`, as the scan
  // would say). First, an S3 log object under a pairs test: split, and only wanted records parsed.
  const rel = sink.relevant as Partial<PairsRelevance> | undefined;
  const singleLine = opts.oneLine === true || isSingleLine(text);
  if (
    singleLine &&
    rel?.names !== undefined &&
    text.length <= FAST_PARSE_MAX_CHARS &&
    splitRecords(stringHay(text), baseLine, sink, rel as PairsRelevance)
  ) {
    return 'done';
  }
  // Then one JSON.parse of the whole text, its records filtered by their pair: V8's parser beats the
  // string-aware scan, unless the text holds a relevance needle (a needle test needs each record's
  // text, which only the scan has).
  if (
    singleLine &&
    text.length <= FAST_PARSE_MAX_CHARS &&
    (rel === undefined || (rel.pairsOnly !== undefined && !(rel.needles ?? []).some((n) => text.includes(n))))
  ) {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // The scan below keeps what is complete and words the problem.
    }
    if (parsed) {
      emitParsed(value, baseLine, rel?.pairsOnly ? withRelevance(sink, rel.pairsOnly) : sink);
      return 'done';
    }
  }
  const sc = new Scanner(text, baseLine);
  for (let first = true; ; first = false) {
    sc.skipWs();
    if (sc.i >= text.length) return 'done';
    const start = sc.i;
    const line = sc.line;
    sc.spans = [];
    const c = text.charCodeAt(start);
    let ok: boolean;
    let reason: string | undefined;
    if (c === LBRACE) {
      const m = sc.members(true);
      ok = m !== null;
      if (m !== null) {
        if (m.records === 'not-array') reason = 'Records is not an array';
        else if (m.records === 'none') sc.spans.push(sc.recordSpan(m, start, sc.i, line, 0));
      }
    } else if (c === LBRACK) {
      ok = sc.elements();
    } else {
      ok = sc.skipValue();
      if (ok) {
        let value: unknown;
        try {
          value = JSON.parse(text.slice(start, sc.i));
        } catch (err) {
          // Junk, not JSON: the rest of this text is not worth more reports.
          sink.problem(line, jsonReason(err));
          return 'done';
        }
        reason = `not a CloudTrail record (${kindOf(value)})`;
      }
    }
    if (ok) {
      emitSpans(text, sc.spans, sink);
      if (reason !== undefined) sink.problem(line, reason);
      continue;
    }
    if (sc.status === INCOMPLETE) {
      if (first && opts.deferIfIncomplete) return 'deferred';
      const n = emitSpans(text, sc.spans, sink);
      if (!opts.truncated) {
        sink.problem(
          line,
          n > 0 ? `truncated JSON after ${n} records` : jsonReason(parseFailure(text.slice(start))),
        );
      }
      return 'done';
    }
    // Malformed: JSON.parse has the last word (and the precise message).
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start));
    } catch (err) {
      const n = emitSpans(text, sc.spans, sink);
      sink.problem(line, n > 0 ? `after ${n} records: ${jsonReason(err)}` : jsonReason(err));
      return 'done';
    }
    emitParsed(value, line, sink);
    return 'done';
  }
}

/** Net change of bracket depth over `text` (one line), brackets inside strings ignored. */
export function bracketDepth(text: string): number {
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    SKIP.lastIndex = i;
    if (SKIP.test(text)) i = SKIP.lastIndex;
    if (i >= n) break;
    const d = text.charCodeAt(i++);
    if (d === LBRACE || d === LBRACK) depth++;
    else if (d === RBRACE || d === RBRACK) depth--;
    else if (d === QUOTE) {
      const sc = new Scanner(text, 0);
      const e = sc.stringEnd(i - 1);
      if (e < 0) break;
      i = e;
    }
  }
  return depth;
}

/** True when `text` is exactly one complete object (plus whitespace). */
export function isSingleObject(text: string): boolean {
  const sc = new Scanner(text, 1);
  sc.skipWs();
  if (text.charCodeAt(sc.i) !== LBRACE) return false;
  if (!sc.skipValue()) return false;
  sc.skipWs();
  return sc.i >= text.length;
}

/** True when `text` holds only whitespace. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR && c !== NL && c !== 0xfeff) return false;
  }
  return true;
}
