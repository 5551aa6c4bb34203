/**
 * ingestMode `both`: the same generated organisation reaches the store through the detect handler
 * (EventBridge envelopes) and through the ingest handler (the trail objects from s3rver), over one
 * dynalite table. Each event is judged once: the alerts, the folded alert counts, the observations, the
 * last-used summaries and the session records equal those of the S3 path alone. A path that dies after
 * claiming leaves its events to the next one once the lease ran out.
 */
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDetectHandler } from '../../functions/detect/build-handler.js';
import { withEventClaims } from '../../functions/event-claims.js';
import { buildIngestHandler, type IngestRuntime } from '../../functions/ingest/build-handler.js';
import { readBaselineFile } from '../../shared/adapters/baseline-file.js';
import { getObjectBytes } from '../../shared/adapters/cloudtrail-files/s3.js';
import { CLAIM_LEASE_MS } from '../../shared/adapters/dynamodb/dedupe.js';
import { createStoreHandle, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import { EventClaimSession } from '../../shared/app/event-claims.js';
import { needlesFor } from '../../shared/app/ingest.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import type { AlertSink, EventClaimStore } from '../../shared/ports.js';
import { envelope } from '../deploy/envelope.js';
import {
  type Backend,
  freshStore,
  localClient,
  startDynalite,
  syncOpts,
  TestClock,
} from '../store/helpers.js';
import { generateOrg, type LocalS3, startS3, uploadTree } from './server.js';

const BUCKET = 'org-trail';
const PREFIX = 'trail/';
const LEASE = 330_000;
let s3: LocalS3;
let db: Backend;
let out: string;
let keys: string[];
/** The records the S3 path judges, in its order (what EventBridge's rules would forward). */
let records: Array<Record<string, unknown>>;
let baseline: Baseline;

beforeAll(async () => {
  out = await generateOrg('iamwatch-both-org-');
  [s3, db] = await Promise.all([startS3([BUCKET]), startDynalite()]);
  keys = await uploadTree(s3, BUCKET, path.join(out, 'cloudtrail'), PREFIX);
  const read = await readBaselineFile(path.join(out, 'baseline.yaml'));
  if (!read.baseline) throw new Error(read.errors.map((e) => e.message).join('; '));
  baseline = read.baseline;
}, 90_000);

afterAll(async () => {
  await Promise.all([s3?.close(), db?.stop()]);
});

class Capture implements AlertSink {
  readonly name = 'capture';
  alerts: Alert[] = [];
  async publish(a: Alert): Promise<void> {
    this.alerts.push(a);
  }
}

const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A store holding the generated baseline, and the detect and ingest handlers over it (`both` when claims). */
async function setup(opts: { claims: boolean; clock: TestClock; dies?: boolean }) {
  // One table, two handles as in the stack: the ingest function counts observations through event
  // markers (functions/ingest/runtime.ts), the detect function only in both mode.
  const store: StoreHandle = await freshStore(db, { clock: opts.clock });
  await store.store.sync(baseline, syncOpts());
  const marked = createStoreHandle(localClient(db.endpoint), store.describe.slice('table '.length), {
    clock: opts.clock,
    observationMarkers: true,
  });
  const close = store.close.bind(store);
  store.close = async () => {
    await marked.close();
    await close();
  };
  const inner = createDetector({
    baseline: () => store.store.view(),
    observations: marked.observations,
    sessions: store.sessions,
  });
  // The records judged, in order (EventBridge's rules forward those; the S3 path's pre-filter keeps them).
  const judged: Array<Record<string, unknown>> = [];
  const detector = {
    pipeline: inner.pipeline,
    evaluate: (raw: unknown) => {
      judged.push(raw as Record<string, unknown>);
      return inner.evaluate(raw);
    },
  };
  const sink = new Capture();
  const control = { down: false };
  const deliver = async (alerts: Alert[]) => {
    if (control.down) throw new Error('the function died before delivering');
    return deliverAlerts(alerts, {
      dedupe: store.dedupe,
      windowMinutes: (rule) => detector.pipeline.windowMinutes(rule),
      sinks: [sink],
      log,
      deadLetter: new Capture(),
    });
  };
  let owner = 0;
  const claims = store.eventClaims({ leaseMs: LEASE });
  // `dies`: the attempt is killed (timeout, out of memory) before it can give its claims back.
  const claimStore: EventClaimStore = {
    claim: (k, t, o) => claims.claim(k, t, o),
    settle: (k, o) => claims.settle(k, o),
    release: (k, o) => (opts.dies ? Promise.resolve() : claims.release(k, o)),
  };
  const runtime: IngestRuntime = {
    detector,
    deliver,
    needles: async () => needlesFor(await store.store.listIdentities()),
    body: (ref) => getObjectBytes(s3.client, ref.bucket, ref.key),
    flush: () => marked.observations.flush(),
    ...(opts.claims ? { claims: () => new EventClaimSession(claimStore, `ingest-${owner++}`) } : {}),
    trailBucket: BUCKET,
    trailPrefix: PREFIX,
  };
  const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  vi.spyOn(metrics, 'singleMetric').mockImplementation(
    () => ({ addDimensions: () => {}, addMetric: () => {} }) as unknown as Metrics,
  );
  const ingest = buildIngestHandler({ logger, metrics, runtime: () => runtime });
  // The detect function writes event markers in both mode only (functions/detect/runtime.ts).
  const detectObs = opts.claims ? marked.observations : store.observations;
  const detectDetector = createDetector({
    baseline: () => store.store.view(),
    observations: detectObs,
    sessions: store.sessions,
  });
  const detectRt = { detector: detectDetector, deliver, flush: () => detectObs.flush() };
  const detect = buildDetectHandler({
    logger,
    metrics,
    runtime: () => (opts.claims ? withEventClaims(detectRt, store.eventClaims(), log, 'detect') : detectRt),
  });
  return { store, sink, ingest, detect, judged, control };
}

/** The objects as a Step Functions-free SQS batch stream (10 per invocation), like the queue delivers them. */
async function ingestAll(ingest: ReturnType<typeof buildIngestHandler>) {
  const failed: string[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    const r = await ingest({
      Records: keys.slice(i, i + 10).map((k, j) => ({
        messageId: String(i + j),
        body: JSON.stringify({ Records: [{ s3: { bucket: { name: BUCKET }, object: { key: k } } }] }),
      })),
    });
    failed.push(...r.batchItemFailures.map((f) => keys[Number(f.itemIdentifier)] as string));
  }
  return failed;
}

/**
 * What the judging left in the table: alerts with their folded counts, observations, last-used and
 * session items. Claims and observation markers are bookkeeping; expiry times depend on the wall clock.
 */
async function tableState(store: StoreHandle): Promise<string[]> {
  const client = localClient(db.endpoint);
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: store.describe.slice('table '.length), ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey as never;
  } while (start);
  client.destroy();
  return items
    .filter((i) => !/^(EVTCLAIM|OBSEVT|BASELINE)/.test(String(i.pk)))
    .map((i) => JSON.stringify({ ...i, expiresAt: undefined, leaseUntil: undefined }, Object.keys(i).sort()))
    .sort();
}

