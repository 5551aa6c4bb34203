/**
 * Errors of the dev tooling (tools/: eval, generate): every class extends {@link ToolError}, which extends
 * the project's IamwatchError. The CLI turns them into usage errors.
 */
import { IamwatchError } from '../shared/core/errors.js';

/** Base of the tools' errors. */
export class ToolError extends IamwatchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ToolError';
  }
}
