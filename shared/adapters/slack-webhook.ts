/**
 * Slack incoming-webhook delivery: one Block Kit message per alert, to the webhook of the alert's team.
 *
 * Bounds (each an option, so the slack-notify Lambda can fit them inside its own timeout):
 * - **per attempt**: a fresh `AbortController` and a timer held until the attempt ends (connect, headers
 *   and body), cleared in `finally` — never an inline `AbortSignal.timeout()`, which a garbage collection
 *   may drop while the request is in flight. Each attempt's timeout is also cut to what is left of the budget.
 * - **response body**: at most `maxBodyBytes` are read; then the stream is cancelled and the request aborted
 *   (closing the connection), so a huge or endless body cannot grow memory.
 * - **budget**: `retry.maxElapsedMs` bounds all attempts and waits of one alert. 429 waits for
 *   `Retry-After` when it fits the budget, and gives up at once when it does not; 5xx, network errors and
 *   timeouts back off exponentially with full jitter; any other 4xx is permanent at once.
 * - **redirects** are never followed (a webhook that redirects is misconfigured or hijacked): a 3xx fails
 *   at once, without the `Location`.
 * - **circuit breaker** ({@link SlackWebhookSink}): after `failureThreshold` consecutive alerts that failed
 *   for a retryable reason, the rest are not attempted for `resetAfterMs` — they fail at once with a
 *   {@link CircuitOpenError} and the caller parks them (nothing lost; `iamwatch redrive` sends them later).
 *
 * When delivery fails the sink throws a {@link SinkError} with the reason and attempt count, and the caller
 * (shared/app/deliver.ts) parks the whole alert in the dead-letter sink. A team without a route fails the
 * same way ("no Slack route for team X"). Reasons never carry a URL: error bodies are scrubbed
 * ({@link scrubSecrets}) before they enter a reason, a log line or a dead letter.
 */
import type { Alert } from '../core/alert/alert.js';
import { scrubSecrets } from '../core/alert/dead-letter.js';
import {
  type RenderSlackOptions,
  renderSlackMessage,
  type SlackMessage,
} from '../core/alert/render-slack.js';
import type { AlertSink } from '../ports.js';
import {
  type AttemptFailure,
  CircuitOpenError,
  type RetryPolicy,
  realTiming,
  SinkError,
  type Timing,
  withRetry,
} from './delivery-retry.js';
import { AdapterError } from './errors.js';
import { createWebhookResolver, type WebhookResolver } from './webhook-resolver.js';

/** Default Slack retry policy: 6 attempts, 1 s doubling to 30 s, 2 minutes in all. */
export const SLACK_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxElapsedMs: 120_000,
};

/** Default per-attempt timeout (ms). */
export const SLACK_TIMEOUT_MS = 5000;
/** Default most bytes of a response body read; Slack answers `ok` or a short error code. */
export const SLACK_MAX_BODY_BYTES = 4096;

export interface SlackPostOptions {
  /**
   * Per-attempt timeout covering connect, headers and body. Default {@link SLACK_TIMEOUT_MS}. Never longer
   * than what is left of `retry.maxElapsedMs`.
   */
  timeoutMs?: number;
  /** Most bytes of a response body read; the rest is cancelled unread. Default {@link SLACK_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Attempts and budget (default {@link SLACK_RETRY_POLICY}). A Lambda passes a `maxElapsedMs` that leaves
   * room, within its own timeout, to park the alert after the last attempt.
   */
  retry?: Partial<RetryPolicy>;
  timing?: Timing;
  fetch?: typeof fetch;
  /** Sink name used in errors. Default `slack`. */
  sinkName?: string;
}

class HttpStatusError extends AdapterError {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super('slack', `HTTP ${status}`, { retryable: status === 429 || status >= 500, prefix: false });
    this.name = 'HttpStatusError';
  }
}

