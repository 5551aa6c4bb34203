/**
 * A results-mode backfill batch must fit Step Functions' 256 KB state output: a batch raising more than
 * that in alerts writes them to the backfill bucket (JSON lines, s3rver here) and returns a summary that
 * names the object; `iamwatch backfill results` reads them from there. Without a bucket, such a batch
 * fails with a clear error instead of an opaque States.DataLimitExceeded.
 */
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildIngestHandler,
  type IngestRuntime,
  RESULT_LIMIT_BYTES,
} from '../../functions/ingest/build-handler.js';
import { getObjectBytes } from '../../shared/adapters/cloudtrail-files/s3.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { fixture } from '../deploy/envelope.js';
import { runCli } from '../helpers/cli.js';
import { type Backend, freshStore, startDynalite } from '../store/helpers.js';
import { type LocalS3, startS3 } from './server.js';

const TRAIL = 'org-trail';
const WORK = 'backfill-work';
const KEY =
  'AWSLogs/946986569305/CloudTrail/us-east-1/2024/07/30/946986569305_CloudTrail_us-east-1_x.json.gz';
const N = 400;
let s3: LocalS3;
let db: Backend;

beforeAll(async () => {
  [s3, db] = await Promise.all([startS3([TRAIL, WORK]), startDynalite()]);
  // One noisy object: N access keys created (a real CreateAccessKey record, N event ids and times).
  const base = fixture('CreateAccessKey__stratus-red-team.json');
  const records = Array.from({ length: N }, (_, i) => ({
    ...base,
    eventID: `c64c4ded-ef03-4e5c-81eb-${String(i).padStart(12, '0')}`,
    eventTime: new Date(Date.parse('2024-07-30T21:53:13Z') + i * 1000).toISOString().replace('.000', ''),
    awsRegion: 'us-east-1',
    requestParameters: { userName: `user-${i}` },
  }));
  await s3.client.send(
    new PutObjectCommand({ Bucket: TRAIL, Key: KEY, Body: gzipSync(JSON.stringify({ Records: records })) }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([s3?.close(), db?.stop()]);
});

async function handlerWith(writeResults: boolean) {
  const store = await freshStore(db);
  const detector = createDetector({ baseline: () => store.store.view(), observations: store.observations });
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const runtime: IngestRuntime = {
    detector,
    deliver: (alerts) =>
      deliverAlerts(alerts, {
        windowMinutes: () => 60,
        sinks: [],
        log,
        deadLetter: { name: 'dead', publish: async () => {} },
      }),
    needles: async () => null,
    body: (ref) => getObjectBytes(s3.client, ref.bucket, ref.key),
    flush: () => store.observations.flush(),
    ...(writeResults
      ? {
          writeResults: async (key: string, body: string) => {
            await s3.client.send(new PutObjectCommand({ Bucket: WORK, Key: key, Body: body }));
            return { bucket: WORK, key };
          },
        }
      : {}),
    trailBucket: TRAIL,
    trailPrefix: '',
  };
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return { store, handler: buildIngestHandler({ logger, metrics, runtime: () => runtime }) };
}

const batch = {
  Items: [{ Key: KEY, Size: 1 }],
  BatchInput: { bucket: TRAIL, output: 'results', manifest: 'manifests/backfill-20260301-abc.json' },
};

describe('results-mode backfill batches stay under the state output limit', { timeout: 120_000 }, () => {
  it('writes a noisy batch’s alerts to the backfill bucket and returns a small summary', async () => {
    const { store, handler } = await handlerWith(true);
    try {
      const r = await handler(batch);
      const output = JSON.stringify(r);
      expect(r.summary.findings).toBeGreaterThanOrEqual(N);
      // Inline, the alerts alone would be over the limit; the state output is a few hundred bytes.
      expect(Buffer.byteLength(output)).toBeLessThan(4096);
      expect(r.alertsObject).toMatchObject({ bucket: WORK, alerts: r.summary.findings });
      expect(r.alertsObject?.key).toMatch(/^results\/alerts\/backfill-20260301-abc\/[0-9a-f]{32}\.jsonl$/);
      const got = await s3.client.send(
        new GetObjectCommand({ Bucket: WORK, Key: r.alertsObject?.key as string }),
      );
      const text = await (got.Body as { transformToString(): Promise<string> }).transformToString();
      expect(Buffer.byteLength(text)).toBeGreaterThan(256 * 1024);
      const alerts = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Alert);
      expect(alerts).toHaveLength(r.summary.findings);
      // A retry of the same batch writes the same object (no duplicate files).
      const again = await handler(batch);
      expect(again.alertsObject?.key).toBe(r.alertsObject?.key);

      // What ResultWriter keeps is the summary; `backfill results` follows it to the alerts.
      const entries = [{ Status: 'SUCCEEDED', Output: output }];
      const put = (Key: string, body: unknown) =>
        s3.client.send(new PutObjectCommand({ Bucket: WORK, Key, Body: JSON.stringify(body) }));
      await put('results/run/SUCCEEDED_0.json', entries);
      await put('results/run/manifest.json', {
        ResultFiles: { SUCCEEDED: [{ Key: 'results/run/SUCCEEDED_0.json' }] },
      });
      const sfn = mockClient(SFNClient);
      sfn.on(DescribeExecutionCommand).resolves({
        status: 'SUCCEEDED',
        output: JSON.stringify({ ResultWriterDetails: { Bucket: WORK, Key: 'results/run/manifest.json' } }),
      } as never);
      try {
        const cli = await runCli(
          [
            'backfill',
            'results',
            'arn:aws:states:us-east-1:111122223333:execution:x:y',
            '--s3-endpoint',
            s3.endpoint,
          ],
          { env: s3.env },
        );
        expect(cli.code, cli.stderr).toBe(0);
        const printed = cli.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Alert);
        expect(printed.map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
      } finally {
        sfn.restore();
      }
    } finally {
      await store.close();
    }
  });

  it('without a backfill bucket, a batch over the limit fails with a clear error', async () => {
    const { store, handler } = await handlerWith(false);
    try {
      await expect(handler(batch)).rejects.toThrow(
        new RegExp(`over the ${RESULT_LIMIT_BYTES}-byte state output limit`),
      );
    } finally {
      await store.close();
    }
  });
});
