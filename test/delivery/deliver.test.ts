import { describe, expect, it } from 'vitest';
import { SinkError } from '../../shared/adapters/delivery-retry.js';
import { SlackWebhookSink } from '../../shared/adapters/slack-webhook.js';
import { createWebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import { DeliveryError, deliverAlerts } from '../../shared/app/deliver.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import {
  fakeTiming,
  MemoryDeadLetters,
  MemoryDedupe,
  MemorySink,
  makeAlert,
  memoryLog,
  startSlackStandIn,
} from './helpers.js';

const window = () => 60;

/** Twelve failed OIDC attempts of one job: same dedupe key, one event id each, a few seconds apart. */
function retryStorm(): Alert[] {
  return Array.from({ length: 12 }, (_, i) =>
    makeAlert({
      id: `storm-${i}`,
      rule: 'oidc-assume-failed',
      eventId: `3b1a2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c${String(i).padStart(2, '0')}`,
      eventTime: `2026-03-02T10:15:${String(10 + i * 3).padStart(2, '0')}Z`,
      dedupeKey:
        'oidc-assume-failed|token.actions.githubusercontent.com|repo:example-org/api:ref:refs/heads/main',
    }),
  );
}

describe('deliverAlerts', () => {
  it('turns a retry storm into one published alert (one per rule, dedupe key and window)', async () => {
    const sink = new MemorySink('slack');
    const dlq = new MemoryDeadLetters();
    const dedupe = new MemoryDedupe();
    const report = await deliverAlerts(retryStorm(), {
      dedupe,
      windowMinutes: window,
      sinks: [sink],
      log: memoryLog(),
      deadLetter: dlq,
    });
    expect(report).toMatchObject({ published: 1, repeats: 11, degraded: 0, deadLettered: 0 });
    expect(sink.published.map((a) => a.id)).toEqual(['storm-0']);
    expect([...dedupe.items.values()]).toEqual([{ firstAlertId: 'storm-0', count: 12 }]);
  });

  it('publishes once under duplicate delivery of the same events, again in the next window', async () => {
    const sink = new MemorySink('sns');
    const deps = {
      dedupe: new MemoryDedupe(),
      windowMinutes: window,
      sinks: [sink],
      log: memoryLog(),
      deadLetter: new MemoryDeadLetters(),
    };
    const a = makeAlert();
    await deliverAlerts([a, a], deps);
    await deliverAlerts([a], deps); // EventBridge redelivery / Lambda retry
    await deliverAlerts([{ ...a, id: 'next-window', eventTime: '2026-03-02T11:15:30Z' }], deps);
    expect(sink.published.map((x) => x.id)).toEqual([a.id, 'next-window']);
  });

  it('fails open when dedupe is unavailable: published, marked degraded', async () => {
    const sink = new MemorySink('sns');
    const dedupe = new MemoryDedupe();
    dedupe.unavailable = true;
    const log = memoryLog();
    const report = await deliverAlerts([makeAlert()], {
      dedupe,
      windowMinutes: window,
      sinks: [sink],
      log,
      deadLetter: new MemoryDeadLetters(),
    });
    expect(report).toMatchObject({ published: 1, degraded: 1 });
    expect(sink.published[0]?.degraded).toEqual(['dedupe-unavailable']);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('dedupe unavailable'))).toBe(true);
  });

  it('keeps other sinks going and parks the whole alert when one sink fails', async () => {
    const good = new MemorySink('sns');
    const bad = new MemorySink('slack');
    bad.failWith = new SinkError('slack', 'HTTP 500 after 6 attempts', { attempts: 6, retryable: true });
    const dlq = new MemoryDeadLetters();
    const alert = makeAlert();
    const report = await deliverAlerts([alert], {
      windowMinutes: window,
      sinks: [bad, good],
      log: memoryLog(),
      deadLetter: dlq,
      clock: { nowMs: () => Date.parse('2026-03-02T10:20:00Z') },
    });
    expect(good.published).toEqual([alert]);
    expect(dlq.entries).toEqual([
      {
        alert,
        reason: 'HTTP 500 after 6 attempts',
        sink: 'slack',
        attempts: 6,
        failedAt: '2026-03-02T10:20:00.000Z',
      },
    ]);
    expect(report.outcomes[0]).toEqual({
      alertId: alert.id,
      decision: 'no-dedupe',
      delivered: ['sns'],
      deadLettered: [{ sink: 'slack', reason: 'HTTP 500 after 6 attempts' }],
    });
  });

  it('throws a DeliveryError when the dead-letter sink fails too, after trying every alert', async () => {
    const bad = new MemorySink('slack');
    bad.failWith = new Error('boom');
    const good = new MemorySink('sns');
    const dlq = new MemoryDeadLetters();
    dlq.failing = true;
    const alerts = [makeAlert({ id: 'x1' }), makeAlert({ id: 'x2' })];
    const err = await deliverAlerts(alerts, {
      windowMinutes: window,
      sinks: [bad, good],
      log: memoryLog(),
      deadLetter: dlq,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).failures.map((f) => f.alertId)).toEqual(['x1', 'x2']);
    expect(good.published.map((a) => a.id)).toEqual(['x1', 'x2']);
  });

  it('gives the claim back when an alert is neither delivered nor parked, so the retry delivers it', async () => {
    const slack = new MemorySink('slack');
    slack.failWith = new Error('HTTP 503');
    const dlq = new MemoryDeadLetters();
    dlq.failing = true;
    const deps = {
      dedupe: new MemoryDedupe(),
      windowMinutes: window,
      sinks: [slack],
      log: memoryLog(),
      deadLetter: dlq,
    };
    const a = makeAlert({ id: 'lost-1' });
    await expect(deliverAlerts([a], deps)).rejects.toBeInstanceOf(DeliveryError);
    expect(deps.dedupe.items.size).toBe(0);
    // The retry of the same event (Lambda async retry): Slack is back.
    slack.failWith = null;
    dlq.failing = false;
    const report = await deliverAlerts([a], deps);
    expect(report).toMatchObject({ published: 1, repeats: 0 });
    expect(slack.published.map((x) => x.id)).toEqual(['lost-1']);
    // A redelivery after that is ignored and does not count as a repeat of the finding.
    await deliverAlerts([a], deps);
    expect(slack.published).toHaveLength(1);
    expect([...deps.dedupe.items.values()]).toEqual([{ firstAlertId: 'lost-1', count: 1 }]);
  });
});