/** One attempt ran out of time (our own timer, not a caller's abort). */
class AttemptTimeoutError extends AdapterError {
  constructor(
    readonly timeoutMs: number,
    opts?: { cause?: unknown },
  ) {
    super('slack', `timeout after ${timeoutMs} ms`, { retryable: true, cause: opts?.cause, prefix: false });
    this.name = 'AttemptTimeoutError';
  }
}

function parseRetryAfter(v: string | null, nowMs: number): number | undefined {
  if (v === null) return undefined;
  const s = Number(v.trim());
  if (v.trim() !== '' && Number.isFinite(s) && s >= 0) return Math.ceil(s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A response body as reason text: URLs and tokens scrubbed, printable ASCII, at most 120 characters. */
function safeBody(s: string): string {
  return scrubSecrets(s)
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .slice(0, 120)
    .trim();
}

function classifySlack(err: unknown): AttemptFailure {
  if (err instanceof HttpStatusError) {
    if (err.status >= 300 && err.status < 400)
      return { retryable: false, reason: `HTTP ${err.status} redirect not followed`, cause: err };
    const what = `HTTP ${err.status}${err.body ? ` ${safeBody(err.body)}` : ''}`;
    if (err.status === 429)
      return { retryable: true, reason: what, retryAfterMs: err.retryAfterMs, cause: err };
    if (err.status >= 500) return { retryable: true, reason: what, cause: err };
    return { retryable: false, reason: what, cause: err };
  }
  if (err instanceof AttemptTimeoutError) return { retryable: true, reason: err.message, cause: err };
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  const code = e?.cause?.code ?? e?.cause?.name ?? e?.name ?? 'unknown';
  return { retryable: true, reason: `network error ${safeBody(String(code))}`, cause: err };
}

/** Read at most `max` bytes of `res`'s body, then cancel the stream and abort the request. */
async function readCapped(res: Response, max: number, abort: () => void): Promise<string> {
  const body = res.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) return new TextDecoder().decode(concat(chunks, n));
      chunks.push(value);
      n += value.byteLength;
    }
  } catch (err) {
    abort();
    throw err;
  }
  // Over the cap: stop reading, drop the rest and the connection.
  await reader.cancel().catch(() => undefined);
  abort();
  return `${new TextDecoder().decode(concat(chunks, n).subarray(0, max))}…`;
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * One POST, bounded by a timer held for the whole attempt (headers and body) and cleared when it ends.
 * Resolves on 2xx; throws {@link HttpStatusError} (3xx included) or {@link AttemptTimeoutError}.
 */
