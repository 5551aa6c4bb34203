/** Option parsing shared by the CLI's commands: each bad value is a usage error (exit 2) naming the flag. */
import { parseDuration } from '../app/baseline/duration.js';
import { CliError, EXIT } from './context.js';

/** `--format` of the store queries: `table` (default) or `json`. */
export function formatOpt(v: string | undefined): 'table' | 'json' {
  const f = v ?? 'table';
  if (f !== 'table' && f !== 'json')
    throw new CliError(EXIT.usage, `--format must be table or json, not "${f}"`);
  return f;
}

/** A duration flag (`90m`, `24h`, `7d`) in milliseconds. */
export function usageDuration(v: string, flag: string): number {
  try {
    return parseDuration(v, flag);
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message, { cause: err });
  }
}
