/**
 * The JSON scanner: a string-aware brace/bracket scanner over JSON text. It splits `{"Records":[…]}`
 * documents, arrays and single records into per-record spans and reads each record's TOP-LEVEL
 * `eventSource`/`eventName` without building objects, so that records the caller does not need are
 * never `JSON.parse`d. Whenever the scan cannot decide, the text is parsed instead. One-line S3 log
 * objects go to the record split first (./record-split.ts).
 *
 * Over 500 lines on purpose: the Scanner class is one state machine (values, members, strings, line
 * counting) whose methods share its cursor and status; cutting it across files would split one algorithm.
 */
import {
  BSLASH,
  COLON,
  COMMA,
  CR,
  emitParsed,
  jsonReason,
  KEY_DETAIL,
  KEY_DETAIL_TYPE,
  KEY_EVENT_NAME,
  KEY_EVENT_SOURCE,
  KEY_OTHER,
  KEY_RECORDS,
  kindOf,
  LBRACE,
  LBRACK,
  NL,
  parsedIsRelevant,
  QUOTE,
  RBRACE,
  RBRACK,
  SPACE,
  TAB,
  type TextSink,
} from './json.js';
import { FAST_PARSE_MAX_CHARS, splitRecords } from './record-split.js';
import type { PairsRelevance, RelevanceTest } from './types.js';

export type { TextSink } from './json.js';

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

/** How {@link processText} treats a text. */
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
  /** Whether the string last walked by {@link closingQuote} holds an escape. */
  escaped = false;

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
    const j = this.closingQuote(i);
    return j < 0 ? -1 : j + 1;
  }

  /**
   * Index of the closing quote of the string opening at `i`, walked character by character; -1 when the
   * text ends first. Sets {@link escaped} to whether the string holds an escape.
   */
  closingQuote(i: number): number {
    const s = this.s;
    const n = s.length;
    let j = i + 1;
    let escaped = false;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === QUOTE) {
        this.escaped = escaped;
        return j;
      }
      if (c === BSLASH) {
        escaped = true;
        j += 2;
      } else j++;
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
    const start = this.i;
    const j = this.closingQuote(start);
    if (j < 0) {
      this.status = INCOMPLETE;
      return undefined;
    }
    this.i = j + 1;
    if (!this.escaped) return s.slice(start + 1, j);
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
    const opened = this.open(RBRACE);
    if (opened !== 'more') return opened === 'end' ? m : null;
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
        j = this.closingQuote(keyStart);
        if (j < 0) return this.failNull(INCOMPLETE);
        if (this.escaped) {
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
      const next = this.separator(RBRACE);
      if (next !== 'more') return next === 'end' ? m : null;
    }
  }

  failNull(status: number): null {
    this.status = status;
    return null;
  }

  /** Scans the array at `i`, pushing one span per element. */
  elements(): boolean {
    const s = this.s;
    const opened = this.open(RBRACK);
    if (opened !== 'more') return opened === 'end';
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
      const next = this.separator(RBRACK);
      if (next !== 'more') return next === 'end';
    }
  }

  /**
   * Steps into the object or array opening at `i`: `end` (past `close`) when it is empty, `more` at its
   * first member or element, null (status set) when the text ends first.
   */
  open(close: number): 'more' | 'end' | null {
    this.i++;
    this.skipWs();
    if (this.i >= this.s.length) return this.failNull(INCOMPLETE);
    if (this.s.charCodeAt(this.i) !== close) return 'more';
    this.i++;
    return 'end';
  }

  /**
   * After a member or element: `more` past a comma (at the next one), `end` past `close`, null (status
   * set) when the text ends or holds anything else.
   */
  separator(close: number): 'more' | 'end' | null {
    this.skipWs();
    if (this.i >= this.s.length) return this.failNull(INCOMPLETE);
    const d = this.s.charCodeAt(this.i);
    if (d === COMMA) {
      this.i++;
      this.skipWs();
      return 'more';
    }
    if (d === close) {
      this.i++;
      return 'end';
    }
    return this.failNull(MALFORMED);
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
    splitRecords(text, baseLine, sink, rel as PairsRelevance)
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
