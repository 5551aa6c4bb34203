/**
 * `iamwatch redrive`: against the CLI's dead-letter files for real (written by FileDeadLetterSink), and
 * against SQS through a local HTTP stand-in speaking the SQS JSON protocol; Slack is a local HTTP server.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileDeadLetterSink } from '../../shared/adapters/file-dlq.js';
import type { DeadLetter } from '../../shared/core/alert/dead-letter.js';
import { makeAlert, type SlackStandIn, startSlackStandIn } from '../delivery/helpers.js';
import { type SqsStub, startSqsStub } from '../delivery/sqs-stub.js';
import { runCli } from '../helpers/cli.js';

let slack: SlackStandIn;
let sqs: SqsStub;
let dir: string;
beforeEach(async () => {
  slack = await startSlackStandIn();
  sqs = await startSqsStub();
  dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-redrive-'));
  // The SDK's credential chain reads the process environment; the stand-in ignores signatures.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await slack.close();
  await sqs.close();
});

const entry = (
  id: string,
  sink = 'slack',
  reason = 'HTTP 503 service_unavailable after 6 attempts',
): DeadLetter => ({
  alert: makeAlert({ id, dedupeKey: `k-${id}` }),
  reason,
  sink,
  attempts: 6,
  failedAt: '2026-03-02T10:00:00.000Z',
});

const postedIds = () =>
  slack.accepted.map((r) => /alert `([^`]+)`/.exec(JSON.stringify(r.body))?.[1] ?? '?').sort();

/** Park entries the way replay does. */
async function parkInFile(entries: DeadLetter[], extraLine?: string): Promise<string> {
  const sink = new FileDeadLetterSink({
    dir: path.join(dir, 'dead-letters'),
    nowMs: () => Date.parse('2026-03-02T10:00:00Z'),
  });
  for (const e of entries) await sink.park(e);
  if (extraLine !== undefined) {
    const { appendFileSync } = await import('node:fs');
    appendFileSync(sink.currentFile(), `${extraLine}\n`);
  }
  return sink.currentFile();
}

describe('redrive the CLI dead-letter file', () => {
  it('lists without sending in --dry-run, then posts each alert once, and never twice across runs', async () => {
    // Prepare: alert a parked twice (two replays while Slack was down), alert b once, one torn line.
    const file = await parkInFile([entry('alert-a'), entry('alert-b'), entry('alert-a')], '{"alert": {"id"');
    const before = readFileSync(file, 'utf8');

    // Act 1: dry run.
    const dry = await runCli([
      'redrive',
      '--dry-run',
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/hook`,
    ]);
    expect(dry.code).toBe(0);
    expect(slack.requests).toHaveLength(0);
    expect(dry.stdout).toContain('would-redrive');
    expect(dry.stdout).toContain(`${file}:4`);
    expect(dry.stdout).toContain('not JSON');
    expect(dry.stderr).toMatch(/redrive --queue delivery \(dry run\): 4 listed: 2 would be redriven/);
    expect(existsSync(path.join(dir, 'dead-letters', 'redriven.jsonl'))).toBe(false);

    // Act 2: for real.
    const run = await runCli(['redrive', '--store-dir', dir, '--slack-webhook', `${slack.url}/hook`]);
    expect(run.code).toBe(0);
    expect(postedIds()).toEqual(['alert-a', 'alert-b']);
    expect(run.stderr).toMatch(/4 listed: 2 redriven, 0 failed again \(still parked\), 1 already redriven/);

    // Act 3: again — nothing is posted twice; the file itself is never rewritten.
    const again = await runCli(['redrive', '--store-dir', dir, '--slack-webhook', `${slack.url}/hook`]);
    expect(again.code).toBe(0);
    expect(slack.accepted).toHaveLength(2);
    expect(again.stderr).toMatch(/0 redriven, 0 failed again \(still parked\), 3 already redriven/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('keeps alerts that fail again (exit 3) and those whose sink has no target (exit 2)', async () => {
    await parkInFile([entry('alert-c'), entry('alert-d', 'sns', 'ThrottlingException (HTTP 400)')]);
    slack.reply = () => ({ status: 404, body: `no_service ${slack.url}/services/T000/B000/secret` });
    const run = await runCli([
      'redrive',
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/services/T000/B000/secret`,
      '--format',
      'json',
    ]);
    expect(run.code).toBe(3);
    const rows = JSON.parse(run.stdout) as Array<{ alertId: string; status: string; detail: string }>;
    expect(rows.map((r) => [r.alertId, r.status])).toEqual([
      ['alert-c', 'failed'],
      ['alert-d', 'no-target'],
    ]);
    expect(rows[0]!.detail).toBe('HTTP 404 no_service (url)');
    expect(rows[1]!.detail).toBe('kept: pass --sns-topic ARN');
    expect(run.stdout + run.stderr).not.toContain('secret');
    expect(existsSync(path.join(dir, 'dead-letters', 'redriven.jsonl'))).toBe(false);

    // Slack is back; the SNS entry still has no target: exit 2 naming what to pass.
    slack.reply = () => ({ status: 200, body: 'ok' });
    const later = await runCli(['redrive', '--store-dir', dir, '--slack-webhook', `${slack.url}/hook`]);
    expect(later.code).toBe(2);
    expect(later.stderr).toContain('1 parked alert(s) need a target');
    expect(postedIds()).toEqual(['alert-c']);
  });

  it('reads the webhook from IAMWATCH_SLACK_WEBHOOK, and says when nothing is parked', async () => {
    const none = await runCli(['redrive', '--store-dir', dir]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('nothing parked\n');
    await parkInFile([entry('alert-e')]);
    const run = await runCli(['redrive', '--store-dir', dir], {
      env: { IAMWATCH_SLACK_WEBHOOK: `${slack.url}/hook` },
    });
    expect(run.code).toBe(0);
    expect(postedIds()).toEqual(['alert-e']);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await runCli(['redrive', '--queue', 'nope'])).code).toBe(2);
    const f = await runCli(['redrive', '--queue', 'failures']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('pass --stage or --queue-url');
  });
});

