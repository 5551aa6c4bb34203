/**
 * Slack incoming-webhook delivery: one Block Kit message per alert, to the webhook of the alert's team.
 *
 * Retries: 429 waits for `Retry-After` seconds; 5xx, network errors and timeouts back off exponentially with
 * full jitter; any other 4xx is permanent at once. When retries run out the sink throws a
 * {@link SinkError} with the reason and attempt count, and the caller (shared/app/deliver.ts) parks the whole
 * alert in the dead-letter sink. A team without a route fails the same way ("no Slack route for team X").
 */
import type { Alert } from '../core/alert/alert.js';
import {
  type RenderSlackOptions,
  renderSlackMessage,
  type SlackMessage,
} from '../core/alert/render-slack.js';
import type { AlertSink } from '../ports.js';
import {
  type AttemptFailure,
  type RetryPolicy,
  realTiming,
  SinkError,
  type Timing,
  withRetry,
} from './delivery-retry.js';
import { createWebhookResolver, type WebhookResolver } from './webhook-resolver.js';

/** Default Slack retry policy: 6 attempts, 1 s doubling to 30 s, 2 minutes in all. */
export const SLACK_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxElapsedMs: 120_000,
};

export interface SlackPostOptions {
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  timing?: Timing;
  fetch?: typeof fetch;
  /** Sink name used in errors. Default `slack`. */
  sinkName?: string;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

function parseRetryAfter(v: string | null): number | undefined {
  if (v === null) return undefined;
  const s = Number(v.trim());
  if (Number.isFinite(s) && s >= 0) return Math.ceil(s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function safeBody(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, ' ')
    .slice(0, 120)
    .trim();
}

function classifySlack(timeoutMs: number) {
  return (err: unknown): AttemptFailure => {
    if (err instanceof HttpStatusError) {
      const what = `HTTP ${err.status}${err.body ? ` ${safeBody(err.body)}` : ''}`;
      if (err.status === 429)
        return { retryable: true, reason: what, retryAfterMs: err.retryAfterMs, cause: err };
      if (err.status >= 500) return { retryable: true, reason: what, cause: err };
      return { retryable: false, reason: what, cause: err };
    }
    const e = err as { name?: string; cause?: { code?: string } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      return { retryable: true, reason: `timeout after ${timeoutMs} ms`, cause: err };
    }
    return { retryable: true, reason: `network error ${e?.cause?.code ?? e?.name ?? 'unknown'}`, cause: err };
  };
}

/**
 * POST `message` to a webhook URL with retries. Resolves on HTTP 2xx; throws {@link SinkError} otherwise.
 * Error reasons never contain the URL.
 */
export async function postSlackMessage(
  url: string,
  message: SlackMessage,
  opts: SlackPostOptions = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const doFetch = opts.fetch ?? fetch;
  const body = JSON.stringify(message);
  await withRetry(
    opts.sinkName ?? 'slack',
    async () => {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = await res.text().catch(() => '');
      if (!res.ok)
        throw new HttpStatusError(res.status, text, parseRetryAfter(res.headers.get('retry-after')));
    },
    classifySlack(timeoutMs),
    { ...SLACK_RETRY_POLICY, ...opts.retry },
    opts.timing ?? realTiming,
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

export interface SlackWebhookSinkOptions extends SlackPostOptions, RenderSlackOptions {
  resolver: WebhookResolver;
  /** Override the renderer (default {@link renderSlackMessage}). */
  render?: (alert: Alert) => SlackMessage;
}

/** {@link AlertSink} posting each alert to its team's Slack webhook. Idempotent per instance by alert id. */
export class SlackWebhookSink implements AlertSink {
  readonly name: string;
  private readonly posted = new RecentIds();

  constructor(private readonly opts: SlackWebhookSinkOptions) {
    this.name = opts.sinkName ?? 'slack';
  }

  async publish(alert: Alert): Promise<void> {
    if (this.posted.has(alert.id)) return;
    const route = await this.opts.resolver.resolve(alert.team);
    if (!route.ok) throw new SinkError(this.name, route.reason, { attempts: 0, retryable: route.retryable });
    const render =
      this.opts.render ?? ((a: Alert) => renderSlackMessage(a, { consoleBaseUrl: this.opts.consoleBaseUrl }));
    await postSlackMessage(route.url, render(alert), { ...this.opts, sinkName: this.name });
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
