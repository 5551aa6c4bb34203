/**
 * Fault matrix, detect side: the packaged detect bundle under DynamoDB, SNS, SQS faults and EventBridge
 * redelivery (./harness.ts). Each alert is delivered exactly once (SNS) or parked where an operator finds
 * it (the alert-delivery dead-letter queue, or the event on the on-failure destination), and every
 * invocation ends within the template's timeout. No timing assertions beyond that.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import type { ProxyCall } from './aws-proxy.js';
import { createAccessKeyEvent, envelope, fixture } from './events.js';
import { type FunctionWorld, invokeAsync, type RunResult, startWorld } from './harness.js';
import { type MatrixRow, writeMatrix } from './matrix.js';
import { REGION } from './template.js';

const rows: MatrixRow[] = [];
afterAll(() => writeMatrix(rows));

async function world(ctx: TestContext): Promise<FunctionWorld> {
  const w = await startWorld('detect');
  ctx.onTestFinished(() => w.close());
  return w;
}

const alertOf = (c: ProxyCall) => JSON.parse(String(c.body.Message)) as { id: string; degraded?: string[] };
const accepted = (w: FunctionWorld, action: string) =>
  w.proxy.calls.filter((c) => c.action === action && c.allowed && !c.fault);

/** SNS publishes per alert id, and dead letters per alert id. */
function tally(w: FunctionWorld) {
  const delivered = new Map<string, number>();
  for (const c of accepted(w, 'sns:Publish')) {
    const id = alertOf(c).id;
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
  }
  const parked = new Map<string, number>();
  for (const c of accepted(w, 'sqs:SendMessage')) {
    const id = JSON.parse(String(c.body.MessageBody)).alert?.id ?? '?';
    parked.set(id, (parked.get(id) ?? 0) + 1);
  }
  return { delivered, parked };
}

function check(
  w: FunctionWorld,
  fault: string,
  attempts: RunResult[],
  expected: 'delivered once' | 'parked',
  onFailureDestination = false,
) {
  const { delivered, parked } = tally(w);
  const ids = new Set([...delivered.keys(), ...parked.keys()]);
  const twice = [...delivered.values()].some((n) => n > 1);
  const outcome =
    ids.size === 0
      ? onFailureDestination
        ? 'parked (event on on-failure destination)'
        : 'LOST'
      : twice
        ? 'DELIVERED TWICE'
        : [...ids].every((id) => delivered.get(id) === 1)
          ? 'delivered once'
          : [...ids].every((id) => delivered.get(id) === 1 || (parked.get(id) ?? 0) >= 1)
            ? 'parked (alert-delivery dead-letter queue)'
            : 'LOST';
  const longestMs = Math.max(0, ...attempts.flatMap((a) => a.invocations.map((i) => i.ms)));
  rows.push({
    fn: 'detect',
    fault,
    outcome: attempts.some((a) => a.timedOut) ? `${outcome}; TIMED OUT` : outcome,
    attempts: attempts.length,
    longestMs: attempts.some((a) => a.timedOut) ? w.fn.timeoutSeconds * 1000 : longestMs,
    timeoutS: w.fn.timeoutSeconds,
  });
  const firstError = attempts.flatMap((a) => a.invocations).find((i) => !i.ok)?.error?.message;
  expect(outcome.startsWith(expected), `${fault}: ${outcome} (${firstError ?? 'no error'})`).toBe(true);
  expect(
    w.proxy.violations().map((c) => `${c.action} on ${c.resources.join(', ')}`),
    'calls the role does not allow',
  ).toEqual([]);
  for (const a of attempts) expect(a.timedOut, `an invocation ran past ${w.fn.timeoutSeconds} s`).toBe(false);
}

const T = 200_000;

