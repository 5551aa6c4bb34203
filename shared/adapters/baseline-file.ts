/**
 * Reads a baseline file from disk: bytes → sha256 (for `baseline sync` provenance) → UTF-8 text →
 * parseBaseline. Validation problems come back as issues; failing to read the file is a
 * BaselineFileError (a retry will not help: the path is wrong or unreadable).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type ParseOptions, parseBaseline } from '../core/baseline/parse.js';
import type { Baseline, BaselineIssue } from '../core/baseline/types.js';

/** Larger than any sane baseline; protects the CLI from being pointed at an archive. */
const MAX_BYTES = 16 * 1024 * 1024;

/** The file could not be read (missing, a directory, unreadable). `code` is the Node error code when known. */
export class BaselineFileError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, message: string, opts: { cause?: unknown; code?: string } = {}) {
    super(`${path}: ${message}`, { cause: opts.cause });
    this.name = 'BaselineFileError';
    this.path = path;
    this.code = opts.code;
  }
}

export interface BaselineFileResult {
  /** The baseline, or null when an error-level issue was found. */
  baseline: Baseline | null;
  issues: BaselineIssue[];
  /** Hex sha256 of the file's bytes. */
  sha256: string;
  text: string;
}

/**
 * Read and validate a baseline file. Issues name `path` as given.
 *
 * @throws BaselineFileError when the file cannot be read.
 */
export async function readBaselineFile(path: string, opts: ParseOptions = {}): Promise<BaselineFileResult> {
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
    throw new BaselineFileError(path, why, code === undefined ? { cause: err } : { cause: err, code });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.byteLength > MAX_BYTES) {
    return {
      baseline: null,
      issues: [fileIssue(path, `is larger than ${MAX_BYTES} bytes`)],
      sha256,
      text: '',
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { baseline: null, issues: [fileIssue(path, 'is not valid UTF-8 text')], sha256, text: '' };
  }
  const { baseline, issues } = parseBaseline(text, path, opts);
  return { baseline, issues, sha256, text };
}

function fileIssue(file: string, message: string): BaselineIssue {
  return { file, line: null, field: '', message, level: 'error' };
}
