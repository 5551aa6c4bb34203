/**
 * The ingest handler (S3 mode) over real components: objects from s3rver, the baseline and dedupe
 * store in dynalite (the embedded store), delivery through deliverAlerts. Fed with the bucket's
 * notifications it raises the alerts `replay DIR` raises on the same generated organisation; a
 * redelivered notification raises nothing; a failed object is named in the partial batch response.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildIngestHandler, type IngestRuntime } from '../../functions/ingest/build-handler.js';
import { getObjectBytes } from '../../shared/adapters/cloudtrail-files/s3.js';
import { openStore, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import { needlesFor } from '../../shared/app/ingest.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import type { AlertSink } from '../../shared/ports.js';
import { runCli } from '../helpers/cli.js';
import { generateOrg, type LocalS3, startS3, uploadTree } from './server.js';

const BUCKET = 'org-trail';
const PREFIX = 'trail/';
let s3: LocalS3;
let out: string;
let keys: string[];
let replayed: Alert[];

beforeAll(async () => {
  out = await generateOrg('iamwatch-ingest-org-');
  s3 = await startS3([BUCKET, 'backfill-work']);
  keys = await uploadTree(s3, BUCKET, path.join(out, 'cloudtrail'), PREFIX);
  const r = await runCli([
    'replay',
    path.join(out, 'cloudtrail'),
    '--baseline',
    path.join(out, 'baseline.yaml'),
    '--quiet',
  ]);
  expect(r.code, r.stderr).toBe(0);
  replayed = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Alert);
}, 60_000);

afterAll(async () => {
  await s3?.close();
});

class Capture implements AlertSink {
  readonly name = 'capture';
  alerts: Alert[] = [];
  async publish(a: Alert): Promise<void> {
    this.alerts.push(a);
  }
}

/** A fresh embedded store holding the generated baseline, and a handler over it. */
async function setup(): Promise<{
  handler: ReturnType<typeof buildIngestHandler>;
  sink: Capture;
  dead: Capture;
  store: StoreHandle;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-ingest-store-'));
  const sync = await runCli(
    ['baseline', 'sync', path.join(out, 'baseline.yaml'), '--store-dir', path.join(dir, '.iamwatch')],
    { cwd: dir },
  );
  expect(sync.code, sync.stderr).toBe(0);
  const store = await openStore({ dir: path.join(dir, '.iamwatch'), observationMarkers: true });
  const detector = createDetector({
    baseline: () => store.store.view(),
    observations: store.observations,
    sessions: store.sessions,
  });
  const sink = new Capture();
  const dead = new Capture();
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const runtime: IngestRuntime = {
    detector,
    deliver: (alerts) =>
      deliverAlerts(alerts, {
        dedupe: store.dedupe,
        windowMinutes: (rule) => detector.pipeline.windowMinutes(rule),
        sinks: [sink],
        log,
        deadLetter: dead,
      }),
    needles: async () => needlesFor(await store.store.listIdentities()),
    body: (ref) => getObjectBytes(s3.client, ref.bucket, ref.key),
    flush: () => store.observations.flush(),
    trailBucket: BUCKET,
    trailPrefix: PREFIX,
  };
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return { handler: buildIngestHandler({ logger, metrics, runtime: () => runtime }), sink, dead, store };
}

/** An SQS message carrying an S3 event notification for `key` (keys URL-encoded as S3 does). */
function s3Message(key: string, id: string) {
  const body = {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key: encodeURIComponent(key).replaceAll('%2F', '/') } },
      },
    ],
  };
  return { messageId: id, body: JSON.stringify(body) };
}

/** The same as EventBridge "Object Created" through SQS. */
function ebMessage(key: string, id: string) {
  const body = {
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: BUCKET }, object: { key } },
  };
  return { messageId: id, body: JSON.stringify(body) };
}

/**
 * An alert byte for byte, except the two fields that differ by design: replay folds the repeats of a
 * dedupe window into the first alert it prints (`count`, `lastEventTime`); a Lambda publishes the first
 * sighting at once (count 1, no lastEventTime, see {@link firstSighting}) and counts the repeats in the
 * store. Every other field — ids, reasons, origin, and here severity (replay raises a folded alert to
 * its most severe repeat; this archive has none more severe) — is equal.
 */
const identity = (a: Alert) => JSON.stringify({ ...a, count: undefined, lastEventTime: undefined });

/** What the Lambda publishes differs from replay's alert only there: it is the first sighting. */
function firstSighting(published: Alert[]): void {
  for (const a of published) {
    expect(a.count, a.id).toBe(1);
    expect(a.lastEventTime, a.id).toBeUndefined();
  }
  // And replay did fold some repeats, so the exclusion is not vacuous.
  expect(replayed.some((a) => a.count > 1)).toBe(true);
}

