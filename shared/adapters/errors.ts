/**
 * Errors of the adapter layer. Every adapter error class extends {@link AdapterError} (defined with the ports,
 * because use cases and composition roots read its `retryable`), which extends the project's IamwatchError.
 * Classes used by one adapter only live beside it (SinkError in delivery-retry.ts, ConditionFailedError in
 * dynamodb/client.ts, …); this file holds the base and the errors several adapter files throw.
 */
import { AdapterError } from '../ports.js';

export { AdapterError };

/** The CloudTrail file reader could not run (bad options, a worker thread died, an unreadable input list). */
export class CloudTrailReadError extends AdapterError {
  constructor(message: string, cause?: unknown) {
    super('cloudtrail-files', message, { retryable: false, cause });
    this.name = 'CloudTrailReadError';
  }
}
