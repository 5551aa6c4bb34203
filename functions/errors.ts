/** Errors shared by the functions' composition roots. */

/** Configuration problem at cold start (a missing or malformed environment variable). */
export class ConfigError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ConfigError';
  }
}
