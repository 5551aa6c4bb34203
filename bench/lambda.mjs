// The detect Lambda as deployed (issue 14): cold start to the first event, and the all-in bill per 1M
// CloudTrail management events from counts measured on the generated organisation.
//
//   node bench/lambda.mjs [--events 1000000] [--quick] [--sample 12000] [--rounds 9] [--time-scale k]
//     [--package DIR (an osls package output to measure instead)]
//     [--variants DIR[@K=V;…],@K=V;…,… (more bundles, or the same bundle with another environment, to cold-start)]
//     [--cold-only (cold start only, no bill)]
//   A CPU profile of the first event: IAMWATCH_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' with --cold-only.
//   (or from bench/run.mjs, one call line)
//
// Everything runs the bundle `osls package --stage prod` ships, unpacked beside node_modules (so the
// AWS SDK resolves the way the nodejs22.x runtime provides it), in a fresh child node with the
// template's environment and AWS_ENDPOINT_URL_* on the deployed harness' role-checking proxy, which
// forwards DynamoDB to dynalite (the organisation's baseline synced into it) and answers SNS, SQS and
// EventBridge itself. Prices: us-east-1 list prices (PRICES below, each with its page).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { bundleAndImport } from './bundle.mjs';
import { listGz } from './replay-shapes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchOut = path.join(root, 'bench/out');
const log = (s) => process.stderr.write(`${s}\n`);

/**
 * us-east-1 list prices (USD), read 2026-12-01 from each service's pricing page. GuardDuty's is the
 * comparison: https://aws.amazon.com/guardduty/pricing/ "AWS CloudTrail management event analysis",
 * $4.00 per 1,000,000 events for the first 500 million a month (as transcribed from that page on
 * 2026-10-07 in api-evangelist/amazon-guardduty plans/amazon-guardduty-plans-pricing.yml; the same
 * figure in factualminds.com "Amazon GuardDuty Pricing", 2026-06-13).
 */
export const PRICES = {
  // https://aws.amazon.com/lambda/pricing/ (Arm)
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 reduction)
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  // https://aws.amazon.com/cloudwatch/pricing/ Logs, Standard ingestion; each log event counts 26 bytes more
  logsPerGb: 0.5,
  logEventOverheadBytes: 26,
  // https://aws.amazon.com/eventbridge/pricing/ custom and cross-account/cross-region events, per 64 KB chunk
  eventBridgeEvent: 1.0 / 1e6,
  // https://aws.amazon.com/sns/pricing/ (publish; delivery to Lambda and SQS is free)
  snsPublish: 0.5 / 1e6,
  // https://aws.amazon.com/sqs/pricing/ standard queue requests
  sqsRequest: 0.4 / 1e6,
  guardDutyManagementEvent: 4.0 / 1e6,
};

/**
 * Billed-duration model. This machine's CPU time per invocation, scaled by Lambda's CPU share (one vCPU
 * at 1,769 MB, proportionally less below), plus the network time of the calls made, at typical in-region
 * latencies (an assumption, not a measurement).
 */
const FULL_VCPU_MB = 1769;
const CALL_MS = { dynamodb: 5, sns: 15, eventbridge: 15, sqs: 10 };
/** Lambda's platform lines per invocation when the system log level lets them through (text format). */
const PLATFORM_LINES = [
  'START RequestId: 8f507cfc-0000-4697-b07a-000000000001 Version: $LATEST',
  'END RequestId: 8f507cfc-0000-4697-b07a-000000000001',
  'REPORT RequestId: 8f507cfc-0000-4697-b07a-000000000001\tDuration: 3.27 ms\tBilled Duration: 4 ms\tMemory Size: 512 MB\tMax Memory Used: 92 MB\t',
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function fmtDefault(n, digits = 0) {
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
const usd = (x) => `$${x < 0.01 ? x.toFixed(4) : x.toFixed(3)}`;

function run(cmd, argv, opts = {}) {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let outBytes = 0;
    let outLines = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      outBytes += c.length;
      for (const b of c) if (b === 10) outLines++;
      if (stdout.length < 200_000) stdout += c;
    });
    child.stderr.on('data', (c) => {
      if (stderr.length < 20_000) stderr += c;
    });
    child.on('close', (status) =>
      resolve({ status, ms: Number(process.hrtime.bigint() - t) / 1e6, outBytes, outLines, stdout, stderr }),
    );
  });
}