describe('redrive SQS queues (local SQS stand-in)', () => {
  const sqsArgs = () => ['--stage', 'test', '--region', 'us-east-1', '--endpoint', sqs.endpoint];

  it('delivery queue: re-posts each alert, deletes only after success, gives failures back', async () => {
    sqs.addQueue('iamwatch-test-alert-delivery-failures', [
      JSON.stringify(entry('q-1')),
      JSON.stringify(entry('q-2')),
    ]);
    // Dry run: nothing sent, nothing deleted, messages visible again at once.
    const dry = await runCli([
      'redrive',
      '--dry-run',
      ...sqsArgs(),
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/h`,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('iamwatch-test-alert-delivery-failures#');
    expect(slack.requests).toHaveLength(0);
    expect(sqs.calls).not.toContain('DeleteMessage');
    const q = sqs.queues.get('iamwatch-test-alert-delivery-failures')!;
    expect(q).toHaveLength(2);
    expect(q.every((m) => m.invisibleUntil <= Date.now())).toBe(true);

    // Slack refuses q-2: q-1 is delivered and deleted, q-2 stays in the queue, visible.
    slack.reply = ({ body }) =>
      JSON.stringify(body).includes('q-2') ? { status: 404, body: 'channel_not_found' } : { status: 200 };
    const run = await runCli([
      'redrive',
      ...sqsArgs(),
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/h`,
    ]);
    expect(run.code).toBe(3);
    expect(postedIds()).toEqual(['q-1']);
    expect(q.map((m) => JSON.parse(m.body).alert.id)).toEqual(['q-2']);
    expect(q[0]!.invisibleUntil <= Date.now()).toBe(true);
  });

  it('is idempotent when a delete fails after delivery: the message comes back and is not posted again', async () => {
    sqs.addQueue('iamwatch-test-alert-delivery-failures', [JSON.stringify(entry('q-3'))]);
    sqs.failDeletes = 10; // the SDK retries; every delete fails in this run
    const first = await runCli([
      'redrive',
      ...sqsArgs(),
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/h`,
    ]);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('could not settle the message');
    expect(postedIds()).toEqual(['q-3']);
    sqs.failDeletes = 0;
    sqs.expireVisibility();
    const second = await runCli([
      'redrive',
      ...sqsArgs(),
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/h`,
    ]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already-redriven');
    expect(slack.accepted).toHaveLength(1);
    expect(sqs.queues.get('iamwatch-test-alert-delivery-failures')).toHaveLength(0);
  });

  it('failures queues: posts the alerts of a failed slack-notify invocation, keeps detect events with a hint', async () => {
    const snsRecord = (id: string) => ({
      EventSource: 'aws:sns',
      Sns: { MessageId: `m-${id}`, Message: JSON.stringify(makeAlert({ id })) },
    });
    const lambdaFailure = (payload: unknown) =>
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-03-02T10:05:00.000Z',
        requestContext: {
          requestId: 'r-1',
          functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-test-slack-notify:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: payload,
        responseContext: { statusCode: 200, functionError: 'Unhandled' },
        responsePayload: {
          errorType: 'DeliveryError',
          errorMessage: 'could not deliver or dead-letter 2 alert(s)',
        },
      });
    sqs.addQueue('iamwatch-test-slack-notify-failures', [
      lambdaFailure({ Records: [snsRecord('f-1'), snsRecord('f-2')] }),
    ]);
    sqs.addQueue('iamwatch-test-slack-notify-undelivered', [
      JSON.stringify({
        Type: 'Notification',
        MessageId: 'n-1',
        Message: JSON.stringify(makeAlert({ id: 'f-3' })),
      }),
    ]);
    sqs.addQueue('iamwatch-test-detect-failures', [
      lambdaFailure({
        source: 'aws.iam',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: { eventName: 'CreateUser' },
      }),
    ]);
    sqs.addQueue('iamwatch-test-detect-undelivered', []);

    const run = await runCli([
      'redrive',
      '--queue',
      'failures',
      ...sqsArgs(),
      '--store-dir',
      dir,
      '--slack-webhook',
      `${slack.url}/h`,
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    expect(postedIds()).toEqual(['f-1', 'f-2', 'f-3']);
    const rows = JSON.parse(run.stdout) as Array<{ status: string; detail: string }>;
    expect(rows.map((r) => r.status)).toEqual(['redriven', 'redriven', 'redriven', 'not-an-alert']);
    expect(rows[3]!.detail).toContain('invoke the detect function');
    expect(sqs.queues.get('iamwatch-test-slack-notify-failures')).toHaveLength(0);
    expect(sqs.queues.get('iamwatch-test-slack-notify-undelivered')).toHaveLength(0);
    expect(sqs.queues.get('iamwatch-test-detect-failures')).toHaveLength(1);
  });

  it('names a stage whose queues do not exist (exit 3)', async () => {
    const run = await runCli(['redrive', ...sqsArgs(), '--store-dir', dir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot find the queues of stage test');
  });
});
