// iamwatch benchmark suite: prints figures and ratios against references measured in the same run.
// Usage: npm run bench [-- --events 1000000] [--no-5m] [--quick] [--replay-only]
// Data: generated with `iamwatch generate` into bench/out/ (kept between runs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { bundleAndImport } from './bundle.mjs';
import { listGz } from './replay-shapes.mjs';

// Quiet the AWS SDK's Node version notice here and in the processes the bench starts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'bench/out');
mkdirSync(out, { recursive: true });
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const eventsArg = args.indexOf('--events');
const N = eventsArg >= 0 ? Number(args[eventsArg + 1]) : quick ? 100_000 : 1_000_000;
const BIG = quick || args.includes('--no-5m') ? 0 : 5_000_000;
/** Percent of records delivered before issue 12 (generate --seed 7 --attacks all): 9.06 at 1,000,000 records, 9.04 at 100,000. */
const INVOCATION_BASELINE_PCT = 9.06;
const cli = path.join(root, 'dist/iamwatch.mjs');
const rows = [];
const log = (s) => process.stderr.write(`${s}\n`);

function row(section, name, value, unit, ref = '', ratio = '', target = '', ok = '') {
  rows.push({ section, name, value, unit, ref, ratio, target, ok });
  log(`  ${name}: ${value} ${unit}${ratio ? ` (${ratio})` : ''}`);
}

