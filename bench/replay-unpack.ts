/**
 * The main thread's side of `replay --workers N` alone, without the worker threads (issue 14): what it does
 * with each piece a worker sends (deserialise the message, parse the packed records, judge them) and each
 * record after (normalise, duplicate check, lineage, rules, aggregation), in one thread and one fixed order,
 * so that valgrind counts the same instructions run after run.
 *
 *   node bench/replay-unpack.mjs prepare <corpus-dir> <pieces-file>   (pieces as a worker packs them)
 *   node bench/replay-unpack.mjs run <corpus-dir> <pieces-file>       (prints a digest of alerts and counters)
 *
 * `prepare` reads every object of the corpus as a worker does (`readSource` with `pack`) and writes each
 * piece serialised the way `postMessage` does (v8 ValueSerializer); `run` only reads that file back.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { readBaselineFile } from '../shared/adapters/baseline-file.js';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../shared/adapters/cloudtrail-files/read.js';
import { readSource, unpacker } from '../shared/adapters/cloudtrail-files/source.js';
import { type FileChunk, pairsTest, type SourceConfig } from '../shared/adapters/cloudtrail-files/types.js';
import { MemorySessionStore } from '../shared/adapters/memory-sessions.js';
import { DetectionPipeline } from '../shared/app/detect.js';
import { needlesFor } from '../shared/app/ingest.js';
import { type RawItem, replay } from '../shared/app/replay.js';
import { buildIndex } from '../shared/core/baseline/in-memory-view.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (p.endsWith('.json.gz')) out.push(p);
  }
  return out;
}

export async function main(mode: string, dir: string, piecesFile: string): Promise<void> {
  const loaded = await readBaselineFile(path.join(dir, 'baseline.yaml'), { name: 'baseline.yaml' });
  if (!loaded.baseline) throw new Error('baseline.yaml did not validate');
  const baseline = loaded.baseline;
  const pipeline = new DetectionPipeline();
  const cfg: SourceConfig = {
    relevant: pairsTest(pipeline.engine.pairs(), needlesFor(baseline.identities)),
    maxDocumentChars: DEFAULT_MAX_DOCUMENT_BYTES,
    pack: true,
  };
  if (mode === 'prepare') {
    const parts: Buffer[] = [];
    for (const f of files(path.join(dir, 'cloudtrail'))) {
      const pieces: Buffer[] = [];
      for await (const chunk of readSource(f, gunzipSync(readFileSync(f)), cfg))
        pieces.push(serialize(chunk));
      parts.push(serialize({ path: f, pieces }));
    }
    writeFileSync(piecesFile, serialize(parts));
    process.stdout.write(`${parts.length} files\n`);
    return;
  }
  const parts = deserialize(readFileSync(piecesFile)) as Buffer[];
  // The reader's batch size (read.ts DEFAULT_BATCH_SIZE), or IAMWATCH_BENCH_BATCH.
  const batchSize = Number.parseInt(process.env.IAMWATCH_BENCH_BATCH ?? '512', 10);
  const hash = createHash('sha256');
  let records = 0;
  let skipped = 0;
  let problems = 0;
  const source = (async function* (): AsyncGenerator<RawItem[]> {
    let batch: RawItem[] = [];
    for (const part of parts) {
      const { path: p, pieces } = deserialize(part) as { path: string; pieces: Buffer[] };
      const unpack = unpacker(p, cfg);
      for (const piece of pieces) {
        // Each piece is a message: deserialised, then unpacked, on its own turn as in the CLI.
        const out = unpack(deserialize(piece) as FileChunk);
        skipped += out.skipped;
        for (const ev of out.events) {
          if (!('raw' in ev)) {
            problems += 1;
            continue;
          }
          batch.push(ev);
          records += 1;
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        await Promise.resolve();
      }
    }
    if (batch.length > 0) yield batch;
  })();
  const sessions = new MemorySessionStore();
  const c = await replay({
    source,
    view: buildIndex(baseline),
    pipeline,
    dedupe: true,
    skipDuplicates: true,
    requireEventTime: true,
    sessions,
    emit: (a) => {
      hash.update(JSON.stringify(a));
    },
    onProblem: () => {
      problems += 1;
    },
  });
  const digest = hash.update(JSON.stringify(c)).digest('hex').slice(0, 16);
  const { puts, gets } = sessions.counts;
  process.stdout.write(
    `${records} records, ${skipped} skipped, ${problems} problems, digest ${digest}; sessions: ${puts} puts, ${gets} gets, ${sessions.size} held\n`,
  );
}
