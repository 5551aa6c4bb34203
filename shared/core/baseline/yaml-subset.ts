/**
 * A strict reader for the part of YAML that baseline files use, so that reading one does not load, run
 * and compile a whole YAML parser (for a 274-line baseline the `yaml` package costs more CPU than the rest
 * of validation, most of it in optimising compiles of parser code that then barely runs).
 *
 * It reads block mappings and sequences laid out by indentation (spaces), flow mappings and sequences
 * that close on their line (`{ name: production }`, `["a", "b"]`), plain, single- and double-quoted
 * scalars on one line, comments, a leading `---`, and resolves plain scalars as the YAML 1.2 core schema
 * does. It returns exactly what parse.ts's node walker returns from the `yaml` package's document (the
 * same values, keys as written, and the same line for every key and list item) — or null for anything
 * else it meets (anchors, tags, block scalars, multi-line scalars or flow collections, tabs, a CR not
 * ending a line, odd
 * indentation, duplicate keys, directives, a second document, escapes it does not implement, …), and
 * then the caller reads the file with the `yaml` package, which also words every syntax error.
 */
import { appendPath } from './field-path.js';

/** Plain data and the line (1-based) of every map key and list item, by formatted path (`''` → 1). */
export interface SubsetDocument {
  data: Record<string, unknown>;
  lines: Map<string, number>;
}

interface Line {
  /** 1-based line number. */
  no: number;
  indent: number;
  text: string;
}

/** Thrown inside the reader when the text leaves the subset; never escapes readYamlSubset. */
const DECLINE = new Error('outside the YAML subset');

/** Far below the walker's limit (64), so that the yaml path reports anything near it. */
const MAX_DEPTH = 32;
/** The `yaml` package rejects implicit keys longer than 1024 characters; stay well below. */
const MAX_KEY = 1000;
/** Characters the reader does not take: tabs, CR (once CRLF is LF), other controls, BOM, line separators, surrogates. */
const UNSUPPORTED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029\ud800-\udfff]/;
/** Plain keys: a word of letters, digits and `_ . / @ + = -`, not starting with a YAML indicator. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./@+=-]*$/;

/**
 * Reads `text` (no BOM) when it lies in the subset, else returns null. Never throws.
 */
export function readYamlSubset(text: string): SubsetDocument | null {
  // CRLF is one line break in YAML (line numbers count LFs either way); a lone CR is declined below.
  const source = text.includes('\r') ? text.replace(/\r\n/g, '\n') : text;
  if (UNSUPPORTED.test(source)) return null;
  const lines: Line[] = [];
  const raw = source.split('\n');
  let started = false;
  for (let i = 0; i < raw.length; i += 1) {
    const text = raw[i] as string;
    const nonSpace = text.search(/[^ ]/);
    const indent = nonSpace < 0 ? text.length : nonSpace;
    if (indent === text.length || text[indent] === '#') continue;
    if (indent === 0 && (text.startsWith('---') || text.startsWith('...') || text[0] === '%')) {
      // A leading `---` alone opens the one document; any other marker or directive is declined.
      if (started || !/^---\s*$/.test(text)) return null;
      started = true;
      continue;
    }
    started = true;
    lines.push({ no: i + 1, indent, text });
  }
  const first = lines[0];
  if (first === undefined || first.indent !== 0) return null;
  const reader = new Reader(lines);
  try {
    const data = reader.mapping(0, -1, '', 0);
    if (reader.at !== lines.length) return null;
    return { data, lines: reader.map };
  } catch {
    // DECLINE, or anything unforeseen: the yaml path reads the file then.
    return null;
  }
}

function decline(): never {
  throw DECLINE;
}

class Reader {
  at = 0;
  readonly map = new Map<string, number>([['', 1]]);

  constructor(private readonly lines: readonly Line[]) {}

  /** A block node whose first line is the current one, at its indentation. */
  private block(path: string, depth: number): unknown {
    const line = this.lines[this.at] as Line;
    return isDash(line.text, line.indent)
      ? this.sequence(line.indent, path, depth)
      : this.mapping(line.indent, -1, path, depth);
  }

