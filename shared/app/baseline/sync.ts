/**
 * Baseline as code: validate a file, compare it with the store, sync it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseBaseline } from '../../core/baseline/parse.js';
import type { Baseline, BaselineIssue } from '../../core/baseline/types.js';

/** A baseline file read and validated, with the sha256 of its bytes. */
export interface LoadedBaseline {
  baseline: Baseline | null;
  issues: BaselineIssue[];
  errors: BaselineIssue[];
  warnings: BaselineIssue[];
  sha256: string;
  name: string;
}

/** The file cannot be read at all (distinct from a file with validation errors). */
export class BaselineFileReadError extends Error {
  constructor(file: string, cause: unknown) {
    super(
      `${file}: cannot read: ${(cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? cause}`,
      {
        cause,
      },
    );
    this.name = 'BaselineFileReadError';
  }
}

/**
 * Reads and validates a baseline file. `displayName` is what issues name (the path as typed).
 * `nowMs` enables expiry warnings.
 */
export async function loadBaselineFile(
  path: string,
  displayName = path,
  nowMs?: number,
): Promise<LoadedBaseline> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new BaselineFileReadError(displayName, err);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const parsed = parseBaseline(bytes.toString('utf8'), displayName, nowMs === undefined ? {} : { nowMs });
  return {
    baseline: parsed.baseline,
    issues: parsed.issues,
    errors: parsed.issues.filter((i) => i.level === 'error'),
    warnings: parsed.issues.filter((i) => i.level === 'warning'),
    sha256,
    name: displayName,
  };
}
