/**
 * Issue 14: worker threads send an S3 log object's wanted records as text (one JSON array string a
 * piece) and the main thread parses and judges them. Whatever the records hold (a record that is not
 * valid JSON among valid ones, multi-byte UTF-8 before it, invalid UTF-8, EventBridge envelopes, records
 * kept only for a needle in their text, records wanted by name whose pair is not listed, more problems
 * than a file reports), unpacking gives exactly the events of the in-thread split, and 0, 1 and 2
 * workers give the same output, also when a worker dies part-way through a file.
 * Records derive from test/fixtures/cloudtrail-public (MIT, see its README).
 */
import { isUtf8 } from 'node:buffer';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyStats, type ReadOptions, readCloudTrail } from '../../shared/adapters/cloudtrail-files/read.js';
import { packRecordBytes, splitRecordBytes } from '../../shared/adapters/cloudtrail-files/record-split.js';
import { readSource, unpacker } from '../../shared/adapters/cloudtrail-files/source.js';
import { TextProcessor } from '../../shared/adapters/cloudtrail-files/text-processor.js';
import {
  CHUNK_EVENTS,
  pairsTest,
  type SourceConfig,
  type SourceProblem,
  type SourceRecord,
} from '../../shared/adapters/cloudtrail-files/types.js';
import { buildIngestWorker } from '../helpers/worker-bundle.js';
import { envelope, gzip, sampleRecords, tempDir } from './helpers.js';

const PAIRS = new Set(['iam.amazonaws.com|CreateAccessKey', 'sts.amazonaws.com|AssumeRoleWithWebIdentity']);
const NEEDLES = ['break-glass'];
const PATH = 'object.json';
/** Multi-byte UTF-8: two-byte, three-byte and four-byte (a surrogate pair in UTF-16) sequences. */
const AGENT = 'console é ü ✓ 🦊 emoji';

let samples: Array<Record<string, unknown>>;
let dir: string;
let workerUrl: URL;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  samples = [...(await sampleRecords()).values()];
  ({ dir, cleanup } = await tempDir('iamwatch-packed-'));
  workerUrl = await buildIngestWorker(dir);
});
afterAll(() => cleanup());

function sample(name: string): Record<string, unknown> {
  const s = samples.find((r) => r.eventName === name);
  if (s === undefined) throw new Error(`no sample ${name}`);
  return s;
}

/** Record texts of every kind the split meets, in a repeating order; `n` is a running number. */
function kinds(n: number): string[] {
  const key = sample('CreateAccessKey');
  const other = sample('DeleteTrail');
  const id = (k: string) => `${k}-${n}`;
  return [
    JSON.stringify({ ...key, eventID: id('plain') }),
    // Multi-byte UTF-8 ahead of the records below: their offsets in the joined text are not byte offsets.
    JSON.stringify({ ...key, eventID: id('utf8'), userAgent: AGENT }),
    // Wanted (its name is relevant), balanced, and not valid JSON.
    `{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventID":"${id('bad')}","x":tru}`,
    // Its pair is not listed, but its text holds a needle: kept by the full test, after the parse.
    JSON.stringify({ ...other, eventID: id('needle'), userAgent: `${AGENT} break-glass` }),
    // Wanted by name, rejected by its pair, no needle: skipped after the parse.
    JSON.stringify({ ...key, eventSource: 'ec2.amazonaws.com', eventID: id('pair-no') }),
    // Not wanted at all: skipped on the bytes.
    JSON.stringify({ ...other, eventID: id('other') }),
    // EventBridge envelopes: a relevant detail, an irrelevant one, and one whose detail is no object.
    JSON.stringify(envelope({ ...key, eventID: id('bus') })),
    JSON.stringify(envelope({ ...other, eventID: id('bus-other') })),
    JSON.stringify({ ...envelope(key), detail: 'not an object' }),
    // An escaped key: no plain eventName to read on the bytes, wanted; judged after the parse.
    JSON.stringify({ ...key, eventID: id('escaped') }).replace('"eventName"', '"event\\u004eame"'),
  ];
}

function object(records: string[]): string {
  return `{"Records":[${records.join(',')}]}`;
}

function cfgOf(pack: boolean): SourceConfig {
  return { relevant: pairsTest(PAIRS, NEEDLES), maxDocumentChars: 64 << 20, pack };
}

/** The events, skipped count and bytes of one object read in this thread, packed then unpacked or not. */
async function readObject(bytes: Buffer, pack: boolean) {
  const cfg = cfgOf(pack);
  const unpack = unpacker(PATH, cfg);
  const events: Array<SourceRecord | SourceProblem> = [];
  let skipped = 0;
  let read = 0;
  let packedPieces = 0;
  for await (const chunk of readSource(PATH, bytes, cfg)) {
    if (chunk.packed !== undefined) packedPieces++;
    const out = unpack(chunk);
    events.push(...out.events);
    skipped += out.skipped;
    read += out.bytes;
  }
  return { events, skipped, bytes: read, packedPieces };
}

