/**
 * Issue 14: a worker's credit lives in shared memory (no message per piece consumed) and a file's last
 * piece says it is last (no 'done' message per file). Whatever the shape of a file (many pieces, a
 * gzip cut off mid-way, a last piece that cannot be received by the main thread, empty files, many
 * small files), 1 and 2 workers give exactly the in-thread records, problems and counters, in order,
 * also when the consumer is slow and the workers wait for credit.
 * Records derive from test/fixtures/cloudtrail-public (MIT, see its README).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyStats, type ReadOptions, readCloudTrail } from '../../shared/adapters/cloudtrail-files/read.js';
import { CHUNK_CREDITS, CHUNK_EVENTS } from '../../shared/adapters/cloudtrail-files/types.js';
import { buildIngestWorker } from '../helpers/worker-bundle.js';
import { gzip, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let data: string;
let lastLost: string;
let workerUrl: URL;
/** A read driver run by plain node: its main thread has a smaller stack than a worker's. */
let driver: string;
let cleanup: () => Promise<void>;

const PAIRS = new Set(['sts.amazonaws.com|AssumeRoleWithWebIdentity', 'iam.amazonaws.com|CreateAccessKey']);
/** Records of the file cut into many pieces. */
const MANY = 7 * CHUNK_EVENTS + 31;

