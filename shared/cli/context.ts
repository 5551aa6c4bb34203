import type { Readable, Writable } from 'node:stream';

/** Commands import CliError from here; it lives in the CLI layer's errors.ts. */
export { CliError } from './errors.js';

/**
 * Exit codes (DESIGN.md): 0 done; 1 --fail-on reached; 2 usage/config/baseline error; 3 runtime or I/O
 * failure; 130 interrupted (Ctrl-C), as shells report a SIGINT.
 */
export const EXIT = { ok: 0, failOn: 1, usage: 2, runtime: 3, interrupted: 130 } as const;

/** Everything a command touches of the process, injected so commands run in-process in tests. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is a terminal (progress bars only then). */
  isTTY: boolean;
  /**
   * Aborted on Ctrl-C. A command that listens on it finishes up (partial summary) and ends with
   * EXIT.interrupted; while nobody listens, Ctrl-C ends the process at once with 130.
   */
  signal?: AbortSignal;
}