/** The same through the split that parses record by record (what readSource did before packing). */
function perRecord(bytes: Buffer) {
  const proc = new TextProcessor(PATH, cfgOf(false).relevant, 64 << 20);
  proc.badUtf8 = !isUtf8(bytes);
  const step = splitRecordBytes(bytes, proc);
  if (step === null) throw new Error('not split');
  while (!step(1000));
  proc.finish();
  const { events, skipped } = proc.take(bytes.length);
  return { events, skipped, bytes: bytes.length };
}

/**
 * Reads `bytes` packed (then unpacked as the main thread does) and in this thread, expects both to
 * give what the record-by-record split gives, and returns that.
 */
async function expectAsPerRecord(bytes: Buffer, pieces: number) {
  const reference = perRecord(bytes);
  for (const pack of [true, false]) {
    const { packedPieces, ...read } = await readObject(bytes, pack);
    expect(packedPieces).toBe(pack ? pieces : 0);
    expect(read).toEqual(reference);
  }
  return reference;
}

const ids = (events: Array<SourceRecord | SourceProblem>) =>
  events.map((e) => ('raw' in e ? String(e.raw.eventID) : `problem ${e.line}: ${e.reason}`));

describe('packed records', () => {
  it('unpack a piece with an invalid record in the middle into the in-thread events and problems', async () => {
    const bytes = Buffer.from(object([...kinds(0), ...kinds(1)]));
    const inThread = await expectAsPerRecord(bytes, 1);
    // What the in-thread split gives for these records (so the comparison above is about them).
    expect(ids(inThread.events)).toEqual([
      'plain-0',
      'utf8-0',
      expect.stringMatching(/^problem 1: record 3: invalid JSON \(Unexpected token '\}'/),
      'needle-0',
      'bus-0',
      // Kept: an envelope's detail is judged without its text, and a needle test then keeps it.
      'bus-other-0',
      'problem 1: record 9: EventBridge event detail is not an object (string)',
      'escaped-0',
      'plain-1',
      'utf8-1',
      expect.stringMatching(/^problem 1: record 13: invalid JSON \(Unexpected token '\}'/),
      'needle-1',
      'bus-1',
      'bus-other-1',
      'problem 1: record 19: EventBridge event detail is not an object (string)',
      'escaped-1',
    ]);
    // pair-no and other, twice.
    expect(inThread.skipped).toBe(4);
    expect(inThread.bytes).toBe(bytes.length);
  });

  it('judge each record of a piece that parses whole by its own text', async () => {
    // No invalid record: the piece parses in one call, and the needle test reads each record's text.
    const valid = (n: number) => {
      const [plain, utf8, , needle, pairNo] = kinds(n) as [string, string, string, string, string];
      return [needle, plain, pairNo, needle.replace('needle-', 'again-'), pairNo, utf8];
    };
    const bytes = Buffer.from(object([...valid(0), ...valid(1)]));
    const inThread = await expectAsPerRecord(bytes, 1);
    expect(ids(inThread.events)).toEqual([
      'needle-0',
      'plain-0',
      'again-0',
      'utf8-0',
      'needle-1',
      'plain-1',
      'again-1',
      'utf8-1',
    ]);
    // pair-no, in each half.
    expect(inThread.skipped).toBe(4);
  });

  it('round-trip multi-byte UTF-8 text, with the offsets of the records after it', async () => {
    const records = [...kinds(0), ...kinds(1)];
    const bytes = Buffer.from(object(records));
    const step = packRecordBytes(bytes, cfgOf(true).relevant, false);
    if (step === null) throw new Error('not split');
    const { packed } = step(CHUNK_EVENTS);
    expect(packed.final).toBe(true);
    // Every record's own text, at its offsets in the joined text.
    const n = packed.meta.length / 3;
    const texts = Array.from({ length: n }, (_, j) =>
      packed.text.slice(packed.meta[3 * j + 1], packed.meta[3 * j + 2]),
    );
    const indices = Array.from({ length: n }, (_, j) => packed.meta[3 * j]);
    expect(texts).toEqual(indices.map((k) => records[k as number]));
    const unpacked = await expectAsPerRecord(bytes, 1);
    const agents = unpacked.events.filter((e): e is SourceRecord => 'raw' in e).map((e) => e.raw.userAgent);
    expect(agents).toContain(AGENT);
    expect(agents).toContain(`${AGENT} break-glass`);
  });

  it('report records holding invalid UTF-8 as the in-thread split does', async () => {
    const [head, tail] = object([...kinds(0), 'MARK', ...kinds(1)]).split('MARK') as [string, string];
    const invalid = Buffer.concat([
      Buffer.from(
        `{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventID":"bad-utf8","userAgent":"a`,
      ),
      Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]),
      Buffer.from('z"}'),
    ]);
    const bytes = Buffer.concat([Buffer.from(head), invalid, Buffer.from(tail)]);
    const inThread = await expectAsPerRecord(bytes, 1);
    expect(ids(inThread.events)).toContain(
      'problem 1: invalid UTF-8 in userAgent (eventID bad-utf8); not evaluated',
    );
  });

  it('cut an object into pieces of at most CHUNK_EVENTS wanted records, the last one final', async () => {
    const records = Array.from({ length: 60 }, (_, n) => kinds(n)).flat();
    const bytes = Buffer.from(object(records));
    const step = packRecordBytes(bytes, cfgOf(true).relevant, false);
    if (step === null) throw new Error('not split');
    const sizes: number[] = [];
    let skipped = 0;
    for (;;) {
      const s = step(CHUNK_EVENTS);
      sizes.push(s.packed.meta.length / 3);
      skipped += s.skipped;
      if (s.packed.final) break;
    }
    // Every kind but `other` is wanted on the bytes: 9 of 10.
    expect(sizes).toEqual([CHUNK_EVENTS, CHUNK_EVENTS, 60 * 9 - 2 * CHUNK_EVENTS]);
    expect(skipped).toBe(60);
    await expectAsPerRecord(bytes, 3);
  });
});

