// Replay against its references, on three corpus shapes: many small objects, few large ones, and the
// generated organisation. Every measured run is its own process under /usr/bin/time (wall seconds and
// peak RSS), and the runs of one corpus are interleaved round by round, so that load from elsewhere
// falls on all of them alike; figures are the min and median over rounds, ratios are of medians (and,
// beside them, the median of each round's own ratio).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ensureShape } from './replay-shapes.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);

/**
 * The environment of every measured run: without NODE_EXTRA_CA_CERTS, which some machines set (this
 * project's sandboxes do) and which makes every node process parse ~145 certificates before any script
 * runs (~60 ms). Every run here is a node process (DuckDB's too), so all lose the same constant.
 */
const { NODE_EXTRA_CA_CERTS: _certs, ...benchEnv } = process.env;

/** Runs a command under /usr/bin/time: wall seconds, CPU seconds (user + system, children included), peak RSS. */
function timed(cmd, argv, opts = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %U %S %M', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: benchEnv,
    ...opts,
  });
  const m = /__TIME__ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`timing failed for ${cmd} ${argv.join(' ')}: ${r.stderr?.slice(-500)}`);
  return {
    seconds: Number(m[1]),
    cpu: Number(m[2]) + Number(m[3]),
    rssMb: Number(m[4]) / 1024,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/**
 * @param ctx.cli the built CLI; ctx.out bench/out; ctx.genDir the generated organisation (its
 *   cloudtrail/ and baseline.yaml); ctx.pairs the rules' `source|name` pairs; ctx.quick fewer rounds and
 *   smaller shapes, no organisation; ctx.row, ctx.fmt, ctx.median, ctx.log from run.mjs.
 */
export async function benchReplay(ctx) {
  const { cli, out, genDir, pairs, quick, row, fmt, log } = ctx;
  const rounds = quick ? 1 : 5;
  const scale = quick ? 5 : 1;
  const source = ctx.shapeSource;
  const corpora = [
    { name: `${1200 / scale} objects × 250 records`, dir: ensureShape(out, source, 1200 / scale, 250, log) },
    { name: `${60 / scale} objects × 5,000 records`, dir: ensureShape(out, source, 60 / scale, 5000, log) },
    // --quick: the two shapes only.
    ...(quick ? [] : [{ name: `generated organisation (${path.basename(genDir)})`, dir: genDir }]),
  ];
  const pairsFile = path.join(out, 'pairs.json');
  writeFileSync(pairsFile, JSON.stringify(pairs));
  const jqNames = path.join(out, 'pairs-object.json');
  writeFileSync(jqNames, JSON.stringify(Object.fromEntries(pairs.map((p) => [p, true]))));
  for (const c of corpora) {
    log(`\n(a) replay on ${c.name}, ${rounds} interleaved round(s)`);
    const ct = path.join(c.dir, 'cloudtrail');
    const records = Number(
      spawnSync(process.execPath, [path.join(here, 'replay-floor.mjs'), ct], { encoding: 'utf8' }).stdout,
    );
    const runs = {
      floor: () => timed(process.execPath, [path.join(here, 'replay-floor.mjs'), ct]),
      duckdb1: () => timed(process.execPath, [path.join(here, 'replay-duckdb.mjs'), ct, '1', pairsFile]),
      duckdb2: () => timed(process.execPath, [path.join(here, 'replay-duckdb.mjs'), ct, '2', pairsFile]),
    };
    for (const w of [0, 1, 2]) {
      runs[`w${w}`] = () =>
        timed(
          process.execPath,
          [
            cli,
            'replay',
            ct,
            '--baseline',
            path.join(c.dir, 'baseline.yaml'),
            '--quiet',
            '--workers',
            String(w),
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
    }
    const got = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    const outputs = new Set();
    for (let r = 0; r < rounds; r++) {
      // A different order each round: no run always follows the same neighbour.
      const keys = Object.keys(runs);
      const order = keys.map((_, i) => keys[(i + r * 2) % keys.length]);
      for (const k of order) {
        const res = runs[k]();
        if (res.status !== 0) throw new Error(`${k} failed on ${c.name}: ${res.stderr.slice(-300)}`);
        got[k].push(res);
        if (k.startsWith('w')) outputs.add(res.stdout);
      }
    }
    const secs = (k) => got[k].map((x) => x.seconds);
    const med = (k) => ctx.median(secs(k));
    const rate = (k) => records / med(k);
    const cpu = (k) => ctx.median(got[k].map((x) => x.cpu));
    const spread = (k) =>
      `min ${fmt(Math.min(...secs(k)), 2)} s, median ${fmt(med(k), 2)} s, CPU ${fmt(cpu(k), 2)} s`;
    const rss = (k) => Math.max(...got[k].map((x) => x.rssMb));
    row(
      'a',
      `${c.name}: gunzip + JSON.parse floor (1 core)`,
      fmt(rate('floor')),
      'records/s',
      spread('floor'),
    );
    row('a', `${c.name}: DuckDB read_json, 1 thread`, fmt(rate('duckdb1')), 'records/s', spread('duckdb1'));
    row('a', `${c.name}: DuckDB read_json, 2 threads`, fmt(rate('duckdb2')), 'records/s', spread('duckdb2'));
    const ratio = (a, b) => rate(a) / rate(b);
    // The same ratio on CPU seconds: less disturbed by load from elsewhere, but blind to waiting (a
    // thread that idles costs no CPU) and to parallelism; for 1-thread runs it is the fairer figure.
    const cpuRatio = (a, b) => cpu(b) / cpu(a);
    // The ratio within each round (the two runs minutes apart at most), then its median: this host's speed
    // drifts by up to ±20% over minutes, which a ratio of medians taken from different rounds carries along.
    const paired = (a, b) => ctx.median(got[a].map((x, r) => got[b][r].seconds / x.seconds));
    row(
      'a',
      `${c.name}: replay --workers 0`,
      fmt(rate('w0')),
      'records/s',
      spread('w0'),
      `${ratio('w0', 'duckdb1').toFixed(2)}× DuckDB 1t (per round ${paired('w0', 'duckdb1').toFixed(2)}×, CPU ${cpuRatio('w0', 'duckdb1').toFixed(2)}×), ${ratio('w0', 'floor').toFixed(2)}× floor`,
      '≥ 1.5× DuckDB 1t',
      ratio('w0', 'duckdb1') >= 1.5 ? 'yes' : 'MISS',
    );
    row(
      'a',
      `${c.name}: replay --workers 1`,
      fmt(rate('w1')),
      'records/s',
      spread('w1'),
      `${ratio('w1', 'w0').toFixed(2)}× workers 0`,
    );
    row(
      'a',
      `${c.name}: replay --workers 2`,
      fmt(rate('w2')),
      'records/s',
      spread('w2'),
      `${ratio('w2', 'duckdb2').toFixed(2)}× DuckDB 2t (per round ${paired('w2', 'duckdb2').toFixed(2)}×, CPU ${cpuRatio('w2', 'duckdb2').toFixed(2)}×), ${ratio('w2', 'floor').toFixed(2)}× floor`,
      '≥ 1.5× DuckDB 2t',
      ratio('w2', 'duckdb2') >= 1.5 ? 'yes' : 'MISS',
    );
    row(
      'a',
      `${c.name}: 2 workers over 1 thread`,
      ratio('w2', 'w0').toFixed(2),
      '×',
      'replay --workers 0',
      `per round ${paired('w2', 'w0').toFixed(2)}×`,
      '≥ 1.8×',
      ratio('w2', 'w0') >= 1.8 ? 'yes' : 'MISS',
    );
    // What any number of workers could reach over one thread on this machine. `--workers 0` is not one
    // core's work: V8's compiler and GC threads run beside its main thread, so it already keeps `busy`
    // cores busy (its CPU over its wall time, per round). N workers on C cores take at least their CPU
    // over C seconds; as long as they need no less CPU than one thread (the row's note shows how much
    // more), the speed-up is at most C / busy.
    const busy = ctx.median(got.w0.map((x) => x.cpu / x.seconds));
    const cores = availableParallelism();
    row(
      'a',
      `${c.name}: bound of workers over 1 thread here`,
      (cores / busy).toFixed(2),
      '×',
      `${cores} cores / ${busy.toFixed(2)} busy with --workers 0`,
      `2 workers: ${((ratio('w2', 'w0') / (cores / busy)) * 100).toFixed(0)}% of it, at ${(cpu('w2') / cpu('w0')).toFixed(2)}× its CPU`,
    );
    const alerts = [...outputs][0]?.split('\n').filter(Boolean).length ?? 0;
    row(
      'a',
      `${c.name}: alerts (--workers 0, 1, 2)`,
      alerts,
      'alerts',
      '',
      outputs.size === 1 ? 'identical' : 'DIFFERENT',
      'identical',
      outputs.size === 1 ? 'yes' : 'MISS',
    );
    // jq once: it is an order of magnitude slower, a far reference. Object lookup of the pair, not a linear index.
    const jq = timed('bash', [
      '-c',
      `find '${ct}' -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c --slurpfile n '${jqNames}' '.Records[] | select($n[0][(.eventSource // "") + "|" + (.eventName // "")])' | wc -l`,
    ]);
    row(
      'a',
      `${c.name}: jq selection (1 run)`,
      fmt(records / jq.seconds),
      'records/s',
      `${fmt(jq.seconds, 2)} s`,
      `replay 2w = ${(rate('w2') / (records / jq.seconds)).toFixed(1)}× jq`,
    );
    for (const k of ['w0', 'w2', 'duckdb2']) {
      const ok = k.startsWith('w') ? (rss(k) <= 300 ? 'yes' : 'MISS') : '';
      row(
        'b',
        `${c.name}: peak RSS, ${k.startsWith('w') ? `replay --workers ${k.slice(1)}` : 'DuckDB 2 threads'}`,
        fmt(rss(k)),
        'MB',
        'max over rounds',
        '',
        k.startsWith('w') ? '≤ 300 MB' : '',
        ok,
      );
    }
  }
}