const sorted = (alerts: Alert[]) => alerts.map((a) => JSON.stringify(a)).sort();

describe('ingestMode both: each event judged once', { timeout: 180_000 }, () => {
  let reference: { state: string[]; alerts: string[] };

  beforeAll(async () => {
    const { store, sink, ingest, judged } = await setup({ claims: false, clock: new TestClock(Date.now()) });
    try {
      expect(await ingestAll(ingest)).toEqual([]);
      reference = { state: await tableState(store), alerts: sorted(sink.alerts) };
      records = [...judged];
    } finally {
      await store.close();
    }
    expect(reference.alerts.length).toBeGreaterThan(3);
    expect(reference.state.some((s) => s.includes('"OBS#'))).toBe(true);
  }, 120_000);

  it('detect then ingest over the same records leaves what one path alone leaves', async () => {
    const { store, sink, ingest, detect } = await setup({ claims: true, clock: new TestClock(Date.now()) });
    try {
      for (const r of records) await detect(envelope(r));
      expect(sorted(sink.alerts)).toEqual(reference.alerts);
      const once = await tableState(store);
      expect(once).toEqual(reference.state);
      // The trail objects arrive minutes later: every event is skipped, nothing changes.
      expect(await ingestAll(ingest)).toEqual([]);
      expect(sorted(sink.alerts)).toEqual(reference.alerts);
      expect(await tableState(store)).toEqual(reference.state);
    } finally {
      await store.close();
    }
  });

  it('ingest first: detect judges nothing again', async () => {
    const { store, sink, ingest, detect } = await setup({ claims: true, clock: new TestClock(Date.now()) });
    try {
      expect(await ingestAll(ingest)).toEqual([]);
      for (const r of records) await detect(envelope(r));
      expect(sorted(sink.alerts)).toEqual(reference.alerts);
      expect(await tableState(store)).toEqual(reference.state);
    } finally {
      await store.close();
    }
  });

  it('a path that died after claiming: the other skips while the lease lasts, the retry judges after it', async () => {
    // The S3 path alone through the same failure: the objects whose delivery failed come back later. The
    // attempt dies before it can give its claims back (a clean failure gives them back at once: the
    // deployed detect test "SNS and the dead-letter queue fail together" covers that).
    type Between = (detect: (e: unknown) => Promise<unknown>, sink: Capture) => Promise<void>;
    const crash = async (claims: boolean, between?: Between) => {
      const clock = new TestClock(Date.now());
      const { store, sink, ingest, detect, control } = await setup({ claims, clock, dies: true });
      try {
        control.down = true;
        const failed = await ingestAll(ingest);
        expect(failed.length).toBeGreaterThan(0);
        control.down = false;
        clock.advance(CLAIM_LEASE_MS);
        await between?.(detect, sink);
        // The notifications come back after the visibility timeout, past the lease: judged once, now.
        clock.advance(LEASE);
        expect(await ingestAll(ingest)).toEqual([]);
        return { state: await tableState(store), alerts: sorted(sink.alerts) };
      } finally {
        await store.close();
      }
    };
    const alone = await crash(false);
    const both = await crash(true, async (detect, sink) => {
      // EventBridge's copies arrive while the leases last: the dead attempt's events (and the settled
      // ones) are skipped.
      const before = sink.alerts.length;
      for (const r of records) await detect(envelope(r));
      expect(sink.alerts.length).toBe(before);
    });
    expect(both.alerts).toEqual(alone.alerts);
    expect(both.state).toEqual(alone.state);
  });
});
