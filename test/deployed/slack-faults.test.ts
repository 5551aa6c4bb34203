/**
 * Fault matrix, slack-notify side: the packaged slack-notify bundle against a local HTTPS Slack stub in
 * each failure shape, a dead-letter queue that is down, and SNS redelivering the same alert. Each alert is
 * posted exactly once, or parked (the alert-delivery dead-letter queue, or — when even that is down — the
 * event on the function's on-failure destination); every invocation ends within the template's timeout.
 */
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { closedPort } from './aws-proxy.js';
import { sampleAlert, snsEvent } from './events.js';
import { type FunctionWorld, invokeAsync, type RunResult, startWorld } from './harness.js';
import { type MatrixRow, writeMatrix } from './matrix.js';
import { type SlackMode, type SlackStub, startSlackStub } from './slack-stub.js';

const rows: MatrixRow[] = [];
afterAll(() => writeMatrix(rows));

async function setup(ctx: TestContext, mode: SlackMode): Promise<{ w: FunctionWorld; slack: SlackStub }> {
  const w = await startWorld('slack-notify');
  const slack = await startSlackStub(mode);
  ctx.onTestFinished(async () => {
    await w.close();
    await slack.close();
  });
  w.proxy.parameters.set('/iamwatch/slack/default', slack.url);
  return { w, slack };
}

function check(
  w: FunctionWorld,
  slack: SlackStub,
  fault: string,
  attempts: RunResult[],
  expected: 'delivered once' | 'parked',
  onFailureDestination = false,
) {
  const parked = w.proxy.calls.filter((c) => c.action === 'sqs:SendMessage' && c.allowed && !c.fault).length;
  const delivered = slack.delivered.length;
  const started = attempts.every((a) => !a.invocations[0]?.init);
  const outcome =
    delivered > 1
      ? 'DELIVERED TWICE'
      : delivered === 1
        ? 'delivered once'
        : parked > 0
          ? 'parked (alert-delivery dead-letter queue)'
          : onFailureDestination && started
            ? 'parked (event on on-failure destination)'
            : 'LOST';
  const timedOut = attempts.some((a) => a.timedOut);
  rows.push({
    fn: 'slack-notify',
    fault,
    outcome: `${outcome}${timedOut ? '; TIMED OUT' : ''}${started ? '' : '; CANNOT START'}`,
    attempts: attempts.length,
    longestMs: timedOut
      ? w.fn.timeoutSeconds * 1000
      : Math.max(0, ...attempts.flatMap((a) => a.invocations.map((i) => i.ms))),
    timeoutS: w.fn.timeoutSeconds,
  });
  const firstError = attempts.flatMap((a) => a.invocations).find((i) => !i.ok)?.error?.message;
  expect(
    w.proxy.violations().map((c) => `${c.action} on ${c.resources.join(', ')}`),
    'calls the role does not allow',
  ).toEqual([]);
  for (const a of attempts) expect(a.timedOut, `an invocation ran past ${w.fn.timeoutSeconds} s`).toBe(false);
  expect(outcome, `${fault} (${firstError ?? 'no error'})`).toBe(
    expected === 'parked' ? 'parked (alert-delivery dead-letter queue)' : expected,
  );
}

const T = 400_000;
const cases: Array<[string, SlackMode, 'delivered once' | 'parked']> = [
  ['Slack 429, Retry-After 1 s', '429-short', 'delivered once'],
  ['Slack 429, Retry-After 3600 s', '429-long', 'parked'],
  ['Slack 5xx', '5xx', 'parked'],
  ['Slack hanging', 'hang', 'parked'],
  ['Slack 64 MiB body', 'huge-body', 'delivered once'],
  ['Slack redirect', 'redirect', 'parked'],
];

describe.concurrent('slack-notify as deployed, under faults', () => {
  for (const [fault, mode, expected] of cases) {
    it(
      `${fault}: ${expected}`,
      async (ctx) => {
        const { w, slack } = await setup(ctx, mode);
        const { attempts, onFailureDestination } = await invokeAsync(w, snsEvent(sampleAlert()));
        check(w, slack, fault, attempts, expected, onFailureDestination);
      },
      T,
    );
  }

  it(
    'Slack connection refused: parked',
    async (ctx) => {
      const { w, slack } = await setup(ctx, 'ok');
      w.proxy.parameters.set(
        '/iamwatch/slack/default',
        `${(await closedPort()).replace('http:', 'https:')}/services/T/B/X`,
      );
      const { attempts, onFailureDestination } = await invokeAsync(w, snsEvent(sampleAlert()));
      check(w, slack, 'Slack connection refused', attempts, 'parked', onFailureDestination);
    },
    T,
  );

  it(
    'SSM (webhook parameter) black-holed: parked within the timeout',
    async (ctx) => {
      const { w, slack } = await setup(ctx, 'ok');
      w.proxy.fault('ssm', 'blackhole');
      const { attempts, onFailureDestination } = await invokeAsync(w, snsEvent(sampleAlert()));
      check(w, slack, 'SSM black-holed', attempts, 'parked', onFailureDestination);
    },
    T,
  );

  it(
    'Slack 5xx while the dead-letter queue is down: the event ends on the on-failure destination',
    async (ctx) => {
      const { w, slack } = await setup(ctx, '5xx');
      w.refused.add('sqs');
      const { attempts, onFailureDestination } = await invokeAsync(w, snsEvent(sampleAlert()));
      expect(onFailureDestination).toBe(true);
      expect(attempts.every((a) => a.invocations[0]?.ok === false && !a.invocations[0]?.init)).toBe(true);
      rows.push({
        fn: 'slack-notify',
        fault: 'Slack 5xx and SQS (dead-letter) down',
        outcome: 'parked (event on on-failure destination)',
        attempts: attempts.length,
        longestMs: Math.max(0, ...attempts.flatMap((a) => a.invocations.map((i) => i.ms))),
        timeoutS: w.fn.timeoutSeconds,
      });
      expect(slack.delivered).toHaveLength(0);
      for (const a of attempts) expect(a.timedOut).toBe(false);
      expect(w.proxy.violations()).toEqual([]);
    },
    T,
  );

  it(
    'SNS redelivers the same alert (new container, then a warm one): posted once',
    async (ctx) => {
      const { w, slack } = await setup(ctx, 'ok');
      const event = snsEvent(sampleAlert());
      const first = await w.run([event]);
      const second = await w.run([event, event]);
      check(w, slack, 'SNS redelivery of the same alert', [first, second], 'delivered once');
    },
    T,
  );
});
