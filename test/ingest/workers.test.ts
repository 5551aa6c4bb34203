import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudTrailReadError,
  emptyStats,
  type ReadOptions,
  readCloudTrail,
  spawnWorkers,
} from '../../shared/adapters/cloudtrail-files/read.js';
import { buildIngestWorker } from '../helpers/worker-bundle.js';
import { gzip, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let data: string;
let workerUrl: URL;
let cleanup: () => Promise<void>;

const PAIRS = new Set(['sts.amazonaws.com|AssumeRoleWithWebIdentity', 'iam.amazonaws.com|CreateAccessKey']);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  workerUrl = await buildIngestWorker(dir);

  const samples = [...(await sampleRecords()).values()];
  data = join(dir, 'archive');
  let n = 0;
  for (let f = 0; f < 20; f++) {
    const sub = join(data, `region-${f % 3}`, `day-${String(f % 5).padStart(2, '0')}`);
    await mkdir(sub, { recursive: true });
    const records = Array.from({ length: 40 + ((f * 37) % 200) }, () => {
      const base = samples[n % samples.length]!;
      return { ...base, eventID: `e-${n++}` };
    });
    let text: string;
    if (f % 4 === 0) text = JSON.stringify({ Records: records });
    else if (f % 4 === 1) text = records.map((r) => JSON.stringify(r)).join('\n');
    else if (f % 4 === 2)
      text = JSON.stringify({ Records: [...records.slice(0, 5), 17, ...records.slice(5)] }, null, 2);
    else
      text = [
        ...records.slice(0, 3).map((r) => JSON.stringify(r)),
        '{broken',
        ...records.slice(3).map((r) => JSON.stringify(r)),
      ].join('\n');
    let bytes = gzip(text);
    if (f === 13) bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    await writeFile(join(sub, `file-${String(f).padStart(2, '0')}.json.gz`), f === 17 ? gzip('') : bytes);
  }
});
afterAll(() => cleanup());

/** Everything a read produced, in the order the caller saw it. */
async function trace(inputs: string[], opts: Partial<ReadOptions>) {
  const log: unknown[] = [];
  const stats = emptyStats();
  for await (const batch of readCloudTrail(inputs, {
    ...opts,
    stats,
    onProblem: (p) => log.push(['problem', p.path, p.line, p.reason]),
  })) {
    log.push(['batch', batch.map((r) => [r.raw, r.path, r.line])]);
  }
  return { log, stats };
}

describe('worker threads', () => {
  it('give exactly the in-thread output, order and counters over a directory of gz files', async () => {
    for (const opts of [{ batchSize: 64 }, { batchSize: 7, relevantPairs: PAIRS }]) {
      const inThread = await trace([data], opts);
      const threaded = await trace([data], { ...opts, workers: 3, workerUrl });
      expect(inThread.stats.files).toBe(20);
      expect(inThread.stats.problems).toBeGreaterThanOrEqual(10);
      expect(inThread.stats.records).toBeGreaterThan(100);
      expect(threaded.log).toEqual(inThread.log);
      expect(threaded.stats).toEqual(inThread.stats);
    }
    const filtered = await trace([data], { relevantPairs: PAIRS, workers: 2, workerUrl });
    expect(filtered.stats.skippedIrrelevant).toBeGreaterThan(0);
  });

  it('read stdin in the calling thread at its place among the inputs', async () => {
    const stdinText = JSON.stringify({
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      eventID: 'stdin',
    });
    const inputs = [join(data, 'region-0'), '-', join(data, 'region-1')];
    const a = await trace(inputs, { stdin: Readable.from([Buffer.from(stdinText)]) });
    const b = await trace(inputs, { stdin: Readable.from([Buffer.from(stdinText)]), workers: 2, workerUrl });
    expect(b.log).toEqual(a.log);
    expect(JSON.stringify(a.log)).toContain('"stdin"');
  });

  it('read the files of a worker that dies in the calling thread, say so, and lose nothing', async () => {
    const bad = join(dir, 'bad-worker.mjs');
    await writeFile(bad, "throw new Error('worker failed to load');\n");
    const failures: string[] = [];
    const inThread = await trace([data], {});
    const threaded = await trace([data], {
      workers: 2,
      workerUrl: pathToFileURL(bad),
      onWorkerFailure: (m) => failures.push(m),
    });
    expect(threaded.log).toEqual(inThread.log);
    expect(threaded.stats).toEqual(inThread.stats);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/worker failed to load/);
  });

  it('read with workers spawned ahead exactly as with their own, and only once', async () => {
    const inThread = await trace([data], { relevantPairs: PAIRS });
    const spawned = spawnWorkers(workerUrl, 2);
    try {
      const first = await trace([data], { relevantPairs: PAIRS, workers: 2, workerUrl, spawned });
      expect(first.log).toEqual(inThread.log);
      expect(first.stats).toEqual(inThread.stats);
      expect(spawned.isConfigured()).toBe(true);
      // A second read (local inputs after an s3:// one) spawns its own: the first read closed these.
      const second = await trace([data], { relevantPairs: PAIRS, workers: 2, workerUrl, spawned });
      expect(second.log).toEqual(inThread.log);
    } finally {
      await spawned.close();
    }
    // Spawned with another size than the read's: left alone (the caller closes it).
    const other = spawnWorkers(workerUrl, 1);
    try {
      const read = await trace([data], { relevantPairs: PAIRS, workers: 2, workerUrl, spawned: other });
      expect(read.log).toEqual(inThread.log);
      expect(other.isConfigured()).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('report spawned-ahead workers that die before the read starts, and lose nothing', async () => {
    const bad = join(dir, 'bad-worker-early.mjs');
    await writeFile(bad, "throw new Error('worker failed to load');\n");
    const failures: string[] = [];
    const inThread = await trace([data], {});
    const spawned = spawnWorkers(pathToFileURL(bad), 2);
    const threaded = await trace([data], {
      workers: 2,
      workerUrl: pathToFileURL(bad),
      spawned,
      onWorkerFailure: (m) => failures.push(m),
    });
    expect(threaded.log).toEqual(inThread.log);
    expect(threaded.stats).toEqual(inThread.stats);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/worker failed to load/);
  });

  it('still fail with a CloudTrailReadError on invalid options', async () => {
    await expect(trace([data], { workers: 1 })).rejects.toThrow(CloudTrailReadError);
  });

  it('stop their threads when the consumer stops early', async () => {
    let batches = 0;
    for await (const _ of readCloudTrail([data], {
      onProblem: () => {},
      workers: 2,
      workerUrl,
      batchSize: 10,
    })) {
      batches++;
      if (batches === 2) break;
    }
    expect(batches).toBe(2);
  });
});
