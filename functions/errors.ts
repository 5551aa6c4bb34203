/**
 * Errors of the functions layer (the Lambda composition roots): every class extends {@link FunctionError},
 * which extends the project's IamwatchError. Classes used by one handler only live beside it
 * (IngestBatchError in ingest/build-handler.ts, …).
 */
import { IamwatchError } from '../shared/core/errors.js';

/** Base of the functions' errors. */
export class FunctionError extends IamwatchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FunctionError';
  }
}

/**
 * Configuration problem at cold start (a missing or malformed environment variable); the message names the
 * variable. Every function's `config.ts` throws this one class (functions/env.ts reads the variables).
 */
export class ConfigError extends FunctionError {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ConfigError';
  }
}
