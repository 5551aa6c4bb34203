/**
 * Issue 11 item 5: replay never loses a record. A crafted corpus holding each bad input found so far
 * (records thousands of levels deep that cannot cross threads, huge strings, invalid UTF-8, bad event
 * times) gives the same records, problems and counters with worker threads as in the calling thread,
 * and every record written is either handed on, skipped by the pre-filter, or reported.
 * Records derive from test/fixtures/cloudtrail-public (MIT, see its README).
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyStats, type ReadOptions, readCloudTrail } from '../../shared/adapters/cloudtrail-files/read.js';
import { buildIngestWorker } from '../helpers/worker-bundle.js';
import { collect, gzip, sampleRecords, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let workerUrl: URL;
let corpus: string;
/** Records written into the corpus, all of them. */
let written = 0;
/** Records the corpus holds that must be reported rather than handed on. */
let reportedRecords = 0;
/** An object with invalid UTF-8, for stdin (the streamed path). */
let badStream: Buffer;

/** `{"a":{"a":…{"leaf":1}…}}`, `depth` levels, as text (JSON.stringify would overflow on it). */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}{"leaf":1}${'}'.repeat(depth)}`;
}

/** The JSON text of `r` with its requestParameters replaced by `depth` levels of nesting. */
function deepText(r: Record<string, unknown>, depth: number): string {
  return JSON.stringify({ ...r, requestParameters: 'DEEP' }).replace('"DEEP"', deep(depth));
}

const ASSUME = 'AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('iamwatch-lossless-'));
  workerUrl = await buildIngestWorker(dir);

  const base = (await sampleRecords()).get(ASSUME)!;
  let n = 0;
  const rec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...base,
    eventID: `lossless-${n++}`,
    ...extra,
  });
  corpus = join(dir, 'corpus');
  execFileSync('mkdir', ['-p', corpus]);
  const put = async (name: string, records: unknown[], text?: string) => {
    written += records.length;
    await writeFile(join(corpus, name), text ?? JSON.stringify({ Records: records }));
  };
  // 300 records, record 51 nested 3,000 levels deep: it clones in the worker but not in the main thread.
  const many = Array.from({ length: 300 }, (_, i) =>
    i === 50 ? deepText(rec(), 3000) : JSON.stringify(rec()),
  );
  written += 300;
  await writeFile(join(corpus, 'a-deep-3000.json'), `{"Records":[${many.join(',')}]}`);
  // Nested 20,000 levels deep: the worker cannot even post it.
  written += 3;
  await writeFile(
    join(corpus, 'b-deep-20000.json.gz'),
    gzip(`{"Records":[${JSON.stringify(rec())},${deepText(rec(), 20_000)},${JSON.stringify(rec())}]}`),
  );
  // A deep record without eventID, as JSON lines.
  const noId = rec();
  delete noId.eventID;
  written += 2;
  await writeFile(
    join(corpus, 'c-deep-no-id.jsonl'),
    `${JSON.stringify(rec())}\n${deepText(noId, 20_000)}\n`,
  );
  // Huge strings.
  await put('d-huge.json', [
    rec({ userAgent: 'x'.repeat(4 << 20) }),
    rec({ sourceIPAddress: '"'.repeat(100_000) }),
  ]);
  // Invalid UTF-8 inside a value (0xff is never valid), one whole file and one streamed (gzip).
  const bad = (r: Record<string, unknown>) => {
    const text = JSON.stringify({ Records: [rec(), r, rec()] });
    const at = text.indexOf('BADBYTE');
    const buf = Buffer.from(text);
    buf[at] = 0xff;
    return buf;
  };
  written += 6;
  reportedRecords += 2;
  await writeFile(join(corpus, 'e-bad-utf8.json'), bad(rec({ userAgent: 'curl BADBYTE' })));
  await writeFile(join(corpus, 'f-bad-utf8.json.gz'), gzipSync(bad(rec({ userAgent: 'BADBYTE' }))));
  badStream = bad(rec({ userAgent: 'BADBYTE' }));
  // Five different bad event times (handed on: the pipeline reports them, see test/cli/replay-faithful).
  await put(
    'g-bad-times.json',
    ['yesterday', '1', '2026-13-45T00:00:00Z', '', 'Tue, 01 Dec 2026 10:00:00 GMT'].map((t) =>
      rec({ eventTime: t }),
    ),
  );
  // Enough files for every worker to hold several.
  for (let f = 0; f < 6; f++)
    await put(
      `h-plain-${f}.json`,
      Array.from({ length: 40 }, () => rec()),
    );
});
afterAll(() => cleanup());

async function trace(opts: Partial<ReadOptions>) {
  const log: unknown[] = [];
  const stats = emptyStats();
  let recordProblems = 0;
  for await (const batch of readCloudTrail([corpus], {
    ...opts,
    stats,
    onProblem: (p) => {
      if (/invalid UTF-8/.test(p.reason)) recordProblems++;
      log.push(['problem', p.path, p.line, p.reason]);
    },
  })) {
    log.push(['batch', batch.map((r) => [r.raw.eventID ?? null, r.path, r.line])]);
  }
  return { log, stats, recordProblems };
}

describe('a crafted corpus of bad inputs', () => {
  it('gives identical records, problems and counters in-thread and with 2 workers, and loses none', async () => {
    const inThread = await trace({});
    const threaded = await trace({ workers: 2, workerUrl });
    expect(threaded.log).toEqual(inThread.log);
    expect(threaded.stats).toEqual(inThread.stats);
    // Every record written is handed on or reported.
    expect(inThread.stats.records + inThread.stats.skippedIrrelevant + inThread.recordProblems).toBe(written);
    expect(inThread.recordProblems).toBe(reportedRecords);
  });

  it('gives identical output under the relevance pre-filter (the byte split)', async () => {
    const pairs = new Set(['sts.amazonaws.com|AssumeRoleWithWebIdentity']);
    const inThread = await trace({ relevantPairs: pairs, needles: ['"Root"'] });
    const threaded = await trace({ relevantPairs: pairs, needles: ['"Root"'], workers: 2, workerUrl });
    expect(threaded.log).toEqual(inThread.log);
    expect(inThread.stats.records + inThread.stats.skippedIrrelevant + inThread.recordProblems).toBe(written);
  });

  it('reports invalid UTF-8 where it is: file, line, field and eventID', async () => {
    const got = await collect([join(corpus, 'e-bad-utf8.json'), join(corpus, 'f-bad-utf8.json.gz'), '-'], {
      stdin: Readable.from([badStream.subarray(0, 100), badStream.subarray(100)]),
    });
    expect(got.rendered).toEqual([
      expect.stringMatching(
        /e-bad-utf8\.json:1: invalid UTF-8 in userAgent \(eventID lossless-\d+\); not evaluated$/,
      ),
      expect.stringMatching(
        /f-bad-utf8\.json\.gz:1: invalid UTF-8 in userAgent \(eventID lossless-\d+\); not evaluated$/,
      ),
      expect.stringMatching(
        /^<stdin>:1: invalid UTF-8 in userAgent \(eventID lossless-\d+\); not evaluated$/,
      ),
    ]);
    expect(got.records).toHaveLength(6);
  });

  it('leaves a valid U+FFFD alone', async () => {
    const path = join(dir, 'fffd.json');
    const base = (await sampleRecords()).get(ASSUME)!;
    await writeFile(path, JSON.stringify({ Records: [{ ...base, userAgent: 'a\uFFFDb' }] }));
    const got = await collect([path]);
    expect(got.problems).toEqual([]);
    expect(got.records).toHaveLength(1);
  });
});

describe('inputs that are not regular files', () => {
  it('reads a named pipe given by name as a stream', async () => {
    const fifo = join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const base = (await sampleRecords()).get(ASSUME)!;
    const text = [1, 2, 3].map((i) => JSON.stringify({ ...base, eventID: `fifo-${i}` })).join('\n');
    // The writer is another process: it opens the pipe when it likes, as `<(zcat …)` would.
    const writer = spawn('sh', ['-c', 'cat > "$1"', 'sh', fifo], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(text);
    const got = await collect([fifo]);
    expect(got.records.map((r) => r.raw.eventID)).toEqual(['fifo-1', 'fifo-2', 'fifo-3']);
    expect(got.problems).toEqual([]);
    expect(got.stats.files).toBe(1);
  });

  it('refuses a socket with a message', async () => {
    const { createServer } = await import('node:net');
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const got = await collect([sock]);
      expect(got.rendered).toEqual([`${sock}: not a file, directory or pipe; skipped`]);
    } finally {
      server.close();
    }
  });
});
