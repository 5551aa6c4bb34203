/**
 * How every command that takes a baseline FILE reads it (`baseline validate|diff|sync`,
 * `replay --baseline`): one reader, issues printed one per line as `file:line: field: message`
 * with the path as typed, and the same exit code for the same file.
 */
import path from 'node:path';
import { type BaselineFileResult, readBaselineFile } from '../adapters/baseline-file.js';
import type { Baseline, BaselineIssue } from '../core/baseline/types.js';
import { formatIssue } from '../core/baseline/validate.js';
import { type CliContext, CliError, EXIT } from './context.js';
import { safeText } from './text.js';

/** A baseline file that validated (warnings allowed). */
export type ValidBaselineFile = BaselineFileResult & { baseline: Baseline };

/** Reads `file` (relative to the context's cwd); a file that cannot be read is exit 2 with the reason. */
export async function readBaselineForCli(
  file: string,
  ctx: CliContext,
  opts: { nowMs?: number } = {},
): Promise<BaselineFileResult> {
  try {
    return await readBaselineFile(path.resolve(ctx.cwd, file), {
      name: file,
      ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
    });
  } catch (err) {
    throw new CliError(EXIT.usage, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** One issue as a terminal-safe line (`file:line: [warning: ]field: message`). */
export function issueLine(i: BaselineIssue): string {
  return safeText(formatIssue(i), 500);
}

/**
 * Reads and validates `file`: warnings and errors go to stderr, one per line; any error ends the
 * command with exit 2 and `consequence` (e.g. "nothing was written").
 */
export async function loadValidBaseline(
  file: string,
  ctx: CliContext,
  opts: { nowMs?: number; consequence?: string } = {},
): Promise<ValidBaselineFile> {
  const loaded = await readBaselineForCli(file, ctx, opts);
  for (const i of loaded.issues) ctx.stderr.write(`${issueLine(i)}\n`);
  if (loaded.errors.length > 0 || loaded.baseline === null) {
    const n = loaded.errors.length;
    throw new CliError(
      EXIT.usage,
      `${file}: ${n} error${n === 1 ? '' : 's'}${opts.consequence ? `; ${opts.consequence}` : ''}`,
    );
  }
  return loaded as ValidBaselineFile;
}
