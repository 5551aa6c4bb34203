/**
 * Every packaged function, run as deployed (./harness.ts): it starts with the template's environment,
 * handles a representative event within the template's timeout, and every AWS call it makes is allowed by
 * its role (the proxy answers AccessDenied otherwise, as AWS would, and the test fails).
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { replay } from '../../shared/app/replay.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/index.js';
import { envelope } from '../deploy/envelope.js';
import { chainAssume, oidcAssume, sessionCall } from '../session/records.js';
import { createAccessKeyEvent, sampleAlert, scheduleEvent, snsEvent } from './events.js';
import { type FunctionWorld, type RunResult, startWorld } from './harness.js';
import { type SlackStub, startSlackStub } from './slack-stub.js';

async function world(ctx: TestContext, name: string): Promise<FunctionWorld> {
  const w = await startWorld(name);
  ctx.onTestFinished(() => w.close());
  return w;
}

async function slack(ctx: TestContext): Promise<SlackStub> {
  const s = await startSlackStub('ok');
  ctx.onTestFinished(() => s.close());
  return s;
}

/** The invocation started, ended within the template's timeout, and the role allowed every call. */
function expectHealthy(w: FunctionWorld, r: RunResult) {
  const first = r.invocations[0];
  expect(
    first?.init,
    `${w.fn.name} could not start: ${first?.error?.message}\n${r.stderr.slice(-2000)}`,
  ).not.toBe(true);
  expect(r.timedOut, `${w.fn.name} did not end within its ${w.fn.timeoutSeconds} s timeout`).toBe(false);
  expect(
    w.proxy.violations().map((c) => `${c.action} on ${c.resources.join(', ')}`),
    `${w.fn.name} made calls its role does not allow`,
  ).toEqual([]);
  expect(first?.ok, `${w.fn.name} failed: ${first?.error?.name}: ${first?.error?.message}`).toBe(true);
}

describe.concurrent('packaged functions run as deployed (template env, timeout, memory, IAM role)', () => {
  it('detect: publishes the alert of a real CreateAccessKey event', async (ctx) => {
    const w = await world(ctx, 'detect');
    const r = await w.run([createAccessKeyEvent()]);
    expectHealthy(w, r);
    expect(r.invocations[0]!.result).toMatchObject({ evaluated: 1, deadLettered: 0 });
    const published = w.proxy.calls.filter((c) => c.action === 'sns:Publish' && c.allowed && !c.fault);
    expect(published.map((c) => JSON.parse(String(c.body.Message)).rule)).toContain('access-key-created');
  });

  it('detect: alerts carry the same session origin as replay gives (chained fork PR scenario)', async (ctx) => {
    const PLAN = 'ASIAPLAN000000000001';
    const APPLY = 'ASIAAPPLY00000000002';
    const records = [
      oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: '2026-11-02T10:02:00Z' }),
      chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
      sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    ];
    const w = await world(ctx, 'detect');
    // One event per container: the table, not the container's memory, carries the lineage.
    for (const r of records) expectHealthy(w, await w.run([envelope(r)]));
    const published = w.proxy.calls
      .filter((c) => c.action === 'sns:Publish' && c.allowed && !c.fault)
      .map((c) => JSON.parse(String(c.body.Message)) as Alert);
    const expected: Alert[] = [];
    async function* source() {
      yield records.map((raw, i) => ({ raw, path: 'mem', line: i + 1 }));
    }
    await replay({
      source: source(),
      view: buildIndex({
        version: 1,
        accounts: {},
        teams: {},
        defaults: {},
        identities: [],
        suppressions: [],
        incidents: [],
      }),
      pipeline: new DetectionPipeline(),
      dedupe: false,
      sessions: new MemorySessionStore(),
      emit: (a) => {
        expected.push(a);
      },
      onProblem: () => {},
    });
    const pick = (xs: Alert[]) =>
      xs
        .map((a) => ({ rule: a.rule, eventId: a.eventId, origin: a.origin }))
        .sort((a, b) => (a.eventId + a.rule).localeCompare(b.eventId + b.rule));
    expect(pick(published)).toEqual(pick(expected));
    expect(published.find((a) => a.rule === 'access-key-created')?.origin?.chain.map((c) => c.key)).toEqual([
      PLAN,
      APPLY,
    ]);
  });

  it('slack-notify: posts an alert from the topic to the default webhook', async (ctx) => {
    const w = await world(ctx, 'slack-notify');
    const s = await slack(ctx);
    w.proxy.parameters.set('/iamwatch/slack/default', s.url);
    const r = await w.run([snsEvent(sampleAlert())]);
    expectHealthy(w, r);
    expect(s.delivered).toHaveLength(1);
  });

  it('digest: builds the digest, runs the self-check and posts', async (ctx) => {
    const w = await world(ctx, 'digest');
    const s = await slack(ctx);
    w.proxy.parameters.set('/iamwatch/slack/default', s.url);
    const r = await w.run([scheduleEvent]);
    expectHealthy(w, r);
  });
});
