/**
 * THE baseline-file reader: `baseline validate`, `diff`, `sync` and `replay --baseline` all read
 * through here, so a file one of them accepts is a file all of them accept. Bytes → sha256 (for
 * `baseline sync` provenance) → strict UTF-8 text → parseBaseline with the rule catalogue's ids.
 * Validation problems come back as issues; failing to read the file is a BaselineFileError (a
 * retry will not help: the path is wrong or unreadable).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Baseline, BaselineIssue } from '../core/baseline/types.js';
import { type ParseOptions, parseBaselineLazily } from '../core/baseline/validate.js';
import { RULES } from '../core/rules/index.js';
import { AdapterError } from './errors.js';

/** Larger than any sane baseline; protects the CLI from being pointed at an archive. */
const MAX_BYTES = 16 * 1024 * 1024;

/** The file could not be read (missing, a directory, unreadable). `code` is the Node error code when known. */
export class BaselineFileError extends AdapterError {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, message: string, opts: { cause?: unknown; code?: string } = {}) {
    super('baseline-file', `${path}: ${message}`, { retryable: false, cause: opts.cause, prefix: false });
    this.name = 'BaselineFileError';
    this.path = path;
    this.code = opts.code;
  }
}

export interface BaselineFileResult {
  /** The baseline, or null when an error-level issue was found. */
  baseline: Baseline | null;
  /** Every issue, in line order. */
  issues: BaselineIssue[];
  /** The error-level issues of `issues`. */
  errors: BaselineIssue[];
  /** The warning-level issues of `issues`. */
  warnings: BaselineIssue[];
  /** Hex sha256 of the file's bytes. */
  sha256: string;
  text: string;
  /** The name issues carry (the path as the user typed it). */
  name: string;
}

export interface ReadBaselineOptions extends ParseOptions {
  /** The name to report in issues and errors; default the path. Give the path as the user typed it. */
  name?: string;
}

/** Ids of the rule catalogue: a suppression of any other id is an error. */
export const CATALOGUE_RULE_IDS: readonly string[] = RULES.map((r) => r.meta.id);

/**
 * Read and validate a baseline file. Issues name `opts.name` (default `path`). Unless `opts.ruleIds`
 * says otherwise, suppressions are checked against the rule catalogue.
 *
 * @throws BaselineFileError when the file cannot be read.
 */
export async function readBaselineFile(
  path: string,
  opts: ReadBaselineOptions = {},
): Promise<BaselineFileResult> {
  const { name = path, ...parseOpts } = opts;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a baseline file'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${err instanceof Error ? err.message : String(err)})`;
    throw new BaselineFileError(name, why, code === undefined ? { cause: err } : { cause: err, code });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const failed = (issue: BaselineIssue): BaselineFileResult => ({
    baseline: null,
    issues: [issue],
    errors: [issue],
    warnings: [],
    sha256,
    text: '',
    name,
  });
  if (bytes.byteLength > MAX_BYTES) {
    return failed(fileIssue(name, null, `is larger than ${MAX_BYTES} bytes`));
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1) {
    const line = lineOfOffset(bytes, bad);
    const byte = bytes[bad]?.toString(16).toUpperCase().padStart(2, '0') ?? '??';
    return failed(
      fileIssue(
        name,
        line,
        `is not valid UTF-8 text (byte 0x${byte}; Latin-1 or another encoding? save the file as UTF-8)`,
      ),
    );
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const { baseline, issues } = await parseBaselineLazily(text, name, {
    ruleIds: CATALOGUE_RULE_IDS,
    ...parseOpts,
  });
  return {
    baseline,
    issues,
    errors: issues.filter((i) => i.level === 'error'),
    warnings: issues.filter((i) => i.level === 'warning'),
    sha256,
    text,
    name,
  };
}

function fileIssue(file: string, line: number | null, message: string): BaselineIssue {
  return { file, line, field: '', message, level: 'error' };
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k += 1) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}
