import { AdapterError } from '../../ports.js';

/** The CloudTrail file reader could not run (bad options, a worker thread died, an unreadable input list). */
export class CloudTrailReadError extends AdapterError {
  constructor(message: string, cause?: unknown) {
    super('cloudtrail-files', message, { retryable: false, cause });
    this.name = 'CloudTrailReadError';
  }
}