  /**
   * A block mapping at `indent`; its first entry starts at column `firstCol` of the current line when
   * that is a list item (`- key: value`), else every entry is a line of its own at `indent`.
   */
  mapping(indent: number, firstCol: number, path: string, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) decline();
    const out: Record<string, unknown> = {};
    const keys = new KeySet();
    let col = firstCol;
    while (this.at < this.lines.length) {
      const line = this.lines[this.at] as Line;
      if (col < 0) {
        if (line.indent < indent) break;
        if (line.indent > indent || isDash(line.text, indent)) decline();
        col = indent;
      }
      const { text, no } = line;
      const { name, value: keyValue, colon } = readKey(text, col, false);
      if (!endsToken(text, colon + 1)) decline();
      keys.claim(name, keyValue);
      const keyPath = appendPath(path, name);
      this.map.set(keyPath, no);
      let value: unknown;
      const start = skipSpaces(text, colon + 1);
      if (start === text.length || text[start] === '#') {
        // `key:` alone: a nested block, a list at the same indentation, or nothing.
        this.at += 1;
        const next = this.lines[this.at];
        if (next !== undefined && next.indent > indent) value = this.block(keyPath, depth + 1);
        else if (next !== undefined && next.indent === indent && isDash(next.text, indent))
          value = this.sequence(indent, keyPath, depth + 1);
        else value = null;
      } else {
        value = this.inline(text, start, no, keyPath, depth + 1);
        this.at += 1;
      }
      // Own property only: a key named __proto__ must stay data.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      col = -1;
    }
    return out;
  }

  /** A block sequence at `indent`: lines `- item` at that indentation. */
  private sequence(indent: number, path: string, depth: number): unknown[] {
    if (depth > MAX_DEPTH) decline();
    const out: unknown[] = [];
    while (this.at < this.lines.length) {
      const line = this.lines[this.at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) decline();
      if (!isDash(line.text, indent)) break;
      const { text, no } = line;
      const itemPath = appendPath(path, out.length);
      const col = skipSpaces(text, indent + 1);
      if (col === text.length || text[col] === '#') {
        // `-` alone: the item is the block below it (an empty item is declined).
        this.at += 1;
        const next = this.lines[this.at];
        if (next === undefined || next.indent <= indent) decline();
        this.map.set(itemPath, next.no);
        out.push(this.block(itemPath, depth + 1));
        continue;
      }
      this.map.set(itemPath, no);
      if (isDash(text, col)) decline();
      if (isKeyLine(text, col)) {
        out.push(this.mapping(col, col, itemPath, depth + 1));
      } else {
        out.push(this.inline(text, col, no, itemPath, depth + 1));
        this.at += 1;
      }
    }
    return out;
  }

  /** A value that starts at `i` and must end its line (a comment may follow). */
  private inline(text: string, i: number, no: number, path: string, depth: number): unknown {
    const c = text[i] as string;
    let value: unknown;
    let end: number;
    if (c === '"' || c === "'") {
      const s = quoted(text, i);
      value = s.value;
      end = s.end;
    } else if (c === '[' || c === '{') {
      const f = this.flow(text, i, no, path, depth);
      value = f.value;
      end = f.end;
    } else {
      end = plainEnd(text, i, false);
      const s = text.slice(i, end);
      // `a: b: c` and a value ending in `:` are mappings in the wrong place; the yaml path words them.
      if (s.includes(': ') || s.endsWith(':')) decline();
      value = resolvePlain(s);
    }
    const rest = skipSpaces(text, end);
    if (rest < text.length && !(text[rest] === '#' && rest > end)) decline();
    return value;
  }

  /** A flow collection that opens at `i` and closes on the same line. */
  private flow(
    text: string,
    i: number,
    no: number,
    path: string,
    depth: number,
  ): { value: unknown; end: number } {
    if (depth > MAX_DEPTH) decline();
    const isSeq = text[i] === '[';
    const close = isSeq ? ']' : '}';
    const seq: unknown[] = [];
    const map: Record<string, unknown> = {};
    const keys = new KeySet();
    let j = skipSpaces(text, i + 1);
    if (text[j] === close) return { value: isSeq ? seq : map, end: j + 1 };
    for (;;) {
      let itemPath: string;
      let name = '';
      if (isSeq) {
        itemPath = appendPath(path, seq.length);
        this.map.set(itemPath, no);
      } else {
        const key = readKey(text, j, true);
        if (text[key.colon + 1] !== ' ') decline();
        name = key.name;
        keys.claim(name, key.value);
        itemPath = appendPath(path, name);
        this.map.set(itemPath, no);
        j = skipSpaces(text, key.colon + 1);
      }
      const c = text[j];
      let value: unknown;
      if (c === '"' || c === "'") {
        const s = quoted(text, j);
        value = s.value;
        j = s.end;
      } else if (c === '[' || c === '{') {
        const f = this.flow(text, j, no, itemPath, depth + 1);
        value = f.value;
        j = f.end;
      } else {
        const end = plainEnd(text, j, true);
        const s = text.slice(j, end);
        // Empty entries, `a: b` pairs inside a list, and comments inside the collection are declined.
        if (s === '' || /:(?: |$)/.test(s)) decline();
        value = resolvePlain(s);
        j = end;
      }
      if (isSeq) seq.push(value);
      else {
        Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true });
      }
      j = skipSpaces(text, j);
      if (text[j] === close) return { value: isSeq ? seq : map, end: j + 1 };
      if (text[j] !== ',') decline();
      j = skipSpaces(text, j + 1);
      // A trailing comma or an empty entry.
      if (text[j] === close || text[j] === ',' || j >= text.length) decline();
    }
  }
}

