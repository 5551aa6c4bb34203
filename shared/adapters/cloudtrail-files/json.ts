/**
 * What the JSON scanner and the S3-object record split share: the character codes they test, the one
 * numbering of the member keys they recognise, the sink that receives records, and the helpers that
 * emit an already parsed value the same way the scans would.
 */
import { jsonReason } from './text.js';
import type { RelevanceTest } from './types.js';

export { jsonReason };

/** Character codes of JSON's structure (the same in UTF-16 and UTF-8). */
export const QUOTE = 34;
export const BSLASH = 92;
export const LBRACE = 123;
export const RBRACE = 125;
export const LBRACK = 91;
export const RBRACK = 93;
export const COMMA = 44;
export const COLON = 58;
export const NL = 10;
export const CR = 13;
export const SPACE = 32;
export const TAB = 9;

/** Member keys the scans recognise; every other key is KEY_OTHER. */
export const KEY_OTHER = 0;
export const KEY_EVENT_SOURCE = 1;
export const KEY_EVENT_NAME = 2;
export const KEY_RECORDS = 3;
export const KEY_DETAIL = 4;
export const KEY_DETAIL_TYPE = 5;

/** Receives what a text held, in order. */
export interface TextSink {
  readonly relevant: RelevanceTest | undefined;
  record(raw: Record<string, unknown>, line: number): void;
  /** A record rejected by `relevant`. */
  skip(): void;
  problem(line: number | null, reason: string): void;
}

/** True for the four JSON whitespace characters. */
export function isWs(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL;
}

/** True for a non-null object that is not an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON kind of a parsed value, for problem reasons (`null`, `array`, `string`, …). */
export function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** True when a parsed record passes `relevant` (a record without string eventSource/eventName does). */
export function parsedIsRelevant(rec: Record<string, unknown>, relevant: RelevanceTest): boolean {
  const es = rec.eventSource;
  const en = rec.eventName;
  return typeof es === 'string' && typeof en === 'string' ? relevant(es, en) : true;
}

/**
 * Emits one parsed element of a record array (`index` 1-based; 0 for a top-level value): an EventBridge
 * envelope gives its `detail`; anything but an object is a problem.
 */
export function emitElement(el: unknown, index: number, line: number, sink: TextSink): void {
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

/** The slow path: emits a value that was parsed whole, with the same shapes and outcomes as the scan. */
export function emitParsed(value: unknown, line: number, sink: TextSink): void {
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
