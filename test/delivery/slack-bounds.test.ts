/**
 * Slack delivery stays bounded whatever the webhook does: a real HTTP server on 127.0.0.1 (ephemeral
 * port) answers with huge bodies, redirects, long Retry-After, hangs, refusals and bodies echoing the
 * webhook URL. No timed assertions: bounds are checked by what the server managed to write, how many
 * requests it saw and what the fake clock slept.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitOpenError, SinkError } from '../../shared/adapters/delivery-retry.js';
import {
  postSlackMessage,
  SlackWebhookSink,
  singleWebhookResolver,
} from '../../shared/adapters/slack-webhook.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { scrubSecrets } from '../../shared/core/alert/dead-letter.js';
import { renderSlackMessage } from '../../shared/core/alert/render-slack.js';
import {
  fakeTiming,
  MemoryDeadLetters,
  makeAlert,
  memoryLog,
  type SlackStandIn,
  startSlackStandIn,
} from './helpers.js';

const msg = renderSlackMessage(makeAlert());
const once = { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 30_000, maxElapsedMs: 120_000 };

let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(async () => {
  await slack.close();
});

/** A raw server whose handler gets the response; closes every connection on `close()`. */
async function rawServer(
  handle: (res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('response body cap', () => {
  it('reads at most maxBodyBytes of a huge 500 body, then drops the connection', async () => {
    // Prepare: a 500 whose body would be 512 MiB, written with backpressure; count what got out.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = 512 * 1024 * 1024;
    let written = 0;
    let closed!: () => void;
    const connectionClosed = new Promise<void>((r) => {
      closed = r;
    });
    const srv = await rawServer((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.on('close', () => closed());
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    try {
      // Act
      const err = (await postSlackMessage(`${srv.url}/hook`, msg, {
        timing: fakeTiming(),
        retry: once,
        maxBodyBytes: 1024,
      }).catch((e: unknown) => e)) as SinkError;
      await connectionClosed;
      // Assess: the reason carries the first bytes only; the server could not push the body through.
      expect(err).toBeInstanceOf(SinkError);
      expect(err.reason).toMatch(/^HTTP 500 x{100,}/);
      expect(err.reason.length).toBeLessThan(200);
      expect(written).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await srv.close();
    }
  });
});

describe('timeouts', () => {
  it('times out a body that never ends, even while garbage collections run', async () => {
    // Prepare: headers and a few bytes, then nothing; collect garbage while the request waits.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const srv = await rawServer((res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const collecting = setInterval(() => gc(), 10);
    try {
      // Act
      const err = (await postSlackMessage(`${srv.url}/hook`, msg, {
        timing: fakeTiming(),
        retry: once,
        timeoutMs: 150,
      }).catch((e: unknown) => e)) as SinkError;
      // Assess
      expect(err.reason).toBe('timeout after 150 ms after 1 attempts');
      expect(err.retryable).toBe(true);
    } finally {
      clearInterval(collecting);
      await srv.close();
    }
  });

  it('cuts an attempt timeout to what is left of the budget', async () => {
    // A 60 s per-attempt timeout inside a 200 ms budget: the hung request ends with the budget.
    slack.reply = () => 'hang';
    const err = (await postSlackMessage(`${slack.url}/hook`, msg, {
      timing: fakeTiming(),
      timeoutMs: 60_000,
      retry: { ...once, maxAttempts: 3, maxElapsedMs: 200 },
    }).catch((e: unknown) => e)) as SinkError;
    expect(err.reason).toMatch(/^timeout after 200 ms after \d attempts$/);
  });
});

describe('Retry-After and the budget', () => {
  it('waits a short Retry-After, then posts', async () => {
    slack.reply = ({ n }) =>
      n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } } : { status: 200 };
    const timing = fakeTiming();
    await postSlackMessage(`${slack.url}/hook`, msg, { timing });
    expect(timing.sleeps).toEqual([2000]);
    expect(slack.accepted).toHaveLength(1);
  });

  it('gives up at once on a Retry-After beyond the remaining budget instead of sleeping past it', async () => {
    slack.reply = () => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '3600' } });
    const timing = fakeTiming();
    const err = (await postSlackMessage(`${slack.url}/hook`, msg, { timing }).catch(
      (e: unknown) => e,
    )) as SinkError;
    expect(timing.sleeps).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    expect(err.retryable).toBe(true);
    expect(err.reason).toBe(
      'HTTP 429 rate_limited; Retry-After 3600 s is beyond the 120 s left of the delivery budget after 1 attempts',
    );
  });
});