function skipSpaces(text: string, i: number): number {
  while (text.charCodeAt(i) === 32) i += 1;
  return i;
}

/** `-` followed by a space or the end of the line at `col`: a block sequence entry. */
function isDash(text: string, col: number): boolean {
  return text[col] === '-' && (col + 1 === text.length || text[col + 1] === ' ');
}

/** True when position `i` ends a token: end of line or a space. */
function endsToken(text: string, i: number): boolean {
  return i === text.length || text[i] === ' ';
}

/** `: ` or `:` at the end of the line (a key ends), or ` #` (a comment starts). */
const KEY_END = /:(?: |$)| #/g;

/** Index of the `:` ending a plain implicit key that starts at `col`, or -1 (no `: ` before a comment). */
function keyEnd(text: string, col: number): number {
  // Regular expressions and indexOf rather than loops over characters here: this code runs once per
  // process, and a hot loop would be compiled by TurboFan for nothing.
  KEY_END.lastIndex = col;
  const m = KEY_END.exec(text);
  return m === null || m[0] === ' #' ? -1 : m.index;
}

/** A flow mapping's plain key ends at the first of these (a `:` must be the one found). */
const FLOW_KEY_END = /[\s:,[\]{}#"']/g;

/**
 * The key (quoted, or a plain word) that starts at `col` and the index of the `:` that ends it; declines
 * when no `:` ends it there, or it is not a key the reader takes (see {@link plainKey}).
 */
function readKey(
  text: string,
  col: number,
  inFlow: boolean,
): { name: string; value: unknown; colon: number } {
  let name: string;
  let value: unknown;
  let colon: number;
  const q = text[col];
  if (q === '"' || q === "'") {
    const s = quoted(text, col);
    name = s.value;
    value = s.value;
    colon = s.end;
  } else {
    if (inFlow) {
      FLOW_KEY_END.lastIndex = col;
      colon = FLOW_KEY_END.exec(text)?.index ?? text.length;
    } else {
      colon = keyEnd(text, col);
      if (colon < 0) decline();
    }
    name = text.slice(col, colon);
    value = plainKey(name);
  }
  if (text[colon] !== ':' || name.length > MAX_KEY) decline();
  return { name, value, colon };
}

/**
 * The keys of one mapping. The yaml path rejects keys with equal values (`1` and `01`, `true` and `True`);
 * keys with equal names but not values (`1` and "1") would merge in the walker: both are declined.
 */
class KeySet {
  private readonly names = new Set<string>();
  private readonly values = new Set<unknown>();

  claim(name: string, value: unknown): void {
    if (this.names.has(name) || this.values.has(value)) decline();
    this.names.add(name);
    this.values.add(value);
  }
}

/** Whether the list item content at `col` is `key: …` (a mapping starts there). */
function isKeyLine(text: string, col: number): boolean {
  const c = text[col];
  if (c === '"' || c === "'") {
    const s = quoted(text, col);
    return text[s.end] === ':' && endsToken(text, s.end + 1);
  }
  if (c === '[' || c === '{') return false;
  return keyEnd(text, col) >= 0;
}

const PLAIN_END = / #/g;
const FLOW_PLAIN_END = / #|[,[\]{}]/g;

/**
 * End (exclusive, trailing spaces dropped) of a plain scalar starting at `i`: the line's end, a comment
 * (` #`), or in a flow collection the first `,` `[` `]` `{` `}`. Declines a scalar that starts with an
 * indicator.
 */
function plainEnd(text: string, i: number, inFlow: boolean): number {
  const c = text[i] as string;
  if ('&*!|>%@`#,[]{}"\''.includes(c)) decline();
  if (
    (c === '-' || c === '?' || c === ':') &&
    (i + 1 >= text.length || /[\s,[\]{}]/.test(text[i + 1] as string))
  )
    decline();
  const stop = inFlow ? FLOW_PLAIN_END : PLAIN_END;
  stop.lastIndex = i;
  let j = stop.exec(text)?.index ?? text.length;
  while (j > i && text[j - 1] === ' ') j -= 1;
  return j;
}

/** A quoted scalar opening at `i` and closing on the line; `end` is just past the closing quote. */
function quoted(text: string, i: number): { value: string; end: number } {
  const q = text[i];
  let out = '';
  let j = i + 1;
  if (q === "'") {
    for (;;) {
      const k = text.indexOf("'", j);
      if (k < 0) decline();
      out += text.slice(j, k);
      if (text[k + 1] === "'") {
        out += "'";
        j = k + 2;
      } else return { value: out, end: k + 1 };
    }
  }
  for (;;) {
    const k = nextOf(text, j);
    if (k < 0) decline();
    out += text.slice(j, k);
    if (text[k] === '"') return { value: out, end: k + 1 };
    const e = text[k + 1];
    j = k + 2;
    if (e === '"' || e === '\\' || e === '/') out += e;
    else if (e === 'n') out += '\n';
    else if (e === 't') out += '\t';
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j, j + 4))) {
      const code = Number.parseInt(text.slice(j, j + 4), 16);
      if (code >= 0xd800 && code <= 0xdfff) decline();
      out += String.fromCharCode(code);
      j += 4;
    } else decline();
  }
}

