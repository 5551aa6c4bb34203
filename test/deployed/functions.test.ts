/**
 * Every packaged function, run as deployed (./harness.ts): it starts with the template's environment,
 * handles a representative event within the template's timeout, and every AWS call it makes is allowed by
 * its role (the proxy answers AccessDenied otherwise, as AWS would, and the test fails).
 */
import { describe, expect, it, type TestContext } from 'vitest';
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
