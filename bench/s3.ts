/**
 * Bench of issue 15, bundled and called by bench/run.mjs: `replay s3://` (s3rver on 127.0.0.1) against
 * `replay DIR` on the same generated archive, and the ingest handler's records per GB-second with the
 * cost per 1M CloudTrail records at the published Lambda arm64 price, against the EventBridge mode's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { buildIngestHandler } from '../functions/ingest/build-handler.js';
import { getObjectBytes } from '../shared/adapters/cloudtrail-files/s3.js';
import { createDetector } from '../shared/app/detect.js';
import { needlesFor } from '../shared/app/ingest.js';
import { buildIndex } from '../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../shared/core/baseline/parse.js';

type Row = (section: string, name: string, value: string, unit: string, ref?: string, ratio?: string) => void;

/** us-east-1 list prices (2026). */
const PRICE = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  s3Get: 0.0004 / 1000,
  sqsRequest: 0.4 / 1e6,
  /** Events sent to another account's bus (the Organization forwarders). */
  eventBridgeCrossAccount: 1 / 1e6,
};
/** Lambda gives one full vCPU at 1,769 MB; the ingest function has 1,024 MB. */
const INGEST_MB = 1024;
const DETECT_MB = 512;

/**
 * Like run.mjs' `timed`, but asynchronous: s3rver runs in this process, and a synchronous spawn would
 * block the event loop it answers on (the child would wait for it forever).
 */
