/**
 * Baseline file → domain `Baseline`, with every problem reported as `file:line: field: message`.
 *
 * YAML is read with the core schema (YAML 1.2: dates stay strings, `yes` is not a boolean) and walked
 * node by node so that each value keeps the line it came from; validate.ts then checks the data. Files in
 * the subset of YAML that yaml-subset.ts reads (every baseline `iamwatch` writes, and most written by
 * hand) skip the `yaml` package: the same data and lines, at a fraction of the cost.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseDocument,
  type YAMLError,
  type Node as YamlNode,
} from 'yaml';
import { formatPath, type Segment } from './field-path.js';
import { suggest } from './suggest.js';
import {
  type Add,
  formatIssue,
  type ParsedBaseline,
  type ParseOptions,
  parseBaselineSubset,
  parseBaselineWith,
  type ReadDocument,
} from './validate.js';

export type { ParsedBaseline, ParseOptions };
export { formatIssue, formatPath, suggest };

type LineMap = Map<string, number>;

const MAX_DEPTH = 64;
const MAX_ALIASES = 256;

/**
 * Parse and validate a baseline file. Never throws.
 *
 * @param text - the file's content.
 * @param file - the name to report in issues (usually the path as the user gave it).
 * @param opts - `nowMs` enables "suppression already expired" and "review overdue" warnings; `ruleIds`
 *   (the rule catalogue's ids) makes a suppression of any other rule an error.
 */
export function parseBaseline(text: string, file: string, opts: ParseOptions = {}): ParsedBaseline {
  return parseBaselineSubset(text, file, opts) ?? parseBaselineWithYaml(text, file, opts);
}

/**
 * parseBaseline always through the `yaml` package (the reference the subset reader is tested against).
 * Never throws.
 */
export function parseBaselineWithYaml(text: string, file: string, opts: ParseOptions = {}): ParsedBaseline {
  return parseBaselineWith(text, file, opts, readWithYaml);
}

/** The `yaml` package's document for `source`, walked into data and lines; syntax errors go to `add`. */
export function readWithYaml(source: string, add: Add): ReadDocument | null {
  const counter = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter: counter,
    prettyErrors: false,
    schema: 'core',
    uniqueKeys: true,
  });
  const lineAt = (offset: number | undefined): number | null =>
    offset === undefined ? null : counter.linePos(offset).line;

  if (doc.errors.length > 0) {
    // Only the first: what follows a syntax error is the parser's guesswork, not more mistakes.
    const [first] = doc.errors
      .map((e) => ({ e, at: syntaxErrorOffset(source, e) }))
      .sort((a, b) => a.at - b.at);
    if (first !== undefined) add(lineAt(first.at), '', `YAML: ${firstLine(first.e.message)}`);
    return null;
  }
  for (const w of doc.warnings) add(lineAt(w.pos[0]), '', `YAML: ${firstLine(w.message)}`, 'warning');

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    add(1, '', 'the baseline is empty: expected a mapping starting with "version: 1"');
    return null;
  }

  const lines: LineMap = new Map([['', 1]]);
  const walker = new Walker(doc, lines, lineAt, add);
  const data = walker.toValue(doc.contents, []);
  if (walker.failed) return null;
  return { data, lines };
}

/** Converts YAML nodes to plain values, recording the line of every map key and sequence item. */
class Walker {
  failed = false;
  private aliases = 0;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineMap,
    private readonly lineAt: (offset: number | undefined) => number | null,
    private readonly add: Add,
  ) {}

  toValue(node: unknown, path: Segment[]): unknown {
    if (this.failed) return null;
    if (path.length > MAX_DEPTH) return this.fail(node, path, 'nested too deeply');
    if (isAlias(node)) {
      this.aliases += 1;
      if (this.aliases > MAX_ALIASES) return this.fail(node, path, 'too many aliases');
      return this.toValue(node.resolve(this.doc), path);
    }
    if (isScalar(node)) {
      const v = node.value;
      // Keep the written text when a plain number would lose it (account ids with a leading zero, 1.0).
      if (
        typeof v === 'number' &&
        node.type === 'PLAIN' &&
        node.source !== undefined &&
        node.source !== String(v)
      ) {
        return node.source;
      }
      if (typeof v === 'bigint') return String(v);
      return v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const itemPath = [...path, i];
        const line = this.lineAt((item as YamlNode | null)?.range?.[0]);
        if (line !== null) this.lines.set(formatPath(itemPath), line);
        return this.toValue(item, itemPath);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
          return this.fail(key ?? node, path, 'keys must be plain words');
        }
        const name = key.source ?? String(key.value);
        const keyPath = [...path, name];
        const line = this.lineAt(key.range?.[0]);
        if (line !== null) this.lines.set(formatPath(keyPath), line);
        // Own property only: a key named __proto__ must stay data.
        Object.defineProperty(out, name, {
          value: this.toValue(pair.value, keyPath),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (node === null || node === undefined) return null;
    return this.fail(node, path, 'unsupported YAML node');
  }

  private fail(node: unknown, path: Segment[], message: string): null {
    this.failed = true;
    this.add(this.lineAt((node as YamlNode | null)?.range?.[0]), formatPath(path), message);
    return null;
  }
}

/**
 * Where to report a syntax error. The parser places an unclosed quote at the end of the file; the
 * line that opens it (the first quoted scalar left open or running over a line end) is where the fix goes.
 */
function syntaxErrorOffset(text: string, e: YAMLError): number {
  if (e.code !== 'MISSING_CHAR' || !/quote/i.test(e.message)) return e.pos[0];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer interleaves control tokens (document start, flow end, scalar) that are not source text.
    if (token === '\u0002' || token === '\u0018' || token === '\u001f') continue;
    const q = token[0];
    // A quoted scalar that runs over a line end is almost always the unclosed one, closed by
    // accident at the next quote further down.
    if ((q === '"' || q === "'") && (!closedQuote(token) || token.includes('\n'))) return offset;
    offset += token.length;
  }
  return e.pos[0];
}

function closedQuote(token: string): boolean {
  if (token.length < 2 || token[token.length - 1] !== token[0]) return false;
  if (token[0] === "'") return true;
  let backslashes = 0;
  for (let i = token.length - 2; i > 0 && token[i] === '\\'; i -= 1) backslashes += 1;
  return backslashes % 2 === 0;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