describe('packed records across threads', () => {
  let data: string;
  let dying: URL;

  beforeAll(async () => {
    data = join(dir, 'data');
    await mkdir(data);
    // A mix of every kind, plain and gzip.
    await writeFile(join(data, 'a-mix.json'), object([...kinds(0), ...kinds(1)]));
    await writeFile(
      join(data, 'b-mix.json.gz'),
      gzip(object(Array.from({ length: 70 }, (_, n) => kinds(n)).flat())),
    );
    // More invalid records than a file reports (100), over several pieces: the summary comes last.
    const many = Array.from({ length: 130 }, (_, n) => kinds(n)).flat();
    await writeFile(join(data, 'c-problems.json.gz'), gzip(object(many)));
    // Invalid UTF-8 in one record of a mixed object.
    await writeFile(
      join(data, 'd-bad-utf8.json'),
      Buffer.concat([
        Buffer.from(object([...kinds(0), ''])).subarray(0, -2),
        Buffer.from(
          `{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventID":"u","userAgent":"`,
        ),
        Buffer.from([0xff, 0x41]),
        Buffer.from('"}]}'),
      ]),
    );
    await writeFile(join(data, 'e-empty-records.json'), '{"Records":[]}');
    // A worker that dies after its third piece: the rest of the file is read in the main thread.
    dying = pathToFileURL(join(dir, 'dying-worker.mjs'));
    await writeFile(
      dying,
      `import { parentPort } from 'node:worker_threads';
      const post = parentPort.postMessage.bind(parentPort);
      let chunks = 0;
      parentPort.postMessage = (msg) => {
        if (msg.type === 'chunk' && ++chunks > 3) process.exit(7);
        post(msg);
      };
      await import(${JSON.stringify(workerUrl.href)});
      `,
    );
  });

  /** Everything a read produced, in order. */
  async function trace(opts: Partial<ReadOptions>) {
    const log: unknown[] = [];
    const stats = emptyStats();
    for await (const batch of readCloudTrail([data], {
      relevantPairs: PAIRS,
      needles: NEEDLES,
      batchSize: 50,
      ...opts,
      stats,
      onProblem: (p) => log.push(['problem', p.path, p.line, p.reason, p.count]),
    })) {
      log.push(['batch', batch.map((r) => [r.raw, r.path, r.line])]);
    }
    return { log, stats };
  }

  it('give the in-thread output with 1 and 2 workers', async () => {
    const inThread = await trace({});
    for (const workers of [1, 2]) {
      const threaded = await trace({ workers, workerUrl });
      expect(threaded.log).toEqual(inThread.log);
      expect(threaded.stats).toEqual(inThread.stats);
    }
    // The corpus holds what the test is about.
    const text = JSON.stringify(inThread.log);
    expect(text).toContain('more problems not shown');
    expect(text).toContain('invalid UTF-8 in userAgent (eventID u); not evaluated');
    expect(text).toContain(AGENT);
    expect(text).toContain('needle-69');
    expect(inThread.stats.skippedIrrelevant).toBeGreaterThan(0);
  });

  it('give the in-thread output when a worker dies part-way through a file', async () => {
    const inThread = await trace({});
    for (const workers of [1, 2]) {
      const failures: string[] = [];
      const threaded = await trace({ workers, workerUrl: dying, onWorkerFailure: (m) => failures.push(m) });
      expect(threaded.log).toEqual(inThread.log);
      expect(threaded.stats).toEqual(inThread.stats);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]).toMatch(/exited \(code 7\)/);
    }
  });
});
