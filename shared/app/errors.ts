/**
 * Errors of the use cases (shared/app): every class extends {@link AppError}, which extends the project's
 * IamwatchError. Classes live beside the use case that throws them (DeliveryError in deliver.ts,
 * IngestReadError in ingest.ts, …).
 */
import { IamwatchError } from '../core/errors.js';

/** Base of the use-case errors. */
export class AppError extends IamwatchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
  }
}