function fmt(n, digits = 0) {
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ensureData(events) {
  const dir = path.join(out, `gen-${events}`);
  const marker = path.join(dir, '.bench-complete');
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${fmt(events)} records into ${path.relative(root, dir)} …`);
  execFileSync(
    process.execPath,
    [cli, 'generate', '--events', String(events), '--seed', '7', '--attacks', 'all', '--out', dir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  writeFileSync(marker, new Date().toISOString());
  return dir;
}

/** Runs a command under /usr/bin/time; returns wall seconds, CPU seconds (user + system) and peak RSS (MB). */
function timed(cmd, argv, opts = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...opts,
  });
  const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`timing failed for ${cmd} ${argv.join(' ')}: ${r.stderr?.slice(-500)}`);
  return {
    seconds: Number(m[1]),
    cpuSeconds: Number(m[3]) + Number(m[4]),
    rssMb: Number(m[2]) / 1024,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  log('building …');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const lib = await bundleAndImport(path.join(root, 'bench/lib.ts'), path.join(out, 'lib.mjs'));

  // (a) replay throughput against the gunzip + JSON.parse floor, DuckDB and jq; (b) its peak RSS.
  // Two corpus shapes (many small objects, few large ones) and the generated organisation: bench/replay-bench.mjs.
  const dir = ensureData(N);
  const files = listGz(dir);
  const baseline = path.join(dir, 'baseline.yaml');
  if (args.includes('--only-lineage')) {
    // Section (g) alone (npm run bench -- --quick --only-lineage).
    const { baseline: bl } = lib.parseBaseline(readFileSync(baseline, 'utf8'), baseline);
    await benchLineage(lib, files, bl, lib.buildIndex(bl));
    printTable();
    return;
  }
  if (spawnSync('jq', ['--version']).status !== 0) {
    log('installing jq from Debian packages …');
    spawnSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq jq'], { stdio: 'inherit' });
  }
  const { benchReplay } = await import('./replay-bench.mjs');
  await benchReplay({
    cli,
    out,
    genDir: dir,
    shapeSource: N >= 300_000 ? dir : ensureData(quick ? 100_000 : 1_000_000),
    pairs: pairsOf(lib),
    quick,
    row,
    fmt,
    median,
    log,
  });
  if (args.includes('--replay-only')) {
    printTable();
    return;
  }
  if (BIG) {
    const big = ensureData(BIG);
    const rb = timed(
      process.execPath,
      [
        cli,
        'replay',
        path.join(big, 'cloudtrail'),
        '--baseline',
        path.join(big, 'baseline.yaml'),
        '--quiet',
        '--workers',
        '2',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    row(
      'b',
      `replay peak RSS at ${fmt(BIG)} records (2 workers)`,
      fmt(rb.rssMb),
      'MB',
      `${fmt(BIG / rb.seconds)} records/s`,
      '',
      '≤ 300 MB',
      rb.rssMb <= 300 ? 'yes' : 'MISS',
    );
  }

  // (c) in-process detector cost per event, warm baseline cache
  log('\n(c) detect handler cost per event (in-process, warm baseline)');
  const { baseline: bl } = lib.parseBaseline(readFileSync(baseline, 'utf8'), baseline);
  const view = lib.buildIndex(bl);
  const detector = lib.createDetector({ baseline: async () => view });
  const pairs = new Set(pairsOf(lib));
  const relevant = [];
  for (const f of files.slice(0, 60)) {
    for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) {
      if (pairs.has(`${r.eventSource}|${r.eventName}`)) relevant.push(r);
    }
  }
  for (const r of relevant.slice(0, 500)) await detector.evaluate(r);
  const loops = Math.max(1, Math.ceil(50_000 / Math.max(1, relevant.length)));
  const tc = performance.now();
  let evaluated = 0;
  for (let i = 0; i < loops; i++)
    for (const r of relevant) {
      await detector.evaluate(r);
      evaluated++;
    }
  const perEventUs = ((performance.now() - tc) * 1000) / evaluated;
  row('c', 'detector.evaluate per delivered event', fmt(perEventUs, 1), 'µs', `${fmt(evaluated)} events`);

  // (c2) Lambda invocations: the fraction of the generated organisation's records that the deployed
  // EventBridge patterns deliver to the detect Lambda (issue 12: at most 1.5× the figure before it).
  log('\n(c2) Lambda invocations: records delivered by the EventBridge patterns');
  {
    const deployed = lib.deployedPatterns();
    let all = 0;
    let delivered = 0;
    for (const f of files) {
      for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) {
        all++;
        const env = {
          source: lib.eventBridgeSource(String(r.eventSource ?? '')),
          'detail-type':
            r.eventType === 'AwsConsoleSignIn' ? lib.SIGN_IN_DETAIL_TYPES[0] : 'AWS API Call via CloudTrail',
          detail: r,
        };
        if (deployed.some((d) => lib.matchesPattern(d.pattern, env))) delivered++;
      }
    }
    const pct = (delivered * 100) / Math.max(1, all);
    row(
      'c',
      'records delivered to the detect Lambda',
      fmt(pct, 2),
      '%',
      `${fmt(delivered)} of ${fmt(all)} records, ${deployed.length} rules`,
      '',
      `≤ ${fmt(INVOCATION_BASELINE_PCT * 1.5, 2)} % (1.5× v0.1)`,
      pct <= INVOCATION_BASELINE_PCT * 1.5 ? 'yes' : 'MISS',
    );
  }

  // (d) bundle sizes and cold import, measured on what `npm run package` (osls + serverless-esbuild) ships
  log('\n(d) Lambda bundles (osls package)');
  const pkgDir = path.join(out, 'package');
  rmSync(pkgDir, { recursive: true, force: true });
  const pk = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--package', pkgDir],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    },
  );
  if (pk.status !== 0) {
    row('d', 'osls package', 'FAILED', '', pk.stderr.slice(-200));
  } else {
    const empty = [];
    for (let i = 0; i < 7; i++) empty.push(coldStart(['--input-type=module', '-e', '']));
    const base = median(empty);
    for (const fn of ['detect', 'slack-notify', 'digest']) {
      const zip = path.join(pkgDir, `${fn}.zip`);
      if (!existsSync(zip)) continue;
      // Unpack beside node_modules so the runtime-provided AWS SDK resolves, as on Lambda.
      const dest = path.join(root, 'node_modules/.cache/iamwatch-bench', fn);
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(dest, { recursive: true });
      for (const e of lib.readZip(readFileSync(zip))) {
        mkdirSync(path.dirname(path.join(dest, e.name)), { recursive: true });
        writeFileSync(path.join(dest, e.name), e.read());
      }
      const code = [];
      const walk = (d) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (/\.m?js$/.test(e.name)) code.push(p);
        }
      };
      walk(dest);
      const kb = code.reduce((s, f) => s + statSync(f).size, 0) / 1024;
      const entry = path.join(dest, `functions/${fn}/handler.mjs`);
      const times = [];
      for (let i = 0; i < 7; i++)
        times.push(coldStart(['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`]));
      const over = median(times) - base;
      const isDetect = fn === 'detect';
      row(
        'd',
        `${fn} bundle, minified JS in the zip`,
        fmt(kb, 1),
        'KB',
        '',
        '',
        isDetect ? '≤ 400 KB' : '',
        isDetect ? (kb <= 400 ? 'yes' : 'MISS') : '',
      );
      row(
        'd',
        `${fn} cold import over empty node (${fmt(base, 0)} ms)`,
        fmt(over, 0),
        'ms',
        'median of 7',
        '',
        isDetect ? '≤ 100 ms' : '',
        isDetect ? (over <= 100 ? 'yes' : 'MISS') : '',
      );
    }
  }

  await (await import('./lambda.mjs')).benchLambda({ dataDir: dir, row, fmt, quick }); // (l) cold start, bill

  // (e) DynamoDB calls per 1,000 events, counted at the adapter (embedded store)
  log('\n(e) DynamoDB calls per 1,000 events');
  const storeDir = path.join(tmpdir(), `iamwatch-bench-store-${process.pid}`);
  const h = await lib.openStore({ dir: storeDir, cacheSeconds: 300 });
  try {
    await h.store.sync(bl, { prune: true, dryRun: false, sourceHash: 'bench', sourceName: 'bench' });
    const before = total(h.stats());
    const readsBefore = statsReads(h.stats());
    const det = lib.createDetector({ baseline: () => h.store.view(), observations: h.observations });
    const sample = relevant.slice(0, 20_000);
    let claims = 0;
    for (const r of sample) {
      const res = await det.evaluate(r);
      for (const a of res.alerts) {
        await h.dedupe.claim(a, 60);
        claims++;
      }
    }
    await h.observations.flush();
    const calls = total(h.stats()) - before;
    row(
      'e',
      'Lambda path: calls per 1,000 delivered events',
      fmt((calls * 1000) / sample.length, 1),
      'calls',
      `${fmt(sample.length)} events, ${claims} dedupe claims`,
    );
    // The view reads the whole baseline with a few paginated queries once per cache period.
    const reads = statsReads(h.stats()) - readsBefore;
    row(
      'e',
      'baseline reads in one cache period (all events)',
      fmt(reads),
      'reads',
      `${fmt(bl.identities.length)} identities`,
      `${(reads / Math.max(1, bl.identities.length)).toFixed(2)} per identity`,
      '≤ 1 per identity',
      reads <= bl.identities.length ? 'yes' : 'MISS',
    );
  } finally {
    await h.close();
    rmSync(storeDir, { recursive: true, force: true });
  }

  // (g) session lineage (issue 13): replay cost, DynamoDB calls per 1,000 STS events, lookup time
  await benchLineage(lib, files, bl, view);

  // (f) baseline store queries on 5,000 identities
  log('\n(f) store queries on 5,000 identities');
  const qDir = path.join(tmpdir(), `iamwatch-bench-q-${process.pid}`);
  const q = await lib.openStore({ dir: qDir });
  try {
    const big = lib.seedIdentities(5000);
    const ts = performance.now();
    await q.store.sync(big, { prune: true, dryRun: false, sourceHash: 'bench5k', sourceName: 'bench5k' });
    row('f', 'sync of 5,000 identities (embedded dynalite)', fmt((performance.now() - ts) / 1000, 1), 's');
    const some = big.identities[1234];
    const queries = [
      ['baseline show', () => q.queries.show(some.arn, {})],
      ['baseline who (repository)', () => q.queries.who(firstRepo(big) ?? 'example-org/app-1')],
      ['baseline seen --since 7d', () => q.queries.seen(some.arn, Date.now() - 7 * 86_400_000)],
      ['baseline stale', () => q.queries.stale({})],
    ];
    for (const [name, fn] of queries) {
      await fn();
      const t = performance.now();
      await fn();
      const ms = performance.now() - t;
      row('f', name, fmt(ms, 0), 'ms', '', '', '≤ 1,000 ms', ms <= 1000 ? 'yes' : 'MISS');
    }
  } finally {
    await q.close();
    rmSync(qDir, { recursive: true, force: true });
  }

  // Issue 15: replay s3:// against replay DIR, and the ingest handler's records per GB-second.
  log('S3 (s3rver) …');
  const { benchS3 } = await bundleAndImport(path.join(root, 'bench/s3.ts'), path.join(out, 's3.mjs'));
  await benchS3({ cli, dataDir: ensureData(quick ? 100_000 : 200_000), row, fmt });

  printTable();
}

