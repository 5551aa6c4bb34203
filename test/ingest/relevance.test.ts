import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, envelope, gzip, tempDir } from './helpers.js';

const RELEVANT = new Set([
  'iam.amazonaws.com|CreateUser',
  'sts.amazonaws.com|AssumeRole',
  'iam.amazonaws.com|Create"User',
]);
const relevant = (es: string, en: string) => RELEVANT.has(`${es}|${en}`);

const stdin = (text: string) => Readable.from([Buffer.from(text)]);
const readText = (text: string, opts: Parameters<typeof collect>[1] = {}) =>
  collect(['-'], { stdin: stdin(text), ...opts });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('relevance pre-filter', () => {
  it('decides on top-level eventSource/eventName only, not nested or quoted ones', async () => {
    const records = [
      // Irrelevant at the top, relevant-looking inside requestParameters (before and after).
      {
        requestParameters: { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' },
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        eventID: 'trap-1',
      },
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        responseElements: [{ eventName: 'CreateUser', eventSource: 'iam.amazonaws.com' }],
        eventID: 'trap-2',
      },
      {
        eventSource: 's3.amazonaws.com',
        userAgent: '"eventName":"CreateUser"',
        eventName: 'PutObject',
        eventID: 'trap-3',
      },
      // Relevant at the top, irrelevant inside.
      {
        requestParameters: { eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        eventID: 'keep-1',
      },
      // Decided only after decoding escapes.
      { eventSource: 'sts.amazonaws.com', 'event\u004eame': 'Assume\u0052ole', eventID: 'keep-2' },
      { eventSource: 'iam.amazonaws.com', eventName: 'Create"User', eventID: 'keep-3' },
      // Undecidable by the scan (missing or non-string): parsed, then kept.
      { eventSource: 'iam.amazonaws.com', eventID: 'keep-4' },
      { eventSource: 'iam.amazonaws.com', eventName: { nested: 'CreateUser' }, eventID: 'keep-5' },
      { eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventID: 'skip-last' },
    ];
    let doc = JSON.stringify({ Records: records });
    doc = doc.replace('"eventName":"AssumeRole"', '"event\\u004eame":"Assume\\u0052ole"');
    for (const opts of [{ relevant }, { relevantPairs: RELEVANT }]) {
      const got = await readText(doc, opts);
      expect(got.records.map((r) => r.raw.eventID)).toEqual([
        'keep-1',
        'keep-2',
        'keep-3',
        'keep-4',
        'keep-5',
      ]);
      expect(got.stats.skippedIrrelevant).toBe(4);
      expect(got.stats.records).toBe(5);
      expect(got.problems).toEqual([]);
    }
    const all = await readText(doc);
    expect(all.records).toHaveLength(records.length);
    expect(all.stats.skippedIrrelevant).toBe(0);
  });

  it('applies to EventBridge details, arrays and JSON lines', async () => {
    const keep = { eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', eventID: 'k' };
    const skip = { eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', eventID: 's' };
    const text = [
      JSON.stringify(envelope(keep)),
      JSON.stringify(envelope(skip)),
      JSON.stringify([skip, keep]),
      JSON.stringify(skip),
      JSON.stringify(keep),
    ].join('\n');
    const got = await readText(text, { relevantPairs: RELEVANT });
    expect(got.records.map((r) => [r.raw.eventID, r.line])).toEqual([
      ['k', 1],
      ['k', 3],
      ['k', 5],
    ]);
    expect(got.stats.skippedIrrelevant).toBe(3);
  });

  it('scans huge and escape-heavy nested values', async () => {
    const heavy = (id: string, eventName: string) => ({
      eventSource: 'iam.amazonaws.com',
      requestParameters: {
        policyDocument: '"\\{['.repeat(300_000),
        many: Object.fromEntries(Array.from({ length: 50_000 }, (_, k) => [`k${k}`, [k, { v: 'x' }]])),
        long: 'y'.repeat(1 << 20),
        flat: Object.fromEntries(Array.from({ length: 50_000 }, (_, k) => [`f${k}`, k])),
      },
      eventName,
      eventID: id,
    });
    const text = [heavy('skip', 'GetUser'), heavy('keep', 'CreateUser')]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const got = await readText(text, { relevantPairs: RELEVANT });
    expect(got.problems).toEqual([]);
    expect(got.records.map((r) => r.raw)).toEqual([JSON.parse(JSON.stringify(heavy('keep', 'CreateUser')))]);
    expect(got.stats.skippedIrrelevant).toBe(1);
    const pretty = await readText(
      JSON.stringify({ Records: [heavy('a', 'GetUser'), heavy('b', 'CreateUser')] }, null, 1),
      {
        relevantPairs: RELEVANT,
      },
    );
    expect(pretty.records.map((r) => r.raw.eventID)).toEqual(['b']);
  });

  it('never JSON.parses the records it skips', async () => {
    const skip = {
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      requestParameters: { bucketName: 'b' },
    };
    const keep = { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventID: 'only' };
    const doc = JSON.stringify({ Records: [...Array.from({ length: 2000 }, () => skip), keep] });
    const parse = vi.spyOn(JSON, 'parse');
    const got = await readText(doc, { relevantPairs: RELEVANT });
    const calls = parse.mock.calls.length;
    vi.restoreAllMocks();
    expect(got.records.map((r) => r.raw.eventID)).toEqual(['only']);
    expect(got.stats.skippedIrrelevant).toBe(2000);
    expect(calls).toBe(1);
  });

  it('gives the same records as JSON.parse-then-filter (property)', async () => {
    const name = fc.constantFrom(
      'CreateUser',
      'AssumeRole',
      'GetObject',
      'Create"User',
      'Assume\\Role',
      'é{[',
      '',
    );
    const source = fc.constantFrom('iam.amazonaws.com', 'sts.amazonaws.com', 's3.amazonaws.com');
    const top = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof(arb, fc.constant(undefined), fc.constant(null), fc.integer());
    const record = fc
      .tuple(
        top(source),
        top(name),
        fc.option(fc.record({ eventName: name, eventSource: source, more: fc.jsonValue({ maxDepth: 2 }) })),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.boolean(),
        fc.uuid(),
      )
      .map(([eventSource, eventName, requestParameters, userAgent, nestedFirst, eventID]) =>
        nestedFirst
          ? { requestParameters, userAgent, eventSource, eventName, eventID }
          : { eventSource, eventName, eventID, userAgent, requestParameters },
      );
    const shape = fc.constantFrom('records', 'array', 'single-lines', 'envelope-lines', 'records-lines');
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        shape,
        fc.constantFrom(0, 2),
        fc.boolean(),
        async (records, kind, indent, escapeKeys) => {
          const plain = JSON.parse(JSON.stringify(records)) as Array<Record<string, unknown>>;
          let text: string;
          if (kind === 'records') text = JSON.stringify({ Records: records }, null, indent);
          else if (kind === 'array') text = JSON.stringify(records, null, indent);
          else if (kind === 'records-lines')
            text = records.map((r) => JSON.stringify({ Records: [r] })).join('\n');
          else if (kind === 'envelope-lines')
            text = records.map((r) => JSON.stringify(envelope(r))).join('\n');
          else text = records.map((r) => JSON.stringify(r)).join('\n');
          if (escapeKeys) text = text.replaceAll('"eventName":', '"\\u0065ventName":');
          const expected = plain.filter((r) =>
            typeof r.eventSource === 'string' && typeof r.eventName === 'string'
              ? relevant(r.eventSource, r.eventName)
              : true,
          );
          const got = await readText(text, { relevantPairs: RELEVANT });
          expect(got.problems).toEqual([]);
          expect(got.records.map((r) => r.raw)).toEqual(expected);
          expect(got.stats.skippedIrrelevant).toBe(plain.length - expected.length);
          const all = await readText(text);
          expect(all.records.map((r) => r.raw)).toEqual(plain);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('S3 log objects split by text search', () => {
    const NEEDLES = ['"Root"', 'break-glass'];
    const wants = (r: Record<string, unknown>) =>
      typeof r.eventSource === 'string' && typeof r.eventName === 'string'
        ? relevant(r.eventSource, r.eventName) || NEEDLES.some((n) => JSON.stringify(r).includes(n))
        : true;
    const ct = (eventName: string, eventID: string, more: Record<string, unknown> = {}) => ({
      eventVersion: '1.08',
      userIdentity: { type: 'AssumedRole' },
      eventSource: eventName === 'AssumeRole' ? 'sts.amazonaws.com' : 'iam.amazonaws.com',
      eventName,
      eventID,
      ...more,
    });

    it('parses only the records that name a relevant event or hold a needle', async () => {
      const noise = Array.from({ length: 500 }, (_, i) => ct('GetRole', `n${i}`));
      const records = [
        ...noise.slice(0, 250),
        ct('CreateUser', 'keep-1'),
        ct('GetRole', 'keep-root', { userIdentity: { type: 'Root' } }),
        ...noise.slice(250),
        ct('GetRole', 'keep-bg', { requestParameters: { roleName: 'break-glass-admin' } }),
      ];
      const doc = JSON.stringify({ Records: records });
      const { dir, cleanup } = await tempDir();
      try {
        const file = join(dir, 'object.json.gz');
        await writeFile(file, gzip(doc));
        for (const read of [
          () => readText(doc, { relevantPairs: RELEVANT, needles: NEEDLES }),
          () => collect([file], { relevantPairs: RELEVANT, needles: NEEDLES }),
        ]) {
          const parse = vi.spyOn(JSON, 'parse');
          const got = await read();
          const calls = parse.mock.calls.length;
          vi.restoreAllMocks();
          expect(got.records.map((r) => r.raw.eventID)).toEqual(['keep-1', 'keep-root', 'keep-bg']);
          expect(got.stats.skippedIrrelevant).toBe(500);
          expect(got.problems).toEqual([]);
          expect(calls).toBe(3);
        }
      } finally {
        await cleanup();
      }
    });

    it('never takes an object nested in a record for a record (injection through request parameters)', async () => {
      // A bucket policy is logged as an object: its Statement array is for the caller to shape.
      const fake = ct('CreateUser', 'FORGED', { userIdentity: { type: 'Root' } });
      const host = ct('GetRole', 'host', {
        requestParameters: {
          bucketPolicy: { Statement: [{ Sid: 'x' }, fake, { eventVersion: '1.08', eventName: 'GetRole' }] },
        },
      });
      const records = [ct('GetRole', 'a'), host, ct('CreateUser', 'b')];
      const doc = JSON.stringify({ Records: records });
      const { dir, cleanup } = await tempDir();
      try {
        const file = join(dir, 'object.json.gz');
        await writeFile(file, gzip(doc));
        for (const got of [
          await readText(doc, { relevantPairs: RELEVANT, needles: ['break-glass'] }),
          await collect([file], { relevantPairs: RELEVANT, needles: ['break-glass'] }),
        ]) {
          expect(got.records.map((r) => r.raw.eventID)).toEqual(['b']);
          expect(got.stats.skippedIrrelevant).toBe(2);
        }
      } finally {
        await cleanup();
      }
    });

    it('reports a chosen record that does not parse and keeps the others', async () => {
      const good = JSON.stringify(ct('CreateUser', 'ok'));
      const bad = JSON.stringify(ct('CreateUser', 'bad')).replace('"eventID":"bad"', '"eventID":01');
      const doc = `{"Records":[${good},${bad},${JSON.stringify(ct('GetRole', 'skip'))}]}`;
      const { dir, cleanup } = await tempDir();
      try {
        const file = join(dir, 'object.json.gz');
        await writeFile(file, gzip(doc));
        const got = await collect([file], { relevantPairs: RELEVANT });
        expect(got.records.map((r) => r.raw.eventID)).toEqual(['ok']);
        expect(got.stats.skippedIrrelevant).toBe(1);
        expect(got.rendered).toHaveLength(1);
        expect(got.rendered[0]).toMatch(/object\.json\.gz:1: record 2: /);
      } finally {
        await cleanup();
      }
    });

    it('falls back to a whole parse when a piece is not one record, and misses nothing', async () => {
      const traps = [
        // A relevant record whose request parameters look like records (split inside it).
        ct('CreateUser', 'keep-nested', {
          requestParameters: { items: [{ eventVersion: '1', eventName: 'GetRole' }, { eventVersion: '2' }] },
        }),
        // An irrelevant record whose nested object says CreateUser under a record-like key.
        ct('GetRole', 'skip-nested', {
          requestParameters: { x: { eventVersion: '1', eventName: 'CreateUser' } },
        }),
        // Key order differs: eventVersion is not first.
        {
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreateUser',
          eventVersion: '1.08',
          eventID: 'keep-order',
        },
      ];
      for (const t of traps) {
        const records = [ct('GetRole', 'a'), t, ct('CreateUser', 'b'), ct('GetRole', 'c')];
        const doc = JSON.stringify({ Records: records });
        const got = await readText(doc, { relevantPairs: RELEVANT, needles: NEEDLES });
        expect(got.records.map((r) => r.raw.eventID)).toEqual(records.filter(wants).map((r) => r.eventID));
        expect(got.stats.skippedIrrelevant + got.stats.records).toBe(4);
        expect(got.problems).toEqual([]);
      }
    });

    it('gives the same records as JSON.parse-then-filter (property)', async () => {
      const name = fc.constantFrom('CreateUser', 'AssumeRole', 'GetRole', 'Create"User', 'Assume\\Role', '');
      const nested = fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ eventVersion: fc.constant('1'), eventName: name }),
        fc.array(fc.record({ eventVersion: fc.constant('1'), eventName: name }), { maxLength: 2 }),
        fc.constantFrom('Root', 'break-glass', '"Root"'),
        fc.string({ unit: 'binary', maxLength: 12 }),
      );
      const record = fc
        .tuple(name, nested, fc.boolean(), fc.uuid())
        .map(([eventName, requestParameters, root, eventID]) =>
          ct(eventName, eventID, {
            ...(root ? { userIdentity: { type: 'Root' } } : {}),
            ...(requestParameters === undefined ? {} : { requestParameters }),
          }),
        );
      const { dir, cleanup } = await tempDir();
      try {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(record, { maxLength: 8 }), fc.boolean(), async (records, escapeName) => {
            const plain = JSON.parse(JSON.stringify(records)) as Array<Record<string, unknown>>;
            let text = JSON.stringify({ Records: records });
            if (escapeName) text = text.replace('"eventName":"CreateUser"', '"eventName":"Create\\u0055ser"');
            const expected = plain.filter(wants);
            // Streamed (stdin: split on the decoded text) and whole files (split on the bytes).
            const file = join(dir, `r${run++}.json${run % 2 ? '.gz' : ''}`);
            await writeFile(file, run % 2 ? gzip(text) : text);
            for (const got of [
              await readText(text, { relevantPairs: RELEVANT, needles: NEEDLES }),
              await collect([file], { relevantPairs: RELEVANT, needles: NEEDLES }),
            ]) {
              expect(got.problems).toEqual([]);
              expect(got.records.map((r) => r.raw)).toEqual(expected);
              expect(got.stats.skippedIrrelevant).toBe(plain.length - expected.length);
            }
          }),
          { numRuns: 300 },
        );
      } finally {
        await cleanup();
      }
    });
  });
});