describe.concurrent('detect as deployed, under faults', () => {
  it(
    'DynamoDB connection refused: fails open, the alert goes out once marked degraded',
    async (ctx) => {
      const w = await world(ctx);
      w.refused.add('dynamodb');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'DynamoDB refused', attempts, 'delivered once', onFailureDestination);
      const alerts = accepted(w, 'sns:Publish').map(alertOf);
      expect(alerts.every((a) => a.degraded?.includes('baseline-unavailable'))).toBe(true);
    },
    T,
  );

  it(
    'DynamoDB black-holed (accepts, never answers): fails open within the timeout',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('dynamodb', 'blackhole');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'DynamoDB black-holed', attempts, 'delivered once', onFailureDestination);
      expect(
        accepted(w, 'sns:Publish')
          .map(alertOf)
          .every((a) => a.degraded?.includes('baseline-unavailable')),
      ).toBe(true);
    },
    T,
  );

  it(
    'DynamoDB throttled on every call: fails open, delivered once',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('dynamodb', 'throttle');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'DynamoDB throttled', attempts, 'delivered once', onFailureDestination);
    },
    T,
  );

  it(
    'DynamoDB AccessDenied: fails open, delivered once',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('dynamodb', 'deny');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'DynamoDB AccessDenied', attempts, 'delivered once', onFailureDestination);
    },
    T,
  );

  it(
    'SNS answers 5xx: the alert is parked in the alert-delivery queue (and still reaches the bus)',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('sns', '5xx');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'SNS 5xx', attempts, 'parked', onFailureDestination);
      expect(accepted(w, 'events:PutEvents').length).toBeGreaterThan(0);
    },
    T,
  );

  it(
    'SNS throttled: the alert is parked in the alert-delivery queue',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('sns', 'throttle');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'SNS throttled', attempts, 'parked', onFailureDestination);
    },
    T,
  );

  it(
    'dead-letter queue (SQS) down while SNS works: delivered once',
    async (ctx) => {
      const w = await world(ctx);
      w.refused.add('sqs');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent());
      check(w, 'SQS (dead-letter) down', attempts, 'delivered once', onFailureDestination);
    },
    T,
  );

  it(
    'SNS and the dead-letter queue fail together, then recover: the Lambda retry delivers the alert once',
    async (ctx) => {
      const w = await world(ctx);
      w.proxy.fault('sns', '5xx');
      w.refused.add('sqs');
      const { attempts, onFailureDestination } = await invokeAsync(w, createAccessKeyEvent(), () => {
        w.proxy.fault('sns', null);
        w.refused.delete('sqs');
      });
      expect(attempts[0]!.invocations[0]!.ok, 'the first attempt throws so that Lambda retries').toBe(false);
      check(
        w,
        'SNS 5xx and SQS down together, then recovered',
        attempts,
        'delivered once',
        onFailureDestination,
      );
      expect(attempts.at(-1)!.invocations[0]!.result).toMatchObject({ repeats: 0 });
    },
    T,
  );

  it(
    'EventBridge redelivers the same event (new container): one alert, one observation',
    async (ctx) => {
      const w = await world(ctx);
      const event = envelope(fixture('AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json'));
      // Observations are buffered for up to IAMWATCH_OBSERVATION_FLUSH_SECONDS and a harness container ends
      // with its last event (a reclaimed Lambda container loses its buffer): written at once here, to count.
      const now = { IAMWATCH_OBSERVATION_FLUSH_SECONDS: '0' };
      const first = await w.run([event], now);
      const second = await w.run([event], now);
      const warm = await w.run([event, event], now);
      check(w, 'EventBridge redelivery of the same event', [first, second, warm], 'delivered once');
      const ddb = new DynamoDBClient({
        region: REGION,
        endpoint: w.store.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const scan = await ddb.send(new ScanCommand({ TableName: 'iamwatch-dev' }));
      ddb.destroy();
      const obs = (scan.Items ?? []).filter((i) => i.pk?.S?.startsWith('OBS#'));
      expect(obs).toHaveLength(1);
      expect(obs[0]!.count?.N, 'one event observed once').toBe('1');
    },
    T,
  );
});