describe('a 10-minute Slack outage', () => {
  it('loses no alert: each is posted after recovery or parked with its full content, and redrive posts the rest', async () => {
    const slack = await startSlackStandIn();
    try {
      const timing = fakeTiming(Date.parse('2026-03-02T10:00:00Z'));
      const outageEnd = timing.nowMs() + 10 * 60_000;
      slack.reply = () =>
        timing.nowMs() < outageEnd
          ? { status: 503, body: 'service_unavailable' }
          : { status: 200, body: 'ok' };
      const resolver = createWebhookResolver({
        teams: async () => ({ teams: { platform: { slack: `${slack.url}/p` } } }),
        allowLoopbackHttp: true,
      });
      const sink = new SlackWebhookSink({ resolver, timing });
      const dlq = new MemoryDeadLetters();
      const log = memoryLog();

      // One alert every 30 s for 15 minutes, starting with the outage.
      const alerts = Array.from({ length: 30 }, (_, i) =>
        makeAlert({
          id: `alert-${i}`,
          dedupeKey: `k-${i}`,
          eventTime: new Date(Date.parse('2026-03-02T10:00:00Z') + i * 30_000).toISOString(),
        }),
      );
      const start = timing.nowMs();
      for (const [i, a] of alerts.entries()) {
        const arrival = start + i * 30_000;
        if (timing.nowMs() < arrival) timing.advance(arrival - timing.nowMs());
        await deliverAlerts([a], {
          dedupe: new MemoryDedupe(),
          windowMinutes: window,
          sinks: [sink],
          log,
          deadLetter: dlq,
          clock: timing,
        });
      }

      const posted = slack.accepted.map((r) => (r.body as { blocks: unknown[] }) && JSON.stringify(r.body));
      const postedIds = alerts
        .filter((a) => posted.some((p) => p.includes(`alert \`${a.id}\``)))
        .map((a) => a.id);
      const parkedIds = dlq.entries.map((e) => e.alert?.id);
      // Nothing lost, nothing both posted and parked.
      expect([...postedIds, ...parkedIds].sort()).toEqual(alerts.map((a) => a.id).sort());
      expect(postedIds.filter((id) => parkedIds.includes(id))).toEqual([]);
      expect(slack.accepted).toHaveLength(postedIds.length); // each posted once
      expect(parkedIds.length).toBeGreaterThan(0);
      expect(postedIds.length).toBeGreaterThan(0);
      // Parked with full content and a reason.
      for (const e of dlq.entries) {
        expect(e.alert).toEqual(alerts.find((a) => a.id === e.alert?.id));
        // Failed after retries, or held back by the open circuit (attempts 0) without a request.
        expect(e.reason).toMatch(
          /^(HTTP 503 service_unavailable after \d+ attempts|not sent: Slack circuit open after \d+ consecutive failures \(last: HTTP 503 service_unavailable after \d+ attempts\))$/,
        );
        expect(e.sink).toBe('slack');
      }
      // Every alert after the outage went straight through.
      expect(postedIds).toEqual(expect.arrayContaining(alerts.slice(20).map((a) => a.id)));

      // Redrive the dead letters after recovery: all of them are posted, once each.
      const before = slack.accepted.length;
      await deliverAlerts(
        dlq.entries.map((e) => e.alert!),
        { windowMinutes: window, sinks: [sink], log, deadLetter: new MemoryDeadLetters(), clock: timing },
      );
      expect(slack.accepted.length - before).toBe(parkedIds.length);
    } finally {
      await slack.close();
    }
  });
});