async function postOnce(
  doFetch: typeof fetch,
  url: string,
  body: string,
  timeoutMs: number,
  maxBodyBytes: number,
  nowMs: number,
): Promise<void> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      signal: controller.signal,
      redirect: 'manual',
    });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      controller.abort();
      throw new HttpStatusError(res.status, '', undefined);
    }
    const text = await readCapped(res, maxBodyBytes, () => controller.abort());
    if (!res.ok)
      throw new HttpStatusError(res.status, text, parseRetryAfter(res.headers.get('retry-after'), nowMs));
  } catch (err) {
    if (timedOut) throw new AttemptTimeoutError(timeoutMs, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * POST `message` to a webhook URL with retries, within the bounds of the module comment. Resolves on HTTP
 * 2xx; throws {@link SinkError} otherwise. Error reasons never contain the URL.
 */
export async function postSlackMessage(
  url: string,
  message: SlackMessage,
  opts: SlackPostOptions = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? SLACK_TIMEOUT_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const doFetch = opts.fetch ?? fetch;
  const timing = opts.timing ?? realTiming;
  const policy = { ...SLACK_RETRY_POLICY, ...opts.retry };
  const body = JSON.stringify(message);
  const started = timing.nowMs();
  await withRetry(
    opts.sinkName ?? 'slack',
    () => {
      const left = policy.maxElapsedMs - (timing.nowMs() - started);
      return postOnce(
        doFetch,
        url,
        body,
        Math.max(1, Math.min(timeoutMs, left)),
        maxBodyBytes,
        timing.nowMs(),
      );
    },
    classifySlack,
    policy,
    timing,
  );
}

/** A bounded set of recently seen ids (oldest evicted first). */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 10_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
  delete(id: string): void {
    this.ids.delete(id);
  }
}

/** When to stop attempting and park the rest (see the module comment). */
export interface CircuitBreakerOptions {
  /** Consecutive alerts failed for a retryable reason (5xx, 429, timeout, network) that open it. Default 3. */
  failureThreshold?: number;
  /** How long it stays open before one alert may try again (half-open). Default 60 000 ms. */
  resetAfterMs?: number;
}

export interface SlackWebhookSinkOptions extends SlackPostOptions, RenderSlackOptions {
  resolver: WebhookResolver;
  /** Override the renderer (default {@link renderSlackMessage}). */
  render?: (alert: Alert) => SlackMessage;
  /** Circuit breaker; `false` turns it off. */
  circuit?: CircuitBreakerOptions | false;
}

/**
 * {@link AlertSink} posting each alert to its team's Slack webhook. Idempotent per instance by alert id.
 * A circuit breaker parks the rest of a run's alerts once Slack keeps failing (module comment).
 */
export class SlackWebhookSink implements AlertSink {
  readonly name: string;
  private readonly posted = new RecentIds();
  private readonly timing: Timing;
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private lastFailure = '';

  constructor(private readonly opts: SlackWebhookSinkOptions) {
    this.name = opts.sinkName ?? 'slack';
    this.timing = opts.timing ?? realTiming;
  }

  /** True while the breaker holds alerts back. */
  get circuitOpen(): boolean {
    return this.openedAt !== null;
  }

  async publish(alert: Alert): Promise<void> {
    if (this.posted.has(alert.id)) return;
    const circuit = this.opts.circuit === false ? null : (this.opts.circuit ?? {});
    if (circuit && this.openedAt !== null) {
      const resetAfter = circuit.resetAfterMs ?? 60_000;
      if (this.timing.nowMs() - this.openedAt < resetAfter)
        throw new CircuitOpenError(
          this.name,
          `not sent: Slack circuit open after ${this.consecutiveFailures} consecutive failures (last: ${this.lastFailure})`,
        );
      // Half-open: this alert tries; a failure re-opens the circuit at once.
    }
    const route = await this.opts.resolver.resolve(alert.team);
    if (!route.ok) throw new SinkError(this.name, route.reason, { attempts: 0, retryable: route.retryable });
    const render =
      this.opts.render ?? ((a: Alert) => renderSlackMessage(a, { consoleBaseUrl: this.opts.consoleBaseUrl }));
    try {
      await postSlackMessage(route.url, render(alert), { ...this.opts, sinkName: this.name });
    } catch (err) {
      // Only outage-like failures count: one team's revoked webhook (404) must not hold back the others.
      if (circuit && err instanceof SinkError && err.retryable) {
        this.consecutiveFailures++;
        this.lastFailure = err.reason.slice(0, 200);
        if (this.openedAt !== null || this.consecutiveFailures >= (circuit.failureThreshold ?? 3))
          this.openedAt = this.timing.nowMs();
      }
      throw err;
    }
    this.consecutiveFailures = 0;
    this.openedAt = null;
    this.posted.add(alert.id);
  }
}

/** A resolver that sends every team to one URL (the CLI's `--slack-webhook URL`). */
export function singleWebhookResolver(
  url: string,
  opts: { allowLoopbackHttp?: boolean } = {},
): WebhookResolver {
  return createWebhookResolver({
    teams: async () => ({ teams: { cli: { slack: url } }, defaultTeam: 'cli' }),
    allowLoopbackHttp: opts.allowLoopbackHttp ?? true,
  });
}