describe('ingest handler (S3 mode)', { timeout: 120_000 }, () => {
  it('raises the alerts replay DIR raises, and nothing more when the notifications come again', async () => {
    const { handler, sink, dead, store } = await setup();
    try {
      // Half as S3 event notifications, half as EventBridge Object Created, in batches of 10.
      const messages = keys.map((k, i) => (i % 2 === 0 ? s3Message(k, `m${i}`) : ebMessage(k, `m${i}`)));
      for (let i = 0; i < messages.length; i += 10) {
        const r = await handler({ Records: messages.slice(i, i + 10) });
        expect(r.batchItemFailures).toEqual([]);
      }
      expect(dead.alerts).toEqual([]);
      expect(replayed.length).toBeGreaterThan(3);
      expect(sink.alerts.map(identity).sort()).toEqual(replayed.map(identity).sort());
      firstSighting(sink.alerts);
      // Redelivered (and the same objects named by a Step Functions batch): nothing new.
      const before = sink.alerts.length;
      await handler({ Records: messages });
      await handler({ Items: keys.map((Key) => ({ Key })), BatchInput: { bucket: BUCKET } });
      expect(sink.alerts.length).toBe(before);
    } finally {
      await store.close();
    }
  });

  it('the backfill item processor (a batch of keys) raises the same alerts', async () => {
    const { handler, sink, store } = await setup();
    try {
      const r = await handler({
        Items: keys.map((Key) => ({ Key, Size: 1 })),
        BatchInput: { bucket: BUCKET },
      });
      expect(r.summary.objects).toBe(keys.length);
      expect(sink.alerts.map(identity).sort()).toEqual(replayed.map(identity).sort());
      firstSighting(sink.alerts);
    } finally {
      await store.close();
    }
  });

  it('names only the failed object in the partial batch response; ignores objects outside the trail', async () => {
    const { handler, store } = await setup();
    try {
      const r = await handler({
        Records: [
          s3Message(keys[0] as string, 'ok'),
          s3Message(`${PREFIX}AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/missing.json.gz`, 'gone'),
          {
            messageId: 'other',
            body: JSON.stringify({
              'detail-type': 'Object Created',
              detail: { bucket: { name: 'elsewhere' }, object: { key: 'x.json.gz' } },
            }),
          },
          { messageId: 'test', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) },
          { messageId: 'junk', body: 'not json' },
        ],
      });
      expect(r.batchItemFailures).toEqual([{ itemIdentifier: 'gone' }]);
      expect(r.summary.objects).toBe(2);
      expect(r.summary.rejected).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('a Step Functions batch with a failed object throws, so the map retries it', async () => {
    const { handler, store } = await setup();
    try {
      await expect(
        handler({ Items: [{ Key: `${PREFIX}nope.json.gz` }], BatchInput: { bucket: BUCKET } }),
      ).rejects.toThrow(/1 object\(s\) failed/);
    } finally {
      await store.close();
    }
  });

  it('backfill: batches in results mode return their alerts undelivered; backfill results prints them', async () => {
    const { handler, sink, store } = await setup();
    try {
      // The map's ItemBatcher: batches of 20 keys with the BatchInput of infra/backfill.yml.
      const entries: Array<{ Status: string; Output: string }> = [];
      for (let i = 0; i < keys.length; i += 20) {
        const items = keys.slice(i, i + 20).map((Key) => ({ Key, Size: 1 }));
        const r = await handler({ Items: items, BatchInput: { bucket: BUCKET, output: 'results' } });
        entries.push({ Status: 'SUCCEEDED', Output: JSON.stringify(r) });
      }
      expect(sink.alerts).toEqual([]);
      // What ResultWriter writes: a manifest naming result files of child-execution entries.
      const put = (Key: string, body: unknown) =>
        s3.client.send(new PutObjectCommand({ Bucket: 'backfill-work', Key, Body: JSON.stringify(body) }));
      await put('results/run/SUCCEEDED_0.json', entries);
      await put('results/run/manifest.json', {
        ResultFiles: { SUCCEEDED: [{ Key: 'results/run/SUCCEEDED_0.json' }] },
      });
      // Step Functions itself cannot run locally: its DescribeExecution answer is mocked.
      const sfn = mockClient(SFNClient);
      sfn.on(DescribeExecutionCommand).resolves({
        status: 'SUCCEEDED',
        output: JSON.stringify({
          ResultWriterDetails: { Bucket: 'backfill-work', Key: 'results/run/manifest.json' },
        }),
      } as never);
      try {
        const r = await runCli(
          [
            'backfill',
            'results',
            'arn:aws:states:us-east-1:111122223333:execution:x:y',
            '--s3-endpoint',
            s3.endpoint,
          ],
          { env: s3.env },
        );
        expect(r.code, r.stderr).toBe(0);
        const printed = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Alert);
        // Every batch judged on its own: the first alert of each dedupe group is the replay's alert.
        const ids = new Set(printed.map((a) => a.id));
        for (const a of replayed) expect(ids.has(a.id), a.id).toBe(true);
        expect(r.stderr).toContain(`"objects":${keys.length}`);
      } finally {
        sfn.restore();
      }
    } finally {
      await store.close();
    }
  });

  it("backfill start writes the pruned manifest and starts the stack's machine; status reports its counts", async () => {
    const account = (/AWSLogs\/(\d{12})\//.exec(keys[0] as string) as RegExpExecArray)[1] as string;
    const mine = keys.filter((k) => k.includes(`/AWSLogs/${account}/`));
    // Step Functions itself cannot run locally: its API is mocked; S3 (manifest) is the real s3rver.
    const machine = 'arn:aws:states:us-east-1:111122223333:stateMachine:iamwatch-prod-backfill';
    const execution = 'arn:aws:states:us-east-1:111122223333:execution:iamwatch-prod-backfill:backfill-1';
    const sfn = mockClient(SFNClient);
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({ stateMachines: [{ name: 'other', stateMachineArn: 'x' }], nextToken: 't' } as never)
      .resolves({ stateMachines: [{ name: 'iamwatch-prod-backfill', stateMachineArn: machine }] } as never);
    sfn
      .on(ListTagsForResourceCommand)
      .resolves({ tags: [{ key: 'iamwatch:backfill-bucket', value: 'backfill-work' }] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: execution, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date(0) } as never);
    sfn.on(ListMapRunsCommand).resolves({ mapRuns: [{ mapRunArn: 'run-1' }] } as never);
    sfn.on(DescribeMapRunCommand).resolves({ itemCounts: { total: 3, succeeded: 1, running: 2 } } as never);
    try {
      const r = await runCli(
        ['backfill', 'start', '--bucket', BUCKET, '--prefix', PREFIX, '--since', '2026-01-01'].concat([
          '--account',
          account,
          '--output',
          'results',
          '--max-concurrency',
          '7',
          '--s3-endpoint',
          s3.endpoint,
        ]),
        { env: s3.env },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(execution);
      const started = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      expect(started?.stateMachineArn).toBe(machine);
      const input = JSON.parse(started?.input ?? '{}') as Record<string, unknown>;
      expect(input).toMatchObject({ trailBucket: BUCKET, output: 'results', maxConcurrency: 7 });
      // The manifest holds exactly the pruned listing.
      const manifest = await s3.client.send(
        new GetObjectCommand({ Bucket: 'backfill-work', Key: String(input.manifestKey) }),
      );
      const items = JSON.parse(
        await (manifest.Body as { transformToString(): Promise<string> }).transformToString(),
      ) as Array<{ Key: string }>;
      expect(items.map((i) => i.Key).sort()).toEqual([...mine].sort());

      const st = await runCli(['backfill', 'status', execution], { env: s3.env });
      expect(st.code, st.stderr).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({ status: 'RUNNING', items: { total: 3, succeeded: 1 } });
    } finally {
      sfn.restore();
    }
  });

  it('backfill start --dry-run counts the pruned objects and bytes and starts nothing', async () => {
    const account = (/AWSLogs\/(\d{12})\//.exec(keys[0] as string) as RegExpExecArray)[1] as string;
    const mine = keys.filter((k) => k.includes(`/AWSLogs/${account}/`));
    const r = await runCli(
      [
        'backfill',
        'start',
        '--bucket',
        BUCKET,
        '--prefix',
        PREFIX,
        '--since',
        '2026-01-01',
        '--account',
        account,
        '--dry-run',
        '--s3-endpoint',
        s3.endpoint,
      ],
      { env: s3.env },
    );
    expect(r.code, r.stderr).toBe(0);
    const est = JSON.parse(r.stdout) as { objects: number; bytes: number; costUsd: { total: number } };
    expect(est.objects).toBe(mine.length);
    expect(est.bytes).toBeGreaterThan(0);
    expect(est.costUsd.total).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/backfill: \d+ objects/);
    const noSince = await runCli(['backfill', 'start', '--bucket', BUCKET, '--dry-run'], { env: s3.env });
    expect(noSince.code).toBe(2);
  });
});