describe('redirects and refused connections', () => {
  it('does not follow a redirect to another host: a failure at once, Location not echoed', async () => {
    const elsewhere = await startSlackStandIn();
    try {
      slack.reply = () => ({
        status: 302,
        headers: { location: `${elsewhere.url}/services/T0001/B0001/stolen` },
      });
      const timing = fakeTiming();
      const err = (await postSlackMessage(`${slack.url}/hook`, msg, { timing }).catch(
        (e: unknown) => e,
      )) as SinkError;
      expect(err).toBeInstanceOf(SinkError);
      expect(err.retryable).toBe(false);
      expect(err.reason).toBe('HTTP 302 redirect not followed');
      expect(slack.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
      expect(timing.sleeps).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('retries a refused connection with backoff, then fails with the code', async () => {
    const gone = await startSlackStandIn();
    const url = `${gone.url}/hook`;
    await gone.close();
    const timing = fakeTiming();
    const err = (await postSlackMessage(url, msg, {
      timing,
      retry: { ...once, maxAttempts: 3 },
    }).catch((e: unknown) => e)) as SinkError;
    expect(err.reason).toBe('network error ECONNREFUSED after 3 attempts');
    expect(err.retryable).toBe(true);
    expect(timing.sleeps).toEqual([500, 1000]);
  });
});

describe('error bodies that echo the webhook URL', () => {
  const secretUrl = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/s3cr3tT0k3nValue';

  it('keeps URLs and tokens out of the reason, the log and the dead letter', async () => {
    // Prepare: Slack (or a proxy) answers 403 quoting the webhook URL, its path and a token.
    slack.reply = () => ({
      status: 403,
      body: `invalid_token for ${secretUrl} (path T0123ABCD/B0456EFGH/s3cr3tT0k3nValue, xoxb-1234-abcd) ${slack.url}/x`,
    });
    const dlq = new MemoryDeadLetters();
    const log = memoryLog();
    const local = new SlackWebhookSink({
      resolver: singleWebhookResolver(`${slack.url}/services/T0123ABCD/B0456EFGH/s3cr3tT0k3nValue`),
      timing: fakeTiming(),
    });
    // Act
    const report = await deliverAlerts([makeAlert()], {
      sinks: [local],
      deadLetter: dlq,
      log,
      windowMinutes: () => 0,
    });
    // Assess
    expect(report.deadLettered).toBe(1);
    const everything = JSON.stringify({ dlq: dlq.entries.map((e) => e.reason), log: log.lines });
    expect(everything).toContain('invalid_token');
    for (const leak of ['s3cr3t', 'hooks.slack.com', 'T0123ABCD', 'xoxb-', '127.0.0.1'])
      expect(everything).not.toContain(leak);
  });

  it('scrubSecrets replaces URLs with and without a scheme, encoded URLs, webhook paths and tokens', () => {
    const text = [
      secretUrl,
      'hooks.slack.com/services/T1/B2/c3',
      'https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0123ABCD',
      'example.org/path?q=1',
      '/services/T0123ABCD/B0456EFGH/abc',
      'xoxp-99-abc',
      'keep this',
    ].join(' ');
    const out = scrubSecrets(text);
    expect(out).toBe('(url) (url) (url) (url) (webhook path) (token) keep this');
  });
});

describe('circuit breaker', () => {
  it('parks the rest of a run after consecutive failures, and says which were not attempted', async () => {
    // Prepare: Slack is down; 2 attempts per alert, the circuit opens after 2 failed alerts.
    slack.reply = () => ({ status: 503, body: 'service_unavailable' });
    const timing = fakeTiming();
    const sink = new SlackWebhookSink({
      resolver: singleWebhookResolver(`${slack.url}/hook`),
      timing,
      retry: { maxAttempts: 2 },
      circuit: { failureThreshold: 2, resetAfterMs: 60_000 },
    });
    const dlq = new MemoryDeadLetters();
    const alerts = [1, 2, 3, 4, 5].map((i) => makeAlert({ id: `alert-${i}` }));
    // Act
    const report = await deliverAlerts(alerts, {
      sinks: [sink],
      deadLetter: dlq,
      log: memoryLog(),
      windowMinutes: () => 0,
    });
    // Assess: only the first two alerts reached the server; all five are parked, three held back.
    expect(slack.requests).toHaveLength(4);
    expect(report.deadLettered).toBe(5);
    expect(report.heldBack).toBe(3);
    expect(report.delivered).toEqual({ slack: 0 });
    expect(dlq.entries.map((e) => e.alert?.id)).toEqual(alerts.map((a) => a.id));
    expect(dlq.entries[4]!.reason).toBe(
      'not sent: Slack circuit open after 2 consecutive failures (last: HTTP 503 service_unavailable after 2 attempts)',
    );
    expect(dlq.entries[4]!.attempts).toBe(0);
    expect(sink.circuitOpen).toBe(true);

    // After the reset time one alert tries again; success closes the circuit.
    slack.reply = () => ({ status: 200, body: 'ok' });
    timing.advance(60_000);
    await sink.publish(makeAlert({ id: 'alert-6' }));
    await sink.publish(makeAlert({ id: 'alert-7' }));
    expect(slack.accepted).toHaveLength(2);
    expect(sink.circuitOpen).toBe(false);
  });

  it('a half-open trial that fails re-opens the circuit at once', async () => {
    slack.reply = () => ({ status: 500 });
    const timing = fakeTiming();
    const sink = new SlackWebhookSink({
      resolver: singleWebhookResolver(`${slack.url}/hook`),
      timing,
      retry: { maxAttempts: 1 },
      circuit: { failureThreshold: 1, resetAfterMs: 1000 },
    });
    await expect(sink.publish(makeAlert({ id: 'x1' }))).rejects.toBeInstanceOf(SinkError);
    await expect(sink.publish(makeAlert({ id: 'x2' }))).rejects.toBeInstanceOf(CircuitOpenError);
    timing.advance(1000);
    await expect(sink.publish(makeAlert({ id: 'x3' }))).rejects.not.toBeInstanceOf(CircuitOpenError);
    await expect(sink.publish(makeAlert({ id: 'x4' }))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(slack.requests).toHaveLength(2);
  });

  it('a permanent 4xx (one revoked webhook) does not open the circuit for the others', async () => {
    slack.reply = ({ path }) => (path === '/gone' ? { status: 404, body: 'no_service' } : { status: 200 });
    const sink = new SlackWebhookSink({
      resolver: {
        resolve: async (team) => ({
          ok: true,
          url: `${slack.url}/${team === 'revoked' ? 'gone' : 'ok'}`,
          team: team ?? 'x',
          viaDefault: false,
        }),
      },
      timing: fakeTiming(),
      circuit: { failureThreshold: 1 },
    });
    await expect(sink.publish(makeAlert({ id: 'r1', team: 'revoked' }))).rejects.toBeInstanceOf(SinkError);
    await expect(sink.publish(makeAlert({ id: 'r2', team: 'revoked' }))).rejects.toBeInstanceOf(SinkError);
    await sink.publish(makeAlert({ id: 'ok1', team: 'platform' }));
    expect(slack.accepted.map((r) => r.path)).toEqual(['/ok']);
  });
});
