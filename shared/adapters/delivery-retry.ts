/**
 * Retry with exponential backoff and full jitter, over an injected clock and sleep so tests never wait.
 * Shared by the alert sinks (Slack, SNS, EventBridge, SQS dead letters).
 */
import { scrubSecrets } from '../core/alert/dead-letter.js';
import { AdapterError } from '../ports.js';

/** Time as the retry loop sees it. Tests pass a fake whose `sleep` advances `nowMs`. */
export interface Timing {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1); jitter. */
  random(): number;
}

export const realTiming: Timing = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export interface RetryPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The budget: give up when the next wait would pass this much time since the first attempt. A server's
   * `Retry-After` longer than what is left gives up at once (the caller parks the alert) instead of
   * sleeping past the budget.
   */
  maxElapsedMs: number;
}

/** Full jitter: uniform in [0, min(max, base · 2^(attempt-1))], at least 1 ms. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.floor(random() * cap));
}

/** How one failed attempt should be treated. */
export interface AttemptFailure {
  retryable: boolean;
  /** Short, safe description (no secrets such as webhook URLs). */
  reason: string;
  /** Server-requested wait (e.g. Slack's Retry-After), used instead of the backoff. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Delivery to one sink failed for good: after retries, or at once for a permanent error. */
export class SinkError extends AdapterError {
  readonly attempts: number;
  readonly reason: string;
  constructor(sink: string, reason: string, opts: { attempts: number; retryable: boolean; cause?: unknown }) {
    const safe = scrubSecrets(reason);
    super(sink, safe, { retryable: opts.retryable, cause: opts.cause });
    this.name = 'SinkError';
    this.attempts = opts.attempts;
    this.reason = safe;
  }
}

/**
 * Not attempted: the sink's circuit breaker is open after consecutive failures, so the alert is parked at
 * once (for `iamwatch redrive`) instead of waiting out another full retry budget.
 */
export class CircuitOpenError extends SinkError {
  /** Marks the alert as held back (parked without a delivery attempt), not as failed. */
  readonly heldBack = true;
  constructor(sink: string, reason: string, opts: { cause?: unknown } = {}) {
    super(sink, reason, { attempts: 0, retryable: true, cause: opts.cause });
    this.name = 'CircuitOpenError';
  }
}

/**
 * {@link withRetry} with a fail-fast memory: after a call that failed for good on a retryable error, later
 * calls within `circuitMs` make one attempt each, so one invocation pays a dead dependency's retry budget
 * once rather than once per alert. `circuitMs` 0 (the default) keeps every call on the full policy.
 */
export class FailFastRetry {
  private degradedUntilMs = 0;
  constructor(private readonly circuitMs = 0) {}

  async run<T>(sink: string, op: () => Promise<T>, policy: RetryPolicy, timing: Timing): Promise<T> {
    const degraded = timing.nowMs() < this.degradedUntilMs;
    try {
      return await withRetry(
        sink,
        op,
        classifyAwsError,
        degraded ? { ...policy, maxAttempts: 1 } : policy,
        timing,
      );
    } catch (err) {
      if ((err as { retryable?: boolean }).retryable && this.circuitMs > 0)
        this.degradedUntilMs = timing.nowMs() + this.circuitMs;
      throw err;
    }
  }
}

/** Retry policy of the sinks that call an AWS API (SNS, SQS, EventBridge). */
export const AWS_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxElapsedMs: 30_000,
};

/** What a sink that sends one AWS request per delivery takes besides its client and target. */
export interface AwsDeliveryOptions {
  /** Overrides of {@link AWS_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  timing?: Timing;
  /**
   * After a delivery that failed for good on a retryable error, later calls within this many ms try once
   * (no backoff): one invocation pays the retry budget once, not once per alert. Default 0 (off).
   */
  circuitMs?: number;
}

/**
 * Sends one AWS request per call to one target (a topic or queue) under {@link AWS_RETRY_POLICY} (with
 * overrides) and a fail-fast circuit.
 */
export class AwsDelivery {
  /** The target is a FIFO topic or queue (its ARN or URL ends in `.fifo`): messages need group ids. */
  readonly fifo: boolean;
  private readonly retry: FailFastRetry;
  private readonly policy: RetryPolicy;
  private readonly timing: Timing;

  constructor(
    private readonly sink: string,
    target: string,
    opts: AwsDeliveryOptions,
  ) {
    this.fifo = target.endsWith('.fifo');
    this.retry = new FailFastRetry(opts.circuitMs ?? 0);
    this.policy = { ...AWS_RETRY_POLICY, ...opts.retry };
    this.timing = opts.timing ?? realTiming;
  }

  /** Runs `op` until it succeeds or the policy gives up (then throws {@link SinkError}). */
  send<T>(op: () => Promise<T>): Promise<T> {
    return this.retry.run(this.sink, op, this.policy, this.timing);
  }
}

/**
 * Run `op` until it succeeds, `classify` says the failure is permanent, attempts run out or the elapsed
 * budget would be exceeded; then throw a {@link SinkError} naming the last reason and the attempt count.
 */
export async function withRetry<T>(
  sink: string,
  op: (attempt: number) => Promise<T>,
  classify: (err: unknown) => AttemptFailure,
  policy: RetryPolicy,
  timing: Timing,
): Promise<T> {
  const started = timing.nowMs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      const f = classify(err);
      const suffix = attempt > 1 ? ` after ${attempt} attempts` : '';
      if (!f.retryable)
        throw new SinkError(sink, f.reason + suffix, { attempts: attempt, retryable: false, cause: err });
      const wait = f.retryAfterMs ?? backoffDelay(attempt, policy, timing.random);
      const elapsed = timing.nowMs() - started;
      if (f.retryAfterMs !== undefined && elapsed + wait > policy.maxElapsedMs) {
        const left = Math.max(0, Math.floor((policy.maxElapsedMs - elapsed) / 1000));
        throw new SinkError(
          sink,
          `${f.reason}; Retry-After ${Math.ceil(wait / 1000)} s is beyond the ${left} s left of the delivery budget after ${attempt} attempts`,
          { attempts: attempt, retryable: true, cause: err },
        );
      }
      if (attempt >= policy.maxAttempts || elapsed + wait > policy.maxElapsedMs) {
        throw new SinkError(sink, `${f.reason} after ${attempt} attempts`, {
          attempts: attempt,
          retryable: true,
          cause: err,
        });
      }
      await timing.sleep(wait);
    }
  }
}

/** Error names the AWS SDK uses for throttling and transient server faults. */
const TRANSIENT_AWS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'Throttled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Classify an AWS SDK v3 error: throttling, 5xx and network faults are retryable. */
export function classifyAwsError(err: unknown): AttemptFailure {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const name = e?.name ?? e?.code ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const retryable =
    TRANSIENT_AWS.has(name) || (status !== undefined && status >= 500) || e?.$retryable !== undefined;
  const msg = typeof e?.message === 'string' ? e.message.replace(/[\u0000-\u001f]/g, ' ').slice(0, 200) : '';
  return {
    retryable,
    reason: `${name}${status ? ` (HTTP ${status})` : ''}${msg ? `: ${msg}` : ''}`,
    cause: err,
  };
}