/** `{"a":{"a":…{"leaf":1}…}}`, `depth` levels: clones in a worker, fails to deserialize in the main thread. */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}{"leaf":1}${'}'.repeat(depth)}`;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('iamwatch-pieces-'));
  workerUrl = await buildIngestWorker(dir);
  driver = join(dir, 'driver.mjs');
  const read = new URL('../../shared/adapters/cloudtrail-files/read.ts', import.meta.url).pathname;
  await build({
    stdin: {
      contents: `import { readCloudTrail } from ${JSON.stringify(read)};
        const [dir, workers, url] = process.argv.slice(2);
        const out = [];
        const depth = (v) => { let d = 0; for (let x = v; x && typeof x === 'object' && 'a' in x; x = x.a) d++; return d; };
        for await (const batch of readCloudTrail([dir], { workers: Number(workers), workerUrl: new URL(url),
          batchSize: 100, onProblem: (p) => out.push(['problem', p.path, p.line, p.reason]) }))
          for (const r of batch) out.push([r.raw.eventID, r.path, r.line, depth(r.raw.requestParameters)]);
        process.stdout.write(JSON.stringify(out));`,
      resolveDir: dir,
      loader: 'js',
    },
    outfile: driver,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  const samples = [...(await sampleRecords()).values()];
  let n = 0;
  const rec = (extra: Record<string, unknown> = {}) => ({
    ...samples[n % samples.length]!,
    eventID: `piece-${n++}`,
    ...extra,
  });
  data = join(dir, 'data');
  await mkdir(data);
  // One S3 object of many pieces (the byte split, and the whole-text path without a relevance test).
  const many = Array.from({ length: MANY }, () => rec());
  await writeFile(join(data, 'a-many.json.gz'), gzip(JSON.stringify({ Records: many })));
  // JSON lines cut off mid-way through the gzip: what decodes is kept, then one problem names the file.
  const lines = Array.from({ length: 3000 }, () => JSON.stringify(rec())).join('\n');
  const whole = gzip(lines);
  await writeFile(join(data, 'b-cut.jsonl.gz'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  // A file whose last piece the main thread cannot receive (messageerror), followed by other files.
  await writeFile(join(data, 'c-last-lost.json'), lastLostText(rec));
  // Many small files, more than the workers queue and more pieces than their credit.
  for (let f = 0; f < 4 * CHUNK_CREDITS; f++) {
    const rs = Array.from({ length: 3 + (f % 5) }, () => rec());
    const text = f % 3 === 0 ? rs.map((r) => JSON.stringify(r)).join('\n') : JSON.stringify({ Records: rs });
    await writeFile(join(data, `d-small-${String(f).padStart(2, '0')}.json.gz`), gzip(text));
  }
  await writeFile(join(data, 'e-empty.json.gz'), gzip(''));
  // The same kind of file alone: after its lost last piece the worker has nothing more to send.
  lastLost = join(dir, 'alone');
  await mkdir(lastLost);
  await writeFile(join(lastLost, 'only.json'), lastLostText(rec));
});
afterAll(() => cleanup());

/** CHUNK_EVENTS + 10 records, the last one nested 3,000 levels deep (in the file's last piece). */
function lastLostText(rec: () => Record<string, unknown>): string {
  const rs = Array.from({ length: CHUNK_EVENTS + 10 }, () => JSON.stringify(rec()));
  rs[rs.length - 1] = JSON.stringify({ ...rec(), requestParameters: 'DEEP' }).replace('"DEEP"', deep(3000));
  return `{"Records":[${rs.join(',')}]}`;
}

/** The depth of nested objects under `a`, counted without recursion. */
function depthOf(v: unknown): number {
  let d = 0;
  for (let x = v as { a?: unknown } | undefined; x && typeof x === 'object' && 'a' in x; x = x.a as never)
    d++;
  return d;
}

/** `raw` with a deep requestParameters replaced by its depth (vitest's deep equality recurses). */
function shallow(raw: Record<string, unknown>): Record<string, unknown> {
  const d = depthOf(raw.requestParameters);
  return d > 100 ? { ...raw, requestParameters: `depth ${d}` } : raw;
}

/** Everything a read produced, in order; `slow` yields to the event loop between batches. */
async function trace(opts: Partial<ReadOptions>, slow = false, inputs = [data]) {
  const log: unknown[] = [];
  const stats = emptyStats();
  for await (const batch of readCloudTrail(inputs, {
    ...opts,
    stats,
    onProblem: (p) => log.push(['problem', p.path, p.line, p.reason, p.count]),
  })) {
    log.push(['batch', batch.map((r) => [shallow(r.raw), r.path, r.line])]);
    if (slow) await new Promise((resolve) => setImmediate(resolve));
  }
  return { log, stats };
}

/** The records' raw objects, flattened, in order. */
function raws(log: unknown[]): Array<Record<string, unknown>> {
  return log.flatMap((e) => {
    const [kind, batch] = e as [string, Array<[Record<string, unknown>]>];
    return kind === 'batch' ? batch.map(([raw]) => raw) : [];
  });
}

describe('worker pieces', () => {
  for (const opts of [{}, { relevantPairs: PAIRS }] as Array<Partial<ReadOptions>>) {
    const name = opts.relevantPairs ? 'with the relevance pre-filter' : 'without a pre-filter';
    it(`give exactly the in-thread output with 1 and 2 workers (${name})`, async () => {
      const inThread = await trace({ ...opts, batchSize: 100 });
      for (const workers of [1, 2]) {
        const threaded = await trace({ ...opts, batchSize: 100, workers, workerUrl });
        expect(threaded.log).toEqual(inThread.log);
        expect(threaded.stats).toEqual(inThread.stats);
      }
      if (!opts.relevantPairs) {
        // The corpus holds what the test is about.
        const all = raws(inThread.log);
        expect(all.filter((r) => r.requestParameters === 'depth 3000')).toHaveLength(1);
        expect(all.length).toBeGreaterThan(MANY + 1000);
      }
    });
  }

  it('report a gzip cut off mid-way with its path after the records before the cut, nothing lost', async () => {
    const inThread = await trace({});
    const threaded = await trace({ workers: 2, workerUrl });
    const cut = join(data, 'b-cut.jsonl.gz');
    const problems = threaded.log.filter((e) => (e as unknown[])[0] === 'problem') as unknown[][];
    const problem = problems.find((p) => p[1] === cut);
    expect(problem?.[3]).toMatch(/^truncated gzip after \d+ records$/);
    const decoded = Number(/after (\d+) records/.exec(String(problem?.[3]))?.[1]);
    expect(decoded).toBeGreaterThan(CHUNK_EVENTS);
    expect(raws(threaded.log).length).toBe(raws(inThread.log).length);
    expect(threaded.log).toEqual(inThread.log);
  });

  it('finish a file whose last piece the main thread could not receive, also when nothing follows it', async () => {
    // Plain node: the 3,000-deep record clones in the worker (4 MB stack) but not in the main thread.
    const run = (d: string, workers: number) =>
      new Promise<unknown[]>((resolve, reject) =>
        execFile(
          process.execPath,
          [driver, d, String(workers), workerUrl.href],
          { timeout: 20_000 },
          (err, out) => (err ? reject(err) : resolve(JSON.parse(out) as unknown[])),
        ),
      );
    for (const d of [lastLost, data]) {
      const inThread = await run(d, 0);
      expect(inThread.filter((e) => (e as unknown[])[3] === 3000)).toHaveLength(1);
      for (const workers of [1, 2]) expect(await run(d, workers)).toEqual(inThread);
    }
    expect((await run(lastLost, 0)).length).toBe(CHUNK_EVENTS + 10);
  });

  it('keep order and lose nothing when the consumer is slower than the workers (credit)', async () => {
    const inThread = await trace({ batchSize: 3 });
    for (const workers of [1, 2]) {
      const threaded = await trace({ batchSize: 3, workers, workerUrl }, true);
      expect(threaded.log).toEqual(inThread.log);
      expect(threaded.stats).toEqual(inThread.stats);
    }
  });
});
