import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../shared/adapters/delivery-retry.js';
import { EventBridgeAlertSink, SinkBatchError } from '../../shared/adapters/eventbridge-alerts.js';
import { FileDeadLetterSink } from '../../shared/adapters/file-dlq.js';
import { SnsAlertSink } from '../../shared/adapters/sns-alerts.js';
import { SqsDeadLetterSink } from '../../shared/adapters/sqs-dlq.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { fakeTiming, MemoryDeadLetters, makeAlert, memoryLog } from './helpers.js';

const sns = mockClient(SNSClient);
const eb = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  sns.reset();
  eb.reset();
  sqs.reset();
});

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:iamwatch-prod-alerts';

describe('SnsAlertSink', () => {
  it('publishes the alert JSON with routing attributes, retrying throttling', async () => {
    sns.on(PublishCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ MessageId: 'm-1' });
    const timing = fakeTiming();
    const alert = makeAlert();
    await new SnsAlertSink({ client: new SNSClient({}), topicArn: TOPIC, timing }).publish(alert);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(3);
    expect(timing.sleeps).toHaveLength(2);
    const input = calls[2]!.args[0].input;
    expect(JSON.parse(input.Message!)).toEqual(alert);
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      team: { DataType: 'String', StringValue: 'platform' },
      rule: { DataType: 'String', StringValue: 'oidc-unexpected-subject' },
      account: { DataType: 'String', StringValue: '111122223333' },
      environment: { DataType: 'String', StringValue: 'production' },
    });
    expect(input.Subject).toBe('[HIGH] OIDC role assumed from an unexpected subject');
    expect(input.MessageDeduplicationId).toBeUndefined();
  });

  it('sets a deduplication id only on FIFO topics', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsAlertSink({
      client: new SNSClient({}),
      topicArn: `${TOPIC}.fifo`,
      timing: fakeTiming(),
    }).publish(makeAlert());
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toMatchObject({
      MessageDeduplicationId: 'a1b2c3d4e5f60718',
      MessageGroupId: 'iamwatch-platform',
    });
  });

  it('does not retry a permanent error', async () => {
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('Topic does not exist'), {
        name: 'NotFoundException',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const err = (await new SnsAlertSink({ client: new SNSClient({}), topicArn: TOPIC, timing: fakeTiming() })
      .publish(makeAlert())
      .catch((e) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(false);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('shortens a hostile 1 MB alert to fit SNS, marked truncated', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const alert = makeAlert({ actor: { ...makeAlert().actor, userAgent: 'x'.repeat(1024 * 1024) } });
    await new SnsAlertSink({ client: new SNSClient({}), topicArn: TOPIC, timing: fakeTiming() }).publish(
      alert,
    );
    const body = sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
    expect(JSON.parse(body).degraded).toEqual(['truncated']);
  });
});

describe('EventBridgeAlertSink', () => {
  it('batches by 10 and retries only the failed entries', async () => {
    const seen: string[][] = [];
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      const ids = input.Entries.map((e) => JSON.parse(e.Detail!).id as string);
      seen.push(ids);
      // First call: entries 2 and 5 throttled.
      if (seen.length === 1) {
        return {
          FailedEntryCount: 2,
          Entries: ids.map((id, i) =>
            i === 2 || i === 5
              ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
              : { EventId: `ev-${id}` },
          ),
        };
      }
      return { FailedEntryCount: 0, Entries: ids.map((id) => ({ EventId: `ev-${id}` })) };
    });
    const sink = new EventBridgeAlertSink({
      client: new EventBridgeClient({}),
      eventBusName: 'iamwatch-prod-alerts',
      timing: fakeTiming(),
    });
    for (let i = 0; i < 12; i++) await sink.publish(makeAlert({ id: `a${i}` }));
    await sink.flush();
    expect(seen).toEqual([
      ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'],
      ['a2', 'a5'],
      ['a10', 'a11'],
    ]);
    const first = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(first).toMatchObject({
      Source: 'iamwatch',
      DetailType: 'IAM Anomaly',
      EventBusName: 'iamwatch-prod-alerts',
      Resources: ['arn:aws:iam::111122223333:role/gha-deploy'],
    });
  });

  it('dead-letters entries that keep failing, via deliverAlerts', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) =>
        JSON.parse(e.Detail!).id === 'bad'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }
          : { EventId: 'ok' },
      ),
    }));
    const sink = new EventBridgeAlertSink({
      client: new EventBridgeClient({}),
      eventBusName: 'bus',
      timing: fakeTiming(),
      retry: { maxAttempts: 3 },
    });
    const dlq = new MemoryDeadLetters();
    const bad = makeAlert({ id: 'bad' });
    const report = await deliverAlerts([makeAlert({ id: 'good' }), bad], {
      windowMinutes: () => 60,
      sinks: [sink],
      log: memoryLog(),
      deadLetter: dlq,
    });
    expect(dlq.entries).toEqual([
      expect.objectContaining({
        alert: bad,
        sink: 'eventbridge',
        reason: 'InternalFailure: oops after 3 attempts',
        attempts: 3,
      }),
    ]);
    expect(report.outcomes.map((o) => o.delivered)).toEqual([['eventbridge'], []]);
    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([2, 1, 1]);
  });

  it('reports permanent entry errors without retrying them', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' }],
    });
    const sink = new EventBridgeAlertSink({
      client: new EventBridgeClient({}),
      eventBusName: 'bus',
      timing: fakeTiming(),
    });
    await sink.publish(makeAlert());
    const err = (await sink.flush().catch((e) => e)) as SinkBatchError;
    expect(err).toBeInstanceOf(SinkBatchError);
    expect(err.failures).toEqual([
      expect.objectContaining({ reason: 'MalformedDetail: bad', attempts: 1, retryable: false }),
    ]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('dead-letter sinks', () => {
  it('SQS: sends { alert, reason, sink, attempts, failedAt }, retrying throttling', async () => {
    sqs.on(SendMessageCommand).rejectsOnce(throttled()).resolves({ MessageId: 'q-1' });
    const dlq = new SqsDeadLetterSink({
      client: new SQSClient({}),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq',
      timing: fakeTiming(),
    });
    const entry = {
      alert: makeAlert(),
      reason: 'HTTP 500 after 6 attempts',
      sink: 'slack',
      attempts: 6,
      failedAt: '2026-03-02T10:20:00.000Z',
    };
    await dlq.park(entry);
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[1]!.args[0].input.MessageBody!)).toEqual(entry);
  });

  it('file: appends JSON lines with the full alert', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iamwatch-dlq-'));
    try {
      const sink = new FileDeadLetterSink({ dir, nowMs: () => Date.parse('2026-03-02T10:20:00Z') });
      const big = makeAlert({ actor: { ...makeAlert().actor, userAgent: 'y'.repeat(300_000) } });
      await sink.park({
        alert: big,
        reason: 'r1',
        sink: 'slack',
        attempts: 6,
        failedAt: '2026-03-02T10:20:00.000Z',
      });
      await sink.park({
        alert: makeAlert({ id: 'two' }),
        reason: 'r2',
        sink: 'sns',
        attempts: 1,
        failedAt: '2026-03-02T10:20:00.000Z',
      });
      const lines = (await readFile(join(dir, 'dead-letters-2026-03-02.jsonl'), 'utf8')).trim().split('\n');
      expect(lines.map((l) => JSON.parse(l).alert.id)).toEqual([big.id, 'two']);
      expect(JSON.parse(lines[0]!).alert).toEqual(big);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