async function benchLineage(lib, files, bl, view) {
  log('\n(g) session lineage');
  const pairs = new Set(pairsOf(lib));
  const records = [];
  // About 400 objects spread evenly over the archive (every account, region and day), not its first ones: the
  // first objects of the path order are one account's first hours, AWS-service sessions only.
  const step = Math.max(1, Math.floor(files.length / 400));
  for (const f of files.filter((_, i) => i % step === 0)) {
    for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) {
      if (pairs.has(`${r.eventSource}|${r.eventName}`)) records.push(r);
    }
  }
  // Replay A/B in one process on the same relevant records (what replay evaluates after its pre-filter):
  // alternating runs, median CPU time of 5 each.
  const runOnce = async (withSessions) => {
    async function* source() {
      for (let i = 0; i < records.length; i += 512)
        yield records.slice(i, i + 512).map((raw, j) => ({ raw, path: 'bench', line: i + j + 1 }));
    }
    const t = process.cpuUsage();
    await lib.replay({
      source: source(),
      view,
      pipeline: new lib.DetectionPipeline(),
      dedupe: true,
      skipDuplicates: true,
      ...(withSessions ? { sessions: new lib.MemorySessionStore() } : {}),
      emit: () => {},
      onProblem: () => {},
    });
    const u = process.cpuUsage(t);
    return (u.user + u.system) / 1000;
  };
  await runOnce(false);
  await runOnce(true);
  const off = [];
  const on = [];
  for (let i = 0; i < 5; i++) {
    // Interleaved, the order alternating, so a neighbour's load falls on both sides alike.
    for (const withSessions of i % 2 === 0 ? [false, true] : [true, false])
      (withSessions ? on : off).push(await runOnce(withSessions));
  }
  const rateOff = records.length / (median(off) / 1000);
  const rateOn = records.length / (median(on) / 1000);
  row(
    'g',
    'replay pipeline without lineage',
    fmt(rateOff),
    'records/s CPU',
    `${fmt(records.length)} relevant records`,
  );
  row(
    'g',
    'replay pipeline (evaluation only) with lineage',
    fmt(rateOn),
    'records/s CPU',
    'without lineage',
    `${((rateOn / rateOff) * 100).toFixed(1)} %`,
    '(worst case: no reading or parsing)',
    '',
  );

  // End to end: the CLI replay of the whole archive (1 core), lineage on and off. CPU time (user + system), not
  // wall time: the machine is shared, and a neighbour's load stretches wall time, not the work done. Runs
  // interleaved in pairs (the order alternating from pair to pair), median of each side.
  const e2e = { on: [], off: [], onWall: [], offWall: [] };
  const pairsRun = quick ? 5 : 7;
  for (let i = 0; i < pairsRun; i++) {
    for (const mode of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const r = timed(
        process.execPath,
        [cli, 'replay', dirOf(files), '--baseline', baselineOf(files), '--workers', '0', '--quiet'],
        {
          env: { ...process.env, IAMWATCH_LINEAGE: mode },
        },
      );
      if (r.status !== 0) throw new Error(`replay failed (${r.status}): ${r.stderr.slice(-500)}`);
      e2e[mode].push(r.cpuSeconds);
      e2e[`${mode}Wall`].push(r.seconds);
    }
  }
  const e2eRatio = median(e2e.off) / median(e2e.on);
  row(
    'g',
    'replay end to end with lineage (CLI, 1 core, CPU time)',
    fmt(median(e2e.on), 2),
    'CPU s',
    `without: ${fmt(median(e2e.off), 2)} CPU s; medians of ${pairsRun} interleaved pairs`,
    `${(e2eRatio * 100).toFixed(1)} % of the throughput`,
    '≥ 90 %',
    e2eRatio >= 0.9 ? 'yes' : 'MISS',
  );
  row(
    'g',
    'replay end to end with lineage (CLI, 1 core, wall time)',
    fmt(median(e2e.onWall), 2),
    's',
    `without: ${fmt(median(e2e.offWall), 2)} s`,
    `${((median(e2e.offWall) / median(e2e.onWall)) * 100).toFixed(1)} %`,
    '(shared machine: CPU time above is the measure)',
  );

  // DynamoDB calls per 1,000 STS events on the Lambda path (embedded store = the same adapter code).
  const sts = records.filter((r) => r.eventSource === 'sts.amazonaws.com').slice(0, 10_000);
  const issuing = sts.filter((r) => r.responseElements?.credentials?.accessKeyId).length;
  const storeDir = path.join(tmpdir(), `iamwatch-bench-sessions-${process.pid}`);
  const h = await lib.openStore({ dir: storeDir, cacheSeconds: 300 });
  try {
    await h.store.sync(bl, { prune: true, dryRun: false, sourceHash: 'bench', sourceName: 'bench' });
    const det = lib.createDetector({ baseline: () => h.store.view(), sessions: h.sessions });
    // Log writes (alerted calls, for `iamwatch trace` from the store) are PutItems too: counted apart.
    let logs = 0;
    const logAction = h.sessions.logAction.bind(h.sessions);
    h.sessions.logAction = async (a) => {
      logs += 1;
      return logAction(a);
    };
    await det.evaluate(sts[0]);
    const s0 = { ...h.stats() };
    const logs0 = logs;
    for (const r of sts) await det.evaluate(r);
    const s1 = h.stats();
    const d = (k) => (s1[k] ?? 0) - (s0[k] ?? 0);
    const per = (n) => fmt((n * 1000) / Math.max(1, sts.length), 1);
    const logWrites = logs - logs0;
    row(
      'g',
      'session writes (PutItem) per 1,000 STS events',
      per(d('PutItem') - logWrites),
      'writes',
      `${fmt(sts.length)} STS events, ${fmt(issuing)} issuing`,
      `${fmt(((d('PutItem') - logWrites) / Math.max(1, issuing)) * 100, 1)} % of issuing written`,
      '(the SESSIONARN# GSI key rides on the same PutItem: no extra call)',
    );
    // The write decision (shared/app/sessions.ts worthWriting): a session an AWS service obtained is written
    // only for a role with a baseline (its calls then show the service as their origin).
    const service = sts.filter(
      (r) => r.userIdentity?.type === 'AWSService' && r.responseElements?.credentials?.accessKeyId,
    );
    const serviceBaselined = service.filter((r) => view.lookup(r.requestParameters?.roleArn ?? null)).length;
    row(
      'g',
      'issuing events obtained by an AWS service, per 1,000 STS events',
      per(service.length),
      'events',
      `${fmt(serviceBaselined)} of ${fmt(service.length)} for baselined roles (written)`,
      `${fmt(service.length - serviceBaselined)} for unbaselined roles (not written)`,
    );
    row(
      'g',
      'session log writes (PutItem) per 1,000 STS events',
      per(logWrites),
      'writes',
      'calls of recorded sessions + alerted calls, for trace from the store',
    );
    row('g', 'index queries on the hot path', fmt(d('Query')), 'queries', 'trace reads only');
    row(
      'g',
      'session reads (GetItem) per 1,000 STS events',
      per(d('GetItem')),
      'reads',
      'one per hop walked',
    );
    row('g', 'alerted marks (UpdateItem) per 1,000 STS events', per(d('UpdateItem')), 'writes');
    // The same events judged with no baseline: sessions AWS services obtain for unbaselined roles are skipped.
    const bare = lib.buildIndex(lib.emptyBaseline());
    const counting = new lib.MemorySessionStore();
    const det1 = lib.createDetector({ baseline: async () => bare, sessions: counting });
    for (const r of sts) await det1.evaluate(r);
    const puts0 = counting.counts.puts;
    row(
      'g',
      'session writes per 1,000 STS events, no baseline',
      per(puts0),
      'writes',
      'service sessions of unbaselined roles skipped',
    );

    // What a per-call action log would cost the Lambda, per 1,000 delivered events (all relevant records of
    // the sample: what the EventBridge rules deliver): every selected IAM/STS/sign-in call made with a session
    // key written, against the alerted calls only (what the store keeps).
    const delivered = records.slice(0, 20_000);
    const mem2 = new lib.MemorySessionStore();
    const det2 = lib.createDetector({ baseline: async () => view, sessions: mem2 });
    let selected = 0;
    for (const r of delivered) {
      await det2.evaluate(r);
      if (
        /^ASIA/.test(r.userIdentity?.accessKeyId ?? '') &&
        ['iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com'].includes(r.eventSource)
      )
        selected += 1;
    }
    const perD = (n) => fmt((n * 1000) / Math.max(1, delivered.length), 1);
    const lambdaCalls = mem2.counts.puts + mem2.counts.gets + mem2.counts.logs;
    row(
      'g',
      'IAM/STS/sign-in calls with a session key per 1,000 delivered events',
      perD(selected),
      'calls',
      `${fmt(delivered.length)} delivered events`,
      '(upper bound of the per-call log)',
    );
    row(
      'g',
      'session log writes per 1,000 delivered events',
      perD(mem2.counts.logs),
      'writes',
      `session store calls in all: ${perD(lambdaCalls)} per 1,000`,
      `+${fmt((mem2.counts.logs / Math.max(1, lambdaCalls - mem2.counts.logs)) * 100, 1)} % calls`,
      'calls of recorded sessions + alerted calls',
    );

    // Lineage lookup time: a full walk from every issued key, DynamoDB (embedded, strong reads) and memory.
    const keys = sts
      .map((r) => r.responseElements?.credentials?.accessKeyId)
      .filter(Boolean)
      .slice(0, 500);
    const at = Date.parse(sts[sts.length - 1].eventTime);
    const t0 = performance.now();
    let hops = 0;
    for (const k of keys)
      hops += (await lib.resolveLineage(k, at, (x, a) => h.sessions.get(x, a))).chain.length;
    const ddbMs = (performance.now() - t0) / Math.max(1, keys.length);
    row(
      'g',
      'lineage lookup, DynamoDB adapter (embedded dynalite)',
      fmt(ddbMs, 2),
      'ms/walk',
      `${fmt(hops / Math.max(1, keys.length), 2)} hops on average`,
    );
    const mem = new lib.MemorySessionStore();
    for (const r of sts) {
      const n = lib.normaliseRecord(r);
      const rec = n.ok ? lib.sessionFromEvent(n.event) : null;
      if (rec) mem.put(rec);
    }
    const t1 = performance.now();
    for (let i = 0; i < 20; i++)
      for (const k of keys) await lib.resolveLineage(k, at, (x, a) => mem.get(x, a));
    row(
      'g',
      'lineage lookup, in-memory (replay)',
      fmt(((performance.now() - t1) * 1000) / (20 * Math.max(1, keys.length)), 2),
      'µs/walk',
    );
  } finally {
    await h.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/** The generated archive's cloudtrail/ directory and baseline, from its file list. */
function dirOf(files) {
  const f = files[0];
  return f.slice(0, f.indexOf('/cloudtrail/') + '/cloudtrail'.length);
}
function baselineOf(files) {
  const f = files[0];
  return path.join(f.slice(0, f.indexOf('/cloudtrail/')), 'baseline.yaml');
}

function firstRepo(b) {
  for (const i of b.identities)
    for (const o of i.oidc)
      for (const s of o.subjects) {
        const m = /^repo:([^:]+)/.exec(s);
        if (m) return m[1];
      }
  return null;
}

function pairsOf(lib) {
  return [...new lib.DetectionPipeline().engine.pairs()];
}

function total(stats) {
  return Object.entries(stats)
    .filter(([k]) => !/cache|hit|retr/i.test(k))
    .reduce((s, [, v]) => s + (typeof v === 'number' ? v : 0), 0);
}

function statsReads(stats) {
  return Object.entries(stats)
    .filter(([k]) => /get|query|scan/i.test(k))
    .reduce((s, [, v]) => s + v, 0);
}

function coldStart(argv) {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, argv, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function printTable() {
  const headers = ['', 'measure', 'figure', 'unit', 'reference', 'ratio', 'target', 'met'];
  const data = rows.map((r) => [r.section, r.name, String(r.value), r.unit, r.ref, r.ratio, r.target, r.ok]);
  const widths = headers.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `\niamwatch bench — node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  process.stdout.write(`${line(headers)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const d of data) process.stdout.write(`${line(d)}\n`);
}

await main();
