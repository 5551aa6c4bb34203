/**
 * Errors of the CLI layer: {@link CliError} is its base (it extends the project's IamwatchError). Errors
 * from inner layers (AppError, AdapterError, ToolError) are turned into a CliError with an exit code where a
 * command catches them, keeping the original as `cause`.
 */
import { IamwatchError } from '../core/errors.js';

/** Thrown by commands to end with a message on stderr and an exit code; never prints a stack. */
export class CliError extends IamwatchError {
  readonly exitCode: number;
  constructor(exitCode: number, message: string, opts?: { cause?: unknown }) {
    super(message, { cause: opts?.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