/** Index of the next `"` or `\` from `j`, or -1. */
function nextOf(text: string, j: number): number {
  const quote = text.indexOf('"', j);
  const slash = text.indexOf('\\', j);
  return slash >= 0 && (quote < 0 || slash < quote) ? slash : quote;
}

/**
 * The value of a plain key, as the `yaml` package compares keys for duplicates (`01` and `1` are the same
 * key there; the walker names keys as written). Declines a key that is not a plain word, is null (the
 * walker's error), or is NaN (never equal to itself there, but to itself in a Set).
 */
function plainKey(name: string): unknown {
  if (!PLAIN_KEY.test(name) || name.length > MAX_KEY) decline();
  const v = coreValue(name);
  if (v === null || Number.isNaN(v)) decline();
  return v;
}

/**
 * A plain scalar's value as the node walker returns it: the core schema's value, except that a number
 * that does not print back as written stays the text as written.
 */
export function resolvePlain(s: string): unknown {
  const v = coreValue(s);
  return typeof v === 'number' && String(v) !== s ? s : v;
}

/** A plain scalar's value under the YAML 1.2 core schema (tags tried in the `yaml` package's order). */
function coreValue(s: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s[0] === 't' || s[0] === 'T';
  let n: number;
  if (/^0o[0-7]+$/.test(s)) n = Number.parseInt(s.slice(2), 8);
  else if (/^[-+]?[0-9]+$/.test(s)) n = Number.parseInt(s, 10);
  else if (/^0x[0-9a-fA-F]+$/.test(s)) n = Number.parseInt(s.slice(2), 16);
  else if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s))
    n = s.slice(-3).toLowerCase() === 'nan' ? Number.NaN : s[0] === '-' ? -Infinity : Infinity;
  else if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) n = Number.parseFloat(s);
  else if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) n = Number.parseFloat(s);
  else return s;
  return n;
}