/** A pass-through in front of dynalite that counts response bytes per DynamoDB operation (for RRUs). */
async function countingPassThrough(target) {
  const bytes = {};
  const calls = [];
  const url = new URL(target);
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    const chunks = [];
    const started = performance.now();
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = httpRequest(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          const out = [];
          r.on('data', (c) => out.push(c));
          r.on('end', () => {
            const b = Buffer.concat(out);
            bytes[op] = (bytes[op] ?? 0) + b.length;
            calls.push({ op, bytes: b.length, ms: performance.now() - started });
            res.writeHead(r.statusCode ?? 500, r.headers);
            res.end(b);
          });
        },
      );
      up.on('error', () => {
        res.writeHead(500);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** Packages the stack (prod stage) and unpacks detect's zip under bench/out/lambda-run/detect. */
function packageDetect() {
  const pkgDir = path.join(benchOut, 'lambda-package');
  rmSync(pkgDir, { recursive: true, force: true });
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[k];
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'prod',
        '--package',
        pkgDir,
      ],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.stdout.on('data', (d) => {
      err += d;
    });
    c.on('close', (status) =>
      status === 0 ? resolve(pkgDir) : reject(new Error(`osls package: ${err.slice(-800)}`)),
    );
  });
}

/** Runs the bench; `row(section, name, value, unit, ref, ratio, target, ok)` prints one figure. */
export async function benchLambda(opts = {}) {
  const quick = opts.quick ?? false;
  const fmt = opts.fmt ?? fmtDefault;
  const row =
    opts.row ??
    ((_section, name, value, unit, ref = '', ratio = '', target = '', ok = '') =>
      log(
        `  ${name}: ${value} ${unit}${ref ? ` [${ref}]` : ''}${ratio ? ` (${ratio})` : ''}${target ? ` target ${target} ${ok}` : ''}`,
      ));
  const dataDir = opts.dataDir ?? path.join(benchOut, `gen-${quick ? 200_000 : 1_000_000}`);
  const sampleSize = opts.sample ?? (quick ? 3000 : 12_000);
  const rounds = opts.rounds ?? (quick ? 5 : 9);
  mkdirSync(benchOut, { recursive: true });
  log(`\n(l) detect Lambda as packaged: cold start to first event, bill per 1M management events`);

  const w = await bundleAndImport(
    path.join(root, 'bench/lambda-world.ts'),
    path.join(benchOut, 'lambda-world.mjs'),
  );

  const pkgDir = opts.packageDir ?? (await packageDetect());
  const templateFile = path.join(pkgDir, 'cloudformation-template-update-stack.json');
  const template = JSON.parse(readFileSync(templateFile, 'utf8'));
  const stack = w.loadStack(templateFile);
  const fn = stack.functions.detect;
  const fnProps = template.Resources[fn.logicalId].Properties;
  const logging = fnProps.LoggingConfig ?? {};
  const runDir = path.join(benchOut, `lambda-run-${process.pid}`, 'detect');
  rmSync(runDir, { recursive: true, force: true });
  let codeBytes = 0;
  for (const e of w.readZip(readFileSync(path.join(pkgDir, 'detect.zip')))) {
    const p = path.join(runDir, e.name);
    mkdirSync(path.dirname(p), { recursive: true });
    const data = e.read();
    writeFileSync(p, data);
    if (/\.m?js$/.test(e.name)) codeBytes += data.length;
  }
  const handlerFile = path.join(runDir, `${fn.handler.replace(/\.[^.]+$/, '')}.mjs`);
  row(
    'l',
    'detect bundle, JS in the zip',
    fmt(codeBytes / 1024, 1),
    'KB',
    '',
    '',
    '≤ 400 KB',
    codeBytes <= 400 * 1024 ? 'yes' : 'MISS',
  );

  // The organisation: every record, those the deployed patterns deliver, in event-time order.
  const patterns = w.deployedPatterns();
  let all = 0;
  const delivered = [];
  for (const f of listGz(path.join(dataDir, 'cloudtrail'))) {
    for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) {
      all++;
      const env = {
        source: w.eventBridgeSource(String(r.eventSource ?? '')),
        'detail-type':
          r.eventType === 'AwsConsoleSignIn' ? w.SIGN_IN_DETAIL_TYPES[0] : 'AWS API Call via CloudTrail',
        detail: r,
      };
      if (patterns.some((d) => d.pattern && w.matchesPattern(d.pattern, env))) delivered.push(r);
    }
  }
  delivered.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
  const fraction = delivered.length / Math.max(1, all);
  const crossRegion =
    delivered.filter((r) => (r.awsRegion ?? 'us-east-1') !== 'us-east-1').length /
    Math.max(1, delivered.length);
  row(
    'l',
    'management events delivered to detect',
    fmt(fraction * 100, 2),
    '%',
    `${fmt(delivered.length)} of ${fmt(all)}`,
  );

  // The world: dynalite with the table and the organisation's baseline, a byte counter, the role-checking proxy.
  const store = await w.startEmbeddedStore();
  const counter = await countingPassThrough(store.endpoint);
  const tableName = Object.values(stack.resources).find((r) => r.Type === 'AWS::DynamoDB::Table').Properties
    .TableName;
  const ddb = new w.DynamoDBClient({
    region: 'us-east-1',
    endpoint: store.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await w.ensureTable(ddb, tableName);
  const baselineFile = path.join(dataDir, 'baseline.yaml');
  const { baseline } = w.parseBaseline(readFileSync(baselineFile, 'utf8'), baselineFile);
  const h = w.createStoreHandle(ddb, tableName);
  await h.store.sync(baseline, { prune: true, dryRun: false, sourceHash: 'bench', sourceName: 'bench' });
  const proxy = await w.startAwsProxy({ statements: fn.statements, dynamodb: counter.url });
  const sqsHost = 'https://sqs.us-east-1.amazonaws.com';
  const childEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // What Lambda sets under advanced logging controls.
    ...(logging.LogFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    ...(logging.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: logging.ApplicationLogLevel } : {}),
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    AWS_ENDPOINT_URL_SNS: proxy.url,
    AWS_ENDPOINT_URL_SQS: proxy.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: proxy.url,
    ...Object.fromEntries(
      Object.entries(fn.env).map(([k, v]) => [k, v.replace(sqsHost, proxy.url.replace(/\/$/, ''))]),
    ),
    ...(opts.timeScale ? { IAMWATCH_BENCH_TIME_SCALE: String(opts.timeScale) } : {}),
    ...(opts.env ?? {}),
  };
  const tmp = path.join(benchOut, `lambda-run-${process.pid}`, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const child = path.join(root, 'bench/lambda-child.mjs');
  const nodeArgs = [
    `--max-old-space-size=${fn.memoryMb}`,
    ...(process.env.IAMWATCH_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const spawnChild = (mode, events, tag, file = handlerFile, env = {}) => {
    const ev = path.join(tmp, `${tag}.events.json`);
    writeFileSync(ev, JSON.stringify(events));
    return run(process.execPath, [...nodeArgs, child, mode, file, ev, path.join(tmp, `${tag}.result.json`)], {
      cwd: path.dirname(path.dirname(path.dirname(file))),
      env: { ...childEnv, ...env },
    });
  };

  const measureBill = async (events, tag) => {
    const callsBefore = proxy.calls.length;
    const dynBefore = counter.calls.length;
    const r = await spawnChild('bill', events, tag);
    if (r.status !== 0) throw new Error(`bill run failed: ${r.stderr.slice(-800)}`);
    if (process.env.IAMWATCH_BENCH_SHOW_OUTPUT)
      log(`${tag} stdout:\n${r.stdout.slice(0, 3000)}\nstderr:\n${r.stderr.slice(0, 2000)}`);
    const { results, maxRssMb } = JSON.parse(readFileSync(path.join(tmp, `${tag}.result.json`), 'utf8'));
    const calls = proxy.calls.slice(callsBefore);
    const dyn = counter.calls.slice(dynBefore);
    const n = results.length;
    const byAction = {};
    for (const c of calls) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
    const count = (re) =>
      Object.entries(byAction)
        .filter(([k]) => re.test(k))
        .reduce((s, [, v]) => s + v, 0);
    const dynamoCalls = count(/^dynamodb:/);
    const sns = count(/^sns:Publish$/);
    const sqs = count(/^sqs:SendMessage/);
    const cpuMs = results.map((x) => x[0]);
    const netMsPer =
      (dynamoCalls * CALL_MS.dynamodb +
        sns * CALL_MS.sns +
        count(/^events:/) * CALL_MS.eventbridge +
        sqs * CALL_MS.sqs) /
      n;
    return {
      n,
      cpuMs,
      maxRssMb,
      dynamoCalls,
      dynamoByOp: JSON.stringify(
        Object.fromEntries(
          Object.entries(byAction)
            .filter(([k]) => k.startsWith('dynamodb:'))
            .map(([k, v]) => [k.slice(9), v]),
        ),
      ),
      dynamoWrites: count(/^dynamodb:(UpdateItem|PutItem|DeleteItem)$/),
      dynamoRru: dyn
        .filter((c) => /^(GetItem|Query|Scan|BatchGetItem)$/.test(c.op))
        .reduce((s, c) => s + Math.max(1, Math.ceil(c.bytes / 4096)), 0),
      sns,
      sqs,
      bus: calls
        .filter((c) => c.action === 'events:PutEvents')
        .reduce((s, c) => s + (c.body.Entries?.length ?? 1), 0),
      lines: r.outLines,
      appBytesPer: (r.outBytes + r.outLines * PRICES.logEventOverheadBytes) / n,
      platformBytes:
        (logging.SystemLogLevel ?? 'INFO') === 'WARN'
          ? 0
          : PLATFORM_LINES.reduce((s, l) => s + l.length + 1 + PRICES.logEventOverheadBytes, 0),
      billedMs: (mem) =>
        cpuMs.reduce(
          (s, c) => s + Math.max(1, Math.ceil(c * Math.max(1, FULL_VCPU_MB / mem) + netMsPer)),
          0,
        ) / n,
    };
  };

  try {
    // Cold start: empty node against a fresh container through its first event, interleaved rounds.
    // A benign delivered event (the common first event: baseline read, observation write), and an alert
    // (SNS, the bus and the dedupe claim as well), with a fresh event id each round.
    const benign = w.envelope(delivered[0]);
    const attack =
      delivered.find((r) => /CreateAccessKey|StopLogging|PutBucketPolicy/.test(r.eventName)) ?? delivered[1];
    const empty = [];
    const coldBenign = [];
    const coldAlert = [];
    const variants = (opts.variants ?? []).map((v) => ({ ...v, ms: [], parts: [] }));
    const benignParts = [];
    // CPU time (user + system) of each child, node's start included: less at the mercy of a shared machine
    // than wall time.
    const cpu = { empty: [], benign: [], alert: [] };
    const cpuOf = (tag) => JSON.parse(readFileSync(path.join(tmp, `${tag}.result.json`), 'utf8')).cpuMs;
    for (let i = 0; i < rounds; i++) {
      empty.push((await spawnChild('empty', [], 'empty')).ms);
      cpu.empty.push(cpuOf('empty'));
      for (const v of variants) {
        const r = await spawnChild('cold', [benign], 'variant', v.handler ?? handlerFile, v.env);
        if (r.status !== 0) throw new Error(`cold start of ${v.name} failed: ${r.stderr.slice(-800)}`);
        v.ms.push(r.ms);
        v.parts.push(JSON.parse(readFileSync(path.join(tmp, 'variant.result.json'), 'utf8')));
      }
      const b = await spawnChild('cold', [benign], 'cold');
      if (b.status !== 0) throw new Error(`cold start failed: ${b.stderr.slice(-800)}`);
      coldBenign.push(b.ms);
      cpu.benign.push(cpuOf('cold'));
      benignParts.push({
        ...JSON.parse(readFileSync(path.join(tmp, 'cold.result.json'), 'utf8')),
        dynamo: counter.calls.splice(0).map((c) => `${c.op} ${Math.round(c.ms)}ms ${c.bytes}B`),
      });
      const fresh = { ...attack, eventID: `bench-cold-${process.pid}-${i}` };
      const a = await spawnChild('cold', [w.envelope(fresh)], 'cold-alert');
      if (a.status !== 0) throw new Error(`cold start failed: ${a.stderr.slice(-800)}`);
      coldAlert.push(a.ms);
      cpu.alert.push(cpuOf('cold-alert'));
    }
    const base = median(empty);
    const cpuBase = median(cpu.empty);
    const overB = median(coldBenign) - base;
    const overA = median(coldAlert) - base;
    row(
      'l',
      `empty node, start to exit`,
      fmt(base, 0),
      'ms',
      `median of ${rounds}, min ${fmt(Math.min(...empty), 0)}`,
    );
    row(
      'l',
      'detect cold start through its first event, over empty node',
      fmt(overB, 0),
      'ms',
      `median of ${rounds} interleaved; min ${fmt(Math.min(...coldBenign) - base, 0)}`,
      'benign event: baseline read + observation write',
      '≤ 150 ms',
      overB <= 150 ? 'yes' : 'MISS',
    );
    const split = (parts) =>
      `node boot ${fmt(median(parts.map((p) => p.bootMs)), 0)} ms, import ${fmt(median(parts.map((p) => p.importMs)), 0)} ms, first invocation ${fmt(median(parts.map((p) => p.invokeMs)), 0)} ms`;
    row('l', '  of which (in the child)', split(benignParts), '', benignParts.at(-1).dynamo.join(', '));
    for (const v of variants)
      row(
        'l',
        `  variant ${v.name}: cold start through its first event`,
        fmt(median(v.ms) - base, 0),
        'ms',
        `median of ${rounds}; min ${fmt(Math.min(...v.ms) - base, 0)}`,
        `${split(v.parts)}; CPU over empty node ${fmt(median(v.parts.map((p) => p.cpuMs)) - cpuBase, 0)} ms (min ${fmt(Math.min(...v.parts.map((p) => p.cpuMs)) - cpuBase, 0)})`,
      );
    row(
      'l',
      'detect cold start through a first event that alerts',
      fmt(overA, 0),
      'ms',
      `median of ${rounds}`,
      'SNS + bus + dedupe too',
    );
    row(
      'l',
      'CPU of the cold start through its first event, over empty node (user + sys)',
      fmt(median(cpu.benign) - cpuBase, 0),
      'ms',
      `median of ${rounds}; min ${fmt(Math.min(...cpu.benign) - cpuBase, 0)}`,
      `empty node ${fmt(cpuBase, 0)} ms; alerting first event ${fmt(median(cpu.alert) - cpuBase, 0)} ms over it`,
    );
    const cpuMedians = {
      coldCpuMs: median(cpu.benign) - cpuBase,
      coldAlertCpuMs: median(cpu.alert) - cpuBase,
    };

    if (opts.coldOnly)
      return { coldMs: overB, coldAlertMs: overA, emptyMs: base, codeKb: codeBytes / 1024, ...cpuMedians };

    // The bill: one warm container over a contiguous slice of the delivered events, in event time; then
    // the same events through an SQS queue with a batching window (batches of up to 10).
    const slice = delivered.slice(0, sampleSize).map((r) => w.envelope(r));
    const spanH =
      (Date.parse(slice.at(-1).time) - Date.parse(slice[0].time)) / 3_600_000 / (opts.timeScale ?? 1);
    row(
      'l',
      'bill sample',
      fmt(slice.length),
      'events',
      `one warm container, ${fmt(spanH, 1)} h of event time`,
      `${fmt(slice.length / Math.max(1e-9, spanH) / 3600, 3)} delivered events/s`,
    );
    const inv = fraction * 1e6;
    const single = await measureBill(slice, 'single');
    const sqsWindowS = opts.sqsWindowSeconds ?? 20;
    const batches = [];
    for (const e of slice) {
      const b = batches.at(-1);
      const gapMs = (Date.parse(e.time) - Date.parse(b?.[0].time ?? e.time)) / (opts.timeScale ?? 1);
      if (b && b.length < 10 && gapMs <= sqsWindowS * 1000) b.push(e);
      else batches.push([e]);
    }
    const batched = await measureBill(
      batches.map((b) => ({ Records: b.map((e, i) => ({ messageId: `m${i}`, body: JSON.stringify(e) })) })),
      'sqs',
    );
    const bill = (m, viaSqs) => {
      const perEvent = (x) => (inv * x) / slice.length;
      const mem = fn.memoryMb;
      const items = [
        ['Lambda requests', perEvent(m.n) * PRICES.lambdaRequest],
        [
          `Lambda GB-seconds (${mem} MB arm64, ~${fmt(m.billedMs(mem), 1)} ms billed per invocation)`,
          perEvent(m.n) * (m.billedMs(mem) / 1000) * (mem / 1024) * PRICES.lambdaGbSecondArm,
        ],
        ['DynamoDB writes', perEvent(m.dynamoWrites) * PRICES.dynamoWru],
        ['DynamoDB reads', perEvent(m.dynamoRru) * PRICES.dynamoRru],
        [
          'CloudWatch Logs ingestion',
          (perEvent(m.n) * (m.appBytesPer + m.platformBytes) * PRICES.logsPerGb) / 2 ** 30,
        ],
        [
          `EventBridge cross-account forwarding (${fmt(crossRegion * 100, 1)} % cross-region too)`,
          inv * (1 + crossRegion) * PRICES.eventBridgeEvent,
        ],
        ['EventBridge alerts bus', perEvent(m.bus) * PRICES.eventBridgeEvent],
        ['SNS publishes', perEvent(m.sns) * PRICES.snsPublish],
        ['SQS dead letters', perEvent(m.sqs) * PRICES.sqsRequest],
      ];
      // EventBridge's SendMessage per event, the poller's ReceiveMessage and DeleteMessageBatch per batch.
      if (viaSqs) items.push(['SQS delivery queue', (inv + 2 * perEvent(m.n)) * PRICES.sqsRequest]);
      return { items, total: items.reduce((s, [, v]) => s + v, 0) };
    };
    const report = (label, m, viaSqs) => {
      const b = bill(m, viaSqs);
      row(
        'l',
        `${label}: invocations in the sample`,
        fmt(m.n),
        '',
        `CPU per invocation median ${fmt(median(m.cpuMs), 2)} ms (this machine)`,
        `peak RSS ${fmt(m.maxRssMb, 0)} MB`,
      );
      row(
        'l',
        `${label}: DynamoDB calls per 1,000 events`,
        fmt((m.dynamoCalls * 1000) / slice.length, 1),
        'calls',
        m.dynamoByOp,
      );
      row(
        'l',
        `${label}: log bytes per invocation`,
        fmt(m.appBytesPer + m.platformBytes, 0),
        'B',
        `application ${fmt(m.appBytesPer, 0)} B in ${fmt(m.lines / m.n, 2)} lines`,
        `platform ${m.platformBytes} B`,
      );
      for (const [name, v] of b.items) row('l', `${label}: per 1M management events: ${name}`, usd(v), 'USD');
      row(
        'l',
        `${label}: per 1M management events, all in`,
        usd(b.total),
        'USD',
        `GuardDuty ${usd(PRICES.guardDutyManagementEvent * 1e6)}`,
        `${fmt((b.total / (PRICES.guardDutyManagementEvent * 1e6)) * 100, 1)} % of GuardDuty`,
      );
      return b;
    };
    const b1 = report('direct', single, false);
    const b2 = report(`SQS, ${sqsWindowS} s window`, batched, true);
    row(
      'l',
      'SQS batching',
      b2.total < b1.total ? 'cheaper' : 'dearer',
      '',
      `${fmt(slice.length / batched.n, 2)} events per batch`,
      `${usd(b2.total - b1.total)} per 1M`,
      `latency + up to ${sqsWindowS} s`,
    );
    for (const m of [128, 256, 512, 1024]) {
      const gbs =
        (inv * single.n * (single.billedMs(m) / 1000) * (m / 1024) * PRICES.lambdaGbSecondArm) / slice.length;
      row(
        'l',
        `  GB-seconds at ${m} MB (model)`,
        usd(gbs),
        'USD',
        `~${fmt(single.billedMs(m), 1)} ms billed per invocation`,
      );
    }
    const totalUsd = b1.total;
    const items = b1.items;
    return {
      totalUsd,
      items,
      coldMs: overB,
      coldAlertMs: overA,
      emptyMs: base,
      codeKb: codeBytes / 1024,
      ...cpuMedians,
    };
  } finally {
    await proxy.close();
    await counter.close();
    ddb.destroy();
    await store.close();
    rmSync(path.dirname(runDir), { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const args = process.argv.slice(2);
  const val = (k) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const events = val('--events');
  await benchLambda({
    quick: args.includes('--quick'),
    coldOnly: args.includes('--cold-only'),
    ...(events ? { dataDir: path.join(benchOut, `gen-${events}`) } : {}),
    ...(val('--sample') ? { sample: Number(val('--sample')) } : {}),
    ...(val('--rounds') ? { rounds: Number(val('--rounds')) } : {}),
    ...(val('--env')
      ? {
          env: Object.fromEntries(
            val('--env')
              .split(',')
              .map((kv) => kv.split('=')),
          ),
        }
      : {}),
    ...(val('--time-scale') ? { timeScale: Number(val('--time-scale')) } : {}),
    ...(val('--package') ? { packageDir: path.resolve(val('--package')) } : {}),
    ...(val('--variants')
      ? {
          // DIR (an unpacked detect zip), DIR@K=V;K=V (with that environment too), or @K=V;K=V (the bundle
          // under test with that environment: e.g. @NODE_OPTIONS= to compare without the template's).
          variants: val('--variants')
            .split(',')
            .map((spec) => {
              const [d, kv] = spec.split('@');
              const env =
                kv === undefined
                  ? {}
                  : Object.fromEntries(
                      kv.split(';').map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]),
                    );
              return {
                name: d ? `${path.basename(d)}${kv !== undefined ? `@${kv}` : ''}` : `@${kv}`,
                ...(d ? { handler: path.resolve(d, 'functions/detect/handler.mjs') } : {}),
                env,
              };
            }),
        }
      : {}),
  });
}
