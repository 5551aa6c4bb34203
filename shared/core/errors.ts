/**
 * The base of every error iamwatch throws. Each layer has its own `errors.ts` with a subclass of this one —
 * core: {@link IamwatchError} itself; adapters: `AdapterError` (shared/ports.ts, re-exported by
 * shared/adapters/errors.ts); app: `AppError`; CLI: `CliError`; functions: `FunctionError`; tools:
 * `ToolError` — so `err instanceof IamwatchError` tells our own errors from everything else. Classes keep
 * their `cause` and set `name` to their class name (explicitly: a minifier may rename classes). Constructors
 * never log.
 */
export class IamwatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IamwatchError';
  }
}
