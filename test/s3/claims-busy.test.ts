/**
 * ingestMode `both`, the ingest handler meeting a record another attempt still holds (a live lease):
 * the object's other records are judged and delivered, the SQS message is named in the partial batch
 * response (SQS brings it back after the visibility timeout, past the lease), and the retry judges the
 * held record once the lease ran out. A backfill batch skips such a record instead of failing the map.
 */
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildIngestHandler, type IngestRuntime } from '../../functions/ingest/build-handler.js';
import { getObjectBytes } from '../../shared/adapters/cloudtrail-files/s3.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import { EventClaimSession } from '../../shared/app/event-claims.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { fixture } from '../deploy/envelope.js';
import { type Backend, freshStore, startDynalite, TestClock } from '../store/helpers.js';
import { type LocalS3, startS3 } from './server.js';

const TRAIL = 'org-trail';
const KEY =
  'AWSLogs/946986569305/CloudTrail/us-east-1/2024/07/30/946986569305_CloudTrail_us-east-1_y.json.gz';
const base = fixture('CreateAccessKey__stratus-red-team.json');
const records = [0, 1].map((i) => ({
  ...base,
  eventID: `c64c4ded-ef03-4e5c-81eb-00000000000${i}`,
  awsRegion: 'us-east-1',
  requestParameters: { userName: `user-${i}` },
  // Another user each: two alerts, not one and a repeat.
  responseElements: {
    accessKey: {
      ...(base.responseElements as { accessKey: Record<string, unknown> }).accessKey,
      userName: `user-${i}`,
    },
  },
}));
let s3: LocalS3;
let db: Backend;

beforeAll(async () => {
  [s3, db] = await Promise.all([startS3([TRAIL]), startDynalite()]);
  await s3.client.send(
    new PutObjectCommand({ Bucket: TRAIL, Key: KEY, Body: gzipSync(JSON.stringify({ Records: records })) }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([s3?.close(), db?.stop()]);
});

async function setup(clock: TestClock) {
  const store = await freshStore(db, { clock });
  const detector = createDetector({ baseline: () => store.store.view(), observations: store.observations });
  const published: Alert[] = [];
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const claims = store.eventClaims({ leaseMs: 330_000 });
  let n = 0;
  const runtime: IngestRuntime = {
    detector,
    deliver: (alerts) =>
      deliverAlerts(alerts, {
        dedupe: store.dedupe,
        windowMinutes: () => 60,
        sinks: [{ name: 'capture', publish: async (a) => void published.push(a) }],
        log,
        deadLetter: { name: 'dead', publish: async () => {} },
      }),
    needles: async () => null,
    body: (ref) => getObjectBytes(s3.client, ref.bucket, ref.key),
    flush: () => store.observations.flush(),
    claims: () => new EventClaimSession(claims, `ingest-${n++}`),
    trailBucket: TRAIL,
    trailPrefix: '',
  };
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const handler = buildIngestHandler({ logger, metrics, runtime: () => runtime });
  // The detect function holds the second record: claimed, still judging (or dead, lease not over).
  const detect = new EventClaimSession(store.eventClaims(), 'detect');
  expect(await detect.claim(records[1])).toBe('won');
  return { store, handler, published };
}

const message = {
  Records: [
    {
      messageId: 'm1',
      body: JSON.stringify({ Records: [{ s3: { bucket: { name: TRAIL }, object: { key: KEY } } }] }),
    },
  ],
};

describe('ingest meets a record another attempt holds', { timeout: 60_000 }, () => {
  it('delivers the rest, fails the message, and judges the held record after the lease', async () => {
    const clock = new TestClock(Date.parse('2024-07-30T22:00:00Z'));
    const { store, handler, published } = await setup(clock);
    try {
      const first = await handler(message);
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
      expect(published.map((a) => a.eventId)).toEqual([records[0]?.eventID]);
      // SQS brings the message back after the visibility timeout (1,800 s), past detect's 90 s lease.
      clock.advance(1_800_000);
      const again = await handler(message);
      expect(again.batchItemFailures).toEqual([]);
      expect(again.summary).toMatchObject({ evaluated: 1, claimedElsewhere: 1 });
      expect(published.map((a) => a.eventId).sort()).toEqual(records.map((r) => r.eventID).sort());
    } finally {
      await store.close();
    }
  });

  it('a backfill batch skips the held record (the live path judges it) and does not fail', async () => {
    const clock = new TestClock(Date.parse('2024-07-30T22:00:00Z'));
    const { store, handler, published } = await setup(clock);
    try {
      const r = await handler({ Items: [{ Key: KEY }], BatchInput: { bucket: TRAIL, output: 'topic' } });
      expect(r.summary).toMatchObject({ evaluated: 1, claimedElsewhere: 1, failedObjects: 0 });
      expect(published.map((a) => a.eventId)).toEqual([records[0]?.eventID]);
    } finally {
      await store.close();
    }
  });
});