function timedAsync(cmd: string, argv: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ seconds: number; rssMb: number; status: number | null; stderr: string }>((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...argv], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('close', (status: number | null) => {
      const m = /__TIME__ ([\d.]+) (\d+)/.exec(stderr);
      resolve({
        seconds: Number(m?.[1] ?? Number.NaN),
        rssMb: Number(m?.[2] ?? Number.NaN) / 1024,
        status,
        stderr,
      });
    });
  });
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export async function benchS3(opts: {
  cli: string;
  dataDir: string;
  row: Row;
  fmt: (n: number, d?: number) => string;
}): Promise<void> {
  const { cli, dataDir, row, fmt } = opts;
  const store = mkdtempSync(path.join(tmpdir(), 'iamwatch-bench-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: store,
    configureBuckets: [{ name: 'trail' }],
  });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  try {
    const root = path.join(dataDir, 'cloudtrail');
    const keys: string[] = [];
    for (const f of files(root)) {
      const key = path.relative(root, f).split(path.sep).join('/');
      await s3.send(new PutObjectCommand({ Bucket: 'trail', Key: key, Body: readFileSync(f) }));
      keys.push(key);
    }
    const baseline = path.join(dataDir, 'baseline.yaml');
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
    const common = ['--baseline', baseline, '--quiet', '--format', 'jsonl'];
    const dir = await timedAsync(process.execPath, [cli, 'replay', root, ...common, '--workers', '0'], env);
    const remote = await timedAsync(
      process.execPath,
      [cli, 'replay', 's3://trail/', ...common, '--s3-endpoint', endpoint],
      env,
    );
    if (dir.status !== 0 || remote.status !== 0)
      throw new Error(`replay failed: ${remote.stderr.slice(-400)}`);
    row('s3', `replay DIR (in-thread), ${keys.length} objects`, fmt(dir.seconds, 2), 's', '', '');
    row(
      's3',
      'replay s3:// (s3rver, 8 in flight)',
      fmt(remote.seconds, 2),
      's',
      'replay DIR',
      `${fmt(remote.seconds / dir.seconds, 2)}×`,
    );
    row(
      's3',
      'replay s3:// peak RSS',
      fmt(remote.rssMb, 0),
      'MB',
      'replay DIR',
      `${fmt(remote.rssMb, 0)} vs ${fmt(dir.rssMb, 0)} MB`,
    );

    const bodies = new Map<string, Buffer>();
    for (const k of keys) bodies.set(k, await getObjectBytes(s3, 'trail', k));
    // The ingest handler in-process, alerts not delivered (read + split + judge is what is measured).
    const parsed = parseBaseline(readFileSync(baseline, 'utf8'), baseline);
    if (!parsed.baseline) throw new Error('bench baseline does not parse');
    const view = buildIndex(parsed.baseline);
    const detector = createDetector({ baseline: async () => view });
    let judged = 0;
    const logger = new Logger({ serviceName: 'iamwatch', logLevel: 'SILENT' });
    const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
    metrics.publishStoredMetrics = () => metrics;
    const handler = buildIngestHandler({
      logger,
      metrics,
      runtime: () => ({
        detector,
        deliver: async () => ({ published: 0, repeats: 0, degraded: 0, deadLettered: 0, outcomes: [] }),
        needles: async () => needlesFor(parsed.baseline?.identities ?? []),
        // Bodies fetched beforehand: s3rver runs in this process and its CPU must not count.
        body: async (ref) => bodies.get(ref.key) as Buffer,
        flush: async () => {},
        trailBucket: 'trail',
        trailPrefix: '',
      }),
    });
    // Warm up on the first batch, then measure CPU time of all objects in batches of 20 (the backfill's).
    await handler({ Items: keys.slice(0, 20).map((Key) => ({ Key })), BatchInput: { bucket: 'trail' } });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let recordsSeen = 0;
    for (let i = 0; i < keys.length; i += 20) {
      const r = await handler({
        Items: keys.slice(i, i + 20).map((Key) => ({ Key })),
        BatchInput: { bucket: 'trail' },
      });
      recordsSeen += r.summary.records + r.summary.skippedIrrelevant;
      judged += r.summary.evaluated;
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wall = (performance.now() - t0) / 1000;
    // On Lambda, 1,024 MB is 1024/1769 of a vCPU: wall = CPU / share; GB-s = wall × GB.
    const share = INGEST_MB / 1769;
    const gbSeconds = (cpuSeconds / share) * (INGEST_MB / 1024);
    const perGbS = recordsSeen / gbSeconds;
    row(
      's3',
      'ingest handler: records read (all of the archive)',
      fmt(recordsSeen),
      'records',
      '',
      `${fmt(judged)} judged`,
    );
    row('s3', 'ingest handler: CPU time', fmt(cpuSeconds, 2), 's', 'wall', `${fmt(wall, 2)} s`);
    row(
      's3',
      'ingest handler: records per GB-second (1,024 MB arm64, CPU-bound model)',
      fmt(perGbS),
      'records/GB-s',
    );
    const objectsPerMillion = (1e6 / recordsSeen) * keys.length;
    const s3Mode =
      (1e6 / perGbS) * PRICE.lambdaArmGbSecond +
      (objectsPerMillion / 10) * PRICE.lambdaRequest +
      objectsPerMillion * PRICE.s3Get +
      objectsPerMillion * 3 * PRICE.sqsRequest;
    // EventBridge mode: only records some rule reads reach detect, one invocation each (512 MB; the
    // per-record CPU measured here, 1 ms billing granularity) plus the cross-account forwarding charge.
    const relevant = judged / recordsSeen;
    const detectMs = Math.max(1, ((cpuSeconds / Math.max(1, judged)) * 1000) / (DETECT_MB / 1769));
    const ebMode =
      1e6 *
      relevant *
      (PRICE.lambdaRequest +
        PRICE.eventBridgeCrossAccount +
        (detectMs / 1000) * (DETECT_MB / 1024) * PRICE.lambdaArmGbSecond);
    row('s3', 'cost per 1M CloudTrail records, S3 mode (Lambda + S3 GET + SQS)', `$${fmt(s3Mode, 4)}`, 'USD');
    row(
      's3',
      `cost per 1M CloudTrail records, EventBridge mode (${fmt(relevant * 100, 1)}% reach detect)`,
      `$${fmt(ebMode, 4)}`,
      'USD',
      'S3 mode',
      `${fmt(ebMode / s3Mode, 1)}×`,
    );
  } finally {
    s3.destroy();
    await server.close();
    rmSync(store, { recursive: true, force: true });
  }
}
