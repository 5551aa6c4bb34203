/**
 * The replay loop alone (normalise, duplicate check, rules, lineage, aggregation) over the records that pass
 * the reader's relevance pre-filter: they are read once, held in memory, then replayed `runs` times; each
 * run's main-thread CPU time (Linux schedstat; the process's user + system beside it) is printed, then the median per record.
 * This is the serial part that bounds `replay --workers N` (issue 14). CPU time, not wall: the bench
 * machine is shared.
 *
 *   node bench/replay-loop.mjs <corpus-dir> [runs]     (corpus-dir holds cloudtrail/ and baseline.yaml)
 *
 * With `IAMWATCH_BENCH_RECORDS=<file>`, the records are read from that file (one JSON record a line, as
 * written with `IAMWATCH_BENCH_DUMP=<file>`) instead of the corpus: a short start for valgrind.
 *
 * Prints a digest of the alerts and counters of every run, so that two builds can be compared.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { readBaselineFile } from '../shared/adapters/baseline-file.js';
import { emptyStats, readCloudTrail } from '../shared/adapters/cloudtrail-files/read.js';
import { MemorySessionStore } from '../shared/adapters/memory-sessions.js';
import { DetectionPipeline } from '../shared/app/detect.js';
import { needlesFor } from '../shared/app/ingest.js';
import { type RawItem, replay } from '../shared/app/replay.js';
import { buildIndex } from '../shared/core/baseline/in-memory-view.js';

export async function main(dir: string, runs: number): Promise<void> {
  const loaded = await readBaselineFile(path.join(dir, 'baseline.yaml'), { name: 'baseline.yaml' });
  if (!loaded.baseline) throw new Error('baseline.yaml did not validate');
  const baseline = loaded.baseline;
  const pipeline = new DetectionPipeline();
  const items: RawItem[] = [];
  const stats = emptyStats();
  const from = process.env.IAMWATCH_BENCH_RECORDS;
  if (from) {
    const lines = readFileSync(from, 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (l !== '') items.push({ raw: JSON.parse(l), path: from, line: i + 1 });
    });
  } else {
    for await (const batch of readCloudTrail([path.join(dir, 'cloudtrail')], {
      onProblem: () => {},
      stats,
      relevantPairs: pipeline.engine.pairs(),
      needles: needlesFor(baseline.identities),
    }))
      for (const r of batch) items.push(r);
  }
  const dump = process.env.IAMWATCH_BENCH_DUMP;
  if (dump) writeFileSync(dump, items.map((r) => `${JSON.stringify(r.raw)}\n`).join(''));
  process.stdout.write(
    `${items.length} records reach the pipeline (of ${stats.records + stats.skippedIrrelevant})\n`,
  );
  const batches: RawItem[][] = [];
  for (let i = 0; i < items.length; i += 512) batches.push(items.slice(i, i + 512));
  const perRecord: number[] = [];
  // Garbage collection pauses (wall ms, main thread) during each run.
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  for (let run = 0; run < runs; run++) {
    const view = buildIndex(baseline);
    const hash = createHash('sha256');
    let problems = 0;
    const source = (async function* () {
      yield* batches;
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    gcMs = 0;
    const before = process.cpuUsage();
    const threadBefore = mainThreadNs();
    // Main-thread CPU of each stretch of 4,096 records: how long the JIT takes to settle, which records cost.
    const stretches: number[] = [];
    let mark = threadBefore;
    let batchNo = 0;
    const c = await replay({
      source,
      view,
      pipeline: new DetectionPipeline(),
      dedupe: true,
      skipDuplicates: true,
      requireEventTime: true,
      sessions: new MemorySessionStore(),
      emit: (a) => {
        hash.update(JSON.stringify(a));
      },
      onProblem: () => {
        problems += 1;
      },
      onBatch: () => {
        batchNo += 1;
        if (batchNo % 8 !== 0) return;
        const now = mainThreadNs();
        stretches.push((now - mark) / 1000 / (8 * 512));
        mark = now;
      },
    });
    const mainUs = (mainThreadNs() - threadBefore) / 1000;
    // The observer hears of the pauses on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const runGcMs = gcMs;
    const used = process.cpuUsage(before);
    const us = used.user + used.system;
    perRecord.push(mainUs / items.length);
    process.stdout.write(
      `run ${run + 1}, µs/record by stretch of 4,096: ${stretches.map((x) => x.toFixed(1)).join(' ')}\n`,
    );
    const digest = hash.update(JSON.stringify(c)).digest('hex').slice(0, 16);
    process.stdout.write(
      `run ${run + 1}: ${(us / 1000).toFixed(0)} ms CPU (process), main thread ${(mainUs / items.length).toFixed(2)} µs/record (GC ${((runGcMs * 1000) / items.length).toFixed(2)}), ${c.alerts} alerts, ${problems} problems, digest ${digest}\n`,
    );
  }
  const sorted = [...perRecord].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  gc.disconnect();
  process.stdout.write(`median ${median.toFixed(2)} µs/record (main thread) over ${runs} runs\n`);
}

/** CPU time of the main thread so far, in ns (Linux schedstat: JIT and GC helper threads not counted). */
function mainThreadNs(): number {
  const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
  return Number(text.split(' ')[0]);
}
