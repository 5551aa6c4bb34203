/**
 * The text processor: turns the decoded text of one source, pushed piece by piece, into records and
 * problems. It splits JSON lines or collects a single multi-line document (the line/document state
 * machine), hands each to the JSON scanner (./scanner.ts), caps the problems reported per file and
 * names fields that held invalid UTF-8.
 */
import { bracketDepth, isBlank, isSingleObject, processText, type TextSink } from './scanner.js';
import { clip } from './text.js';
import type { FileChunk, RelevanceTest, SourceProblem, SourceRecord } from './types.js';

/** Most problems reported for one file; the rest are summarised in one line. */
const MAX_PROBLEMS_PER_FILE = 100;
/** First lines that open a pretty-printed document: `{`, `[`, `{"Records": [`, `[{`. */
const OPENING = /^\s*[[{]\s*(?:"Records"\s*:\s*\[\s*)?[[{]?\s*$/;

/** Turns decoded text into events; the line/document state machine. */
export class TextProcessor implements TextSink {
  events: Array<SourceRecord | SourceProblem> = [];
  skipped = 0;
  /** Records found (yielded or skipped). */
  decoded = 0;
  sawContent = false;
  private lineNo = 1;
  private carry: string[] = [];
  private carryLen = 0;
  private overlong = false;
  private started = false;
  private mode: 'undecided' | 'lines' | 'doc' = 'undecided';
  /** Bracket depth of the pending document lines; 0 means they hold complete values. */
  private depth = 0;
  /** Dropping the rest of a document that was over the size limit. */
  private skipping = false;
  private pending: string[] = [];
  private pendingStart = 0;
  private pendingLen = 0;
  private shown = 0;
  private hidden = 0;
  private truncated = false;

  constructor(
    readonly path: string,
    readonly relevant: RelevanceTest | undefined,
    private readonly maxChars: number,
  ) {}

  /**
   * Set when the bytes are not valid UTF-8: records are then searched for the replacement character
   * the decoder put in, and one that holds it is reported instead of evaluated with mangled text.
   */
  badUtf8 = false;

  record(raw: Record<string, unknown>, line: number): void {
    this.decoded++;
    if (this.badUtf8) {
      const where = replacedAt(raw);
      if (where !== null) {
        const id = typeof raw.eventID === 'string' ? ` (eventID ${clip(raw.eventID, 40)})` : '';
        this.problem(line, `invalid UTF-8 in ${clip(where, 60)}${id}; not evaluated`);
        return;
      }
    }
    this.events.push({ raw, path: this.path, line });
  }

  skip(): void {
    this.decoded++;
    this.skipped++;
  }

  problem(line: number | null, reason: string): void {
    if (this.shown >= MAX_PROBLEMS_PER_FILE) {
      this.hidden++;
      return;
    }
    this.shown++;
    this.events.push({ path: this.path, line, reason });
  }

  push(text: string): void {
    let from = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) from = 1;
    }
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) {
        this.append(from === 0 ? text : text.slice(from));
        return;
      }
      const piece = text.slice(from, nl);
      if (this.overlong) {
        this.overlong = false;
      } else if (this.carryLen + piece.length > this.maxChars) {
        this.tooLong();
        this.overlong = false;
      } else {
        const line = this.carry.length > 0 ? this.carry.join('') + piece : piece;
        this.carry = [];
        this.carryLen = 0;
        this.line(line, this.lineNo);
      }
      this.lineNo++;
      from = nl + 1;
    }
  }

  private append(piece: string): void {
    if (this.overlong || piece.length === 0) return;
    if (this.carryLen + piece.length > this.maxChars) {
      this.tooLong();
      return;
    }
    this.carry.push(piece);
    this.carryLen += piece.length;
  }

  private tooLong(): void {
    this.problem(this.lineNo, `line longer than ${mb(this.maxChars)}; skipped`);
    this.sawContent = true;
    this.carry = [];
    this.carryLen = 0;
    this.overlong = true;
  }

  private line(line: string, n: number): void {
    if (!this.sawContent && !isBlank(line)) this.sawContent = true;
    switch (this.mode) {
      case 'lines':
        processText(line, n, this, { truncated: this.truncated, oneLine: true });
        return;
      case 'doc':
        this.docLine(line, n);
        return;
      case 'undecided':
        this.undecided(line, n);
        return;
    }
  }

  /**
   * A line of pretty-printed JSON. Lines are collected until their brackets balance, so that
   * concatenated documents (jq output) stream one value at a time; a single document is whole.
   */
  private docLine(line: string, n: number): void {
    if (this.pending.length === 0 && !this.skipping) {
      if (isBlank(line)) return;
      this.pendingStart = n;
      this.pendingLen = 0;
    }
    this.depth += bracketDepth(line);
    if (this.skipping) {
      if (this.depth <= 0) {
        this.skipping = false;
        this.depth = 0;
      }
      return;
    }
    this.pending.push(line);
    this.pendingLen += line.length + 1;
    if (this.depth <= 0) {
      this.flushDoc(false);
    } else if (this.pendingLen > this.maxChars) {
      this.problem(this.pendingStart, `document larger than ${mb(this.maxChars)}; skipped`);
      this.pending = [];
      this.skipping = true;
    }
  }

  private flushDoc(truncated: boolean): void {
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('\n');
    this.pending = [];
    this.depth = 0;
    processText(text, this.pendingStart, this, { truncated });
  }

  /**
   * Tells JSON lines from a pretty-printed document: a first line that is complete on its own
   * means JSON lines, one that opens a document (`{`, `[`, `{"Records": [`) a document. Any other
   * incomplete first line is decided by the next one: a complete object there means JSON lines
   * (the first was a broken line), anything else a document.
   */
  private undecided(line: string, n: number): void {
    if (this.pending.length === 0) {
      if (isBlank(line)) return;
      const opts = { deferIfIncomplete: !this.truncated, truncated: this.truncated, oneLine: true };
      if (processText(line, n, this, opts) === 'done') {
        this.mode = 'lines';
        return;
      }
      if (OPENING.test(line)) {
        this.mode = 'doc';
        this.docLine(line, n);
        return;
      }
      this.pending = [line];
      this.pendingStart = n;
      this.pendingLen = line.length + 1;
      return;
    }
    if (isBlank(line)) {
      this.pending.push(line);
      this.pendingLen += line.length + 1;
      return;
    }
    const held = this.pending;
    const start = this.pendingStart;
    this.pending = [];
    if (isSingleObject(line)) {
      this.mode = 'lines';
      processText(held[0] as string, start, this, { oneLine: true });
      processText(line, n, this, { oneLine: true });
      return;
    }
    this.mode = 'doc';
    for (let k = 0; k < held.length; k++) this.docLine(held[k] as string, start + k);
    this.docLine(line, n);
  }

  /** End of input; `truncated` when the input was cut (what is complete is kept quietly). */
  end(truncated: boolean): void {
    this.truncated = truncated;
    if (!this.overlong && this.carry.length > 0) {
      const last = this.carry.join('');
      this.carry = [];
      this.line(last, this.lineNo);
    }
    if (this.pending.length > 0 && this.mode === 'doc') this.flushDoc(truncated);
    else if (this.pending.length > 0) {
      const text = this.pending.join('\n');
      this.pending = [];
      processText(text, this.pendingStart, this, { truncated });
    }
  }

  /** Reports the problems that were over the per-file limit. */
  finish(): void {
    if (this.hidden > 0) {
      this.events.push({
        path: this.path,
        line: null,
        reason: `${this.hidden} more problems not shown`,
        count: this.hidden,
      });
      this.hidden = 0;
    }
  }

  take(bytes: number): FileChunk {
    const chunk: FileChunk = { events: this.events, bytes, skipped: this.skipped };
    this.events = [];
    this.skipped = 0;
    return chunk;
  }
}

/**
 * Dotted path of the first key or string value holding U+FFFD (what the decoder put in for invalid
 * UTF-8), or null. Iterative: records may be nested thousands of levels deep.
 */
function replacedAt(raw: Record<string, unknown>): string | null {
  const stack: Array<[unknown, string]> = [[raw, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, at] = top;
    if (typeof v === 'string') {
      if (v.includes('\uFFFD')) return at || '(record)';
    } else if (Array.isArray(v)) {
      for (let k = v.length - 1; k >= 0; k--) stack.push([v[k], `${at}[${k}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] as string;
        const sub = at.length > 200 ? at : at ? `${at}.${key}` : key;
        if (key.includes('\uFFFD')) return sub;
        stack.push([(v as Record<string, unknown>)[key], sub]);
      }
    }
  }
  return null;
}

function mb(chars: number): string {
  return chars >= 1 << 20 ? `${Math.round(chars / (1 << 20))} MB` : `${chars} characters`;
}
