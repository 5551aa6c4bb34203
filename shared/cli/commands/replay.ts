import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ReadStats, TrailFilter } from '../../adapters/cloudtrail-files/read.js';
import { walkInputs } from '../../adapters/cloudtrail-files/walk.js';
import { MemorySessionStore } from '../../adapters/memory-sessions.js';
import { DetectionPipeline } from '../../app/detect.js';
import { type ReplayCounters, replay } from '../../app/replay.js';
import type { Alert } from '../../core/alert/alert.js';
import { DEFAULT_TABLE_WIDTH, renderAlertTable } from '../../core/alert/render-table.js';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../../core/severity.js';
import { loadValidBaseline } from '../baseline-input.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { safeText } from '../text.js';
import {
  checkS3Inputs,
  type FilterOpts,
  type ListedTotals,
  readInputs,
  resolveInputs,
  type S3Opts,
  trailFilter,
  withFilterOptions,
} from './replay-inputs.js';
import { type AlertOutput, openBaselineSource, openSinks } from './replay-wiring.js';

interface ReplayOpts extends FilterOpts, S3Opts {
  baseline?: string;
  table?: string;
  endpoint?: string;
  storeDir?: string;
  format: string;
  minSeverity: string;
  failOn?: string;
  dedupe: boolean;
  slackWebhook?: string;
  snsTopic?: string;
  eventBus?: string;
  quiet?: boolean;
  workers?: string;
  maxProblems: string;
}

const MAX_PRINTED_PROBLEMS_DEFAULT = 50;
/** Without --workers, inputs of this many files or more are read by {@link defaultWorkers} worker threads. */
const DEFAULT_WORKERS_FROM = 8;

/**
 * Worker threads for 8+ files without --workers: 2, but never more than the cores the main thread leaves
 * (it parses and judges the kept records, and V8's compiler and GC threads run beside it). On 2 cores one
 * worker replays as fast as two (wall -14% to +3% on the bench's three corpora, four interleaved runs) with
 * ~7% less CPU and 18-36 MB less peak RSS: each worker costs ~65 ms of CPU to start (Node's worker
 * bootstrap), and three busy threads share two cores. On one core a worker only adds its start-up.
 */
export function defaultWorkers(cores: number): number {
  return Math.max(0, Math.min(2, cores - 1));
}

export function register(program: Command, ctx: CliContext): void {
  withFilterOptions(
    program
      .command('replay')
      .description(
        'Replay CloudTrail files (S3 objects, JSON, JSON lines, EventBridge envelopes; gzip or not) through the detection rules',
      )
      .argument('<paths...>', 'files or directories (walked recursively), s3://BUCKET/PREFIX; - for stdin')
      .option('--baseline <file>', 'evaluate against this baseline file (the store is not touched)')
      .option(
        '--table <name>',
        'DynamoDB table holding the baseline (default: $IAMWATCH_TABLE, else the embedded store)',
      )
      .option('--endpoint <url>', 'DynamoDB endpoint (DynamoDB Local, tests)')
      .option('--aws-region <region>', 'AWS region of the table, the sinks and the S3 client')
      .option('--store-dir <dir>', 'directory of the embedded store', '.iamwatch'),
  )
    .option('--concurrency <n>', 'S3 objects fetched in parallel (default 8)')
    .option('--s3-endpoint <url>', 'S3 endpoint (a local S3 server, tests)')
    .option('--format <fmt>', 'jsonl|json|table', 'jsonl')
    .option('--min-severity <sev>', `lowest severity printed (${SEVERITIES.join('|')})`, 'low')
    .option('--fail-on <sev>', 'exit 1 when an alert at or above this severity is raised')
    .option('--no-dedupe', 'print every finding instead of folding repeats within a rule window')
    .option(
      '--slack-webhook <url>',
      'also post alerts to this Slack incoming webhook (default: $IAMWATCH_SLACK_WEBHOOK, which keeps the URL out of ps)',
    )
    .option('--sns-topic <arn>', 'also publish alerts to this SNS topic')
    .option('--event-bus <name>', 'also put alerts on this EventBridge bus')
    .option(
      '--workers <n>',
      'decompress and parse in N worker threads (default for 8+ files: 2, at most the cores less one; else 0)',
    )
    .option(
      '--max-problems <n>',
      'print at most N input problems (all are counted)',
      String(MAX_PRINTED_PROBLEMS_DEFAULT),
    )
    .option('--quiet', 'no progress and no summary on stderr')
    .action(async (paths: string[], opts: ReplayOpts) => runReplay(paths, opts, ctx));
}

async function runReplay(paths: string[], opts: ReplayOpts, ctx: CliContext): Promise<void> {
  const format = opts.format;
  if (!['jsonl', 'json', 'table'].includes(format))
    throw new CliError(EXIT.usage, `--format must be jsonl, json or table, not "${format}"`);
  const minSeverity = severityOpt('--min-severity', opts.minSeverity);
  const failOn = opts.failOn === undefined ? null : severityOpt('--fail-on', opts.failOn);
  const maxProblems = Number.parseInt(opts.maxProblems, 10);
  const filter = trailFilter(opts, Date.now());
  await checkS3Inputs(paths, opts);
  const inputs = await resolveInputs(paths, ctx, { stdin: true });

  const started = performance.now();
  const slackWebhook = opts.slackWebhook ?? (ctx.env.IAMWATCH_SLACK_WEBHOOK || undefined);
  // --region filters records; the store, sinks and S3 client take --aws-region.
  const { region: _regionFilter, ...rest } = opts;
  const awsOpts = { ...rest, ...(opts.awsRegion ? { region: opts.awsRegion } : {}) };
  const local = inputs.filter((i) => !i.startsWith('s3://'));
  const showProgress = !opts.quiet && ctx.isTTY;
  // The count decides the default --workers (8+ files) and is the progress bar's total: walking a large
  // tree twice costs as much as opening its files, so it stops at what is needed.
  const fileCount = await countFiles(
    local,
    filter,
    showProgress ? Number.POSITIVE_INFINITY : opts.workers === undefined ? DEFAULT_WORKERS_FROM : 0,
  );
  const workerUrl = new URL('./ingest-worker.mjs', import.meta.url);
  // Worker threads need the bundled worker script (dist/); running from sources, parse in-thread.
  const canUseWorkers = existsSync(fileURLToPath(workerUrl));
  const requested =
    opts.workers !== undefined
      ? Number.parseInt(opts.workers, 10)
      : fileCount >= DEFAULT_WORKERS_FROM
        ? defaultWorkers(availableParallelism())
        : 0;
  if (!Number.isInteger(requested) || requested < 0)
    throw new CliError(EXIT.usage, '--workers must be a whole number');
  const workers = canUseWorkers ? requested : 0;
  // The workers load and compile their script while the baseline loads (the read configures them).
  const spawned =
    workers > 0 && local.length > 0
      ? (await import('../../adapters/cloudtrail-files/read.js')).spawnWorkers(workerUrl, workers)
      : undefined;
  let baseline: Awaited<ReturnType<typeof loadBaseline>>;
  try {
    baseline = await loadBaseline(awsOpts, ctx);
  } catch (err) {
    await spawned?.close();
    throw err;
  }
  const pipeline = new DetectionPipeline();
  let sinks: AlertOutput | null = null;
  try {
    sinks = await openSinks({ ...awsOpts, slackWebhook }, ctx, (rule) => pipeline.windowMinutes(rule));
    const stats: ReadStats = { files: 0, bytes: 0, records: 0, skippedIrrelevant: 0, problems: 0 };
    const listed: ListedTotals = { objects: fileCount, bytes: 0 };
    const progress = showProgress ? makeProgress(ctx, stats, listed, started) : null;
    const clearProgress = () => progress?.clear();
    const problemKinds = new Map<string, number>();
    let printedProblems = 0;
    const onProblem = (p: { path: string; line: number | null; reason: string; count?: number }) => {
      // A per-file "N more problems not shown" stands for N problems of kinds not known here.
      const kind =
        p.count !== undefined
          ? 'more in the same files, not shown'
          : p.reason.replace(/\(.*$/, '').replace(/\d+/g, 'N').trim().slice(0, 60);
      problemKinds.set(kind, (problemKinds.get(kind) ?? 0) + (p.count ?? 1));
      if (printedProblems < maxProblems) {
        printedProblems += 1;
        const where = p.line === null ? display(p.path, ctx) : `${display(p.path, ctx)}:${p.line}`;
        clearProgress();
        ctx.stderr.write(`${safeText(where, 300)}: ${safeText(p.reason, 200)}\n`);
      }
    };
    // Rules that read every event (root, break-glass) are served by needles: a record that mentions
    // none of them and whose eventSource/eventName no rule reads is skipped before JSON.parse.
    const source = readInputs(
      inputs,
      {
        ...(filter ? { filter } : {}),
        stdin: ctx.stdin,
        onProblem,
        stats,
        relevantPairs: pipeline.engine.pairs(),
        needles: baseline.needles,
        workers,
        workerUrl,
        ...(spawned ? { spawned } : {}),
        onWorkerFailure: (message) => {
          clearProgress();
          ctx.stderr.write(`warning: ${safeText(message, 200)}; its files are read in the main thread\n`);
        },
      },
      { opts, ctx, listed },
    );

    const collected: Alert[] = [];
    let maxSeen: Severity | null = null;
    const emit = async (a: Alert) => {
      if (failOn && atLeast(a.severity, failOn)) maxSeen = a.severity;
      if (!atLeast(a.severity, minSeverity)) return;
      if (format === 'jsonl') writeOut(ctx, `${JSON.stringify(a)}\n`);
      else collected.push(a);
      await sinks?.publish(a);
    };

    let lastDraw = 0;
    const counters: ReplayCounters = await replay({
      source,
      view: baseline.view,
      pipeline,
      dedupe: opts.dedupe,
      skipDuplicates: true,
      requireEventTime: true,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      observations: baseline.observations,
      // Lineage: a bounded in-memory map, the same answers as the Lambda's table (shared/core/session).
      // IAMWATCH_LINEAGE=off turns it off (the bench's A/B; alerts then carry no origin).
      ...(ctx.env.IAMWATCH_LINEAGE === 'off' ? {} : { sessions: new MemorySessionStore() }),
      emit,
      onProblem,
      onRuleFailure: (f) => {
        clearProgress();
        ctx.stderr.write(
          `rule ${f.rule} failed on event ${safeText(f.eventId, 80)}: ${safeText(f.error, 200)}\n`,
        );
      },
      onBatch: () => {
        if (!progress) return;
        const now = performance.now();
        if (now - lastDraw > 200) {
          lastDraw = now;
          progress.draw();
        }
      },
    });
    clearProgress();
    await sinks?.flush();

    if (format === 'json') writeOut(ctx, `${JSON.stringify(collected, null, 2)}\n`);
    if (format === 'table') {
      // process.stdout.columns on a terminal; 100 when piped.
      const columns = (ctx.stdout as { columns?: number; isTTY?: boolean }).isTTY
        ? (ctx.stdout as { columns?: number }).columns
        : undefined;
      writeOut(ctx, renderAlertTable(collected, { width: columns ?? DEFAULT_TABLE_WIDTH }));
    }
    const elapsed = (performance.now() - started) / 1000;
    const read = stats.records + stats.skippedIrrelevant;
    if (counters.interrupted) ctx.stderr.write(`interrupted after ${read.toLocaleString('en-US')} records\n`);
    if (!opts.quiet || counters.interrupted) writeSummary(ctx, stats, counters, problemKinds, elapsed, sinks);
    if (counters.interrupted) throw new CliError(EXIT.interrupted, '');
    if (sinks && sinks.failures() > 0) {
      throw new CliError(
        EXIT.runtime,
        `${sinks.failures()} alert deliveries failed; see the dead-letter file ${sinks.deadLetterPath ?? ''}`,
      );
    }
    if (read === 0 && stats.problems > 0) {
      throw new CliError(
        EXIT.runtime,
        `no usable records in the input: ${stats.problems.toLocaleString('en-US')} problems (listed above)`,
      );
    }
    if (maxSeen) throw new CliError(EXIT.failOn, '');
  } finally {
    await spawned?.close();
    await sinks?.close();
    await baseline.close();
  }
}

function severityOpt(flag: string, v: string): Severity {
  if (!isSeverity(v))
    throw new CliError(EXIT.usage, `${flag} must be one of ${SEVERITIES.join(', ')}, not "${v}"`);
  return v;
}

async function loadBaseline(opts: Omit<ReplayOpts, 'region'> & { region?: string }, ctx: CliContext) {
  if (opts.baseline) {
    const r = await loadValidBaseline(opts.baseline, ctx);
    return openBaselineSource({ kind: 'file', baseline: r.baseline }, opts, ctx);
  }
  return openBaselineSource({ kind: 'store' }, opts, ctx);
}

/** Files (and pipes) `inputs` expand to, counted up to `limit`; unreadable inputs are not counted. */
async function countFiles(inputs: string[], filter: TrailFilter | undefined, limit: number): Promise<number> {
  let n = 0;
  if (limit <= 0) return n;
  for await (const item of walkInputs(
    inputs.filter((i) => i !== '-'),
    filter,
  )) {
    if (item.kind === 'file' || item.kind === 'stream') n += 1;
    if (n >= limit) break;
  }
  return n;
}

function display(p: string, ctx: CliContext): string {
  if (p.startsWith('s3://')) return p;
  const rel = path.relative(ctx.cwd, p);
  return rel && !rel.startsWith('..') ? rel : p;
}

function writeOut(ctx: CliContext, s: string): void {
  ctx.stdout.write(s);
}

function writeSummary(
  ctx: CliContext,
  stats: ReadStats,
  c: ReplayCounters,
  problemKinds: Map<string, number>,
  seconds: number,
  sinks: AlertOutput | null,
): void {
  const n = (x: number) => x.toLocaleString('en-US');
  // Records seen = those handed on plus those the pre-filter skipped before JSON.parse.
  const seen = stats.records + stats.skippedIrrelevant;
  const rate = seconds > 0 ? Math.round(seen / seconds) : seen;
  const lines = [
    `replay: ${n(seen)} records from ${n(stats.files)} files (${(stats.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s, ${n(rate)} records/s`,
    `  evaluated ${n(c.evaluated - c.invalid - c.duplicates)}, not read by any rule ${n(stats.skippedIrrelevant)}, duplicates ${n(c.duplicates)}, unusable ${n(c.invalid)}, input problems ${n(stats.problems)}`,
  ];
  if (stats.filtered) lines.push(`  outside --since/--until/--account/--region: ${n(stats.filtered)}`);
  if (problemKinds.size > 0) {
    const kinds = [...problemKinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
    lines.push(`  problems: ${kinds.join('; ')}`);
  }
  const bySev = new Map<string, number>();
  for (const sevs of Object.values(c.byRule))
    for (const [s, v] of Object.entries(sevs)) bySev.set(s, (bySev.get(s) ?? 0) + v);
  const sevText = [...SEVERITIES]
    .reverse()
    .filter((s) => bySev.has(s))
    .map((s) => `${s} ${bySev.get(s)}`);
  lines.push(
    `  alerts ${n(c.alerts)}${sevText.length ? ` (${sevText.join(', ')})` : ''}${c.folded ? `, ${n(c.folded)} repeats folded` : ''}${c.suppressed ? `, ${n(c.suppressed)} suppressed by the baseline` : ''}`,
  );
  for (const [rule, sevs] of Object.entries(c.byRule).sort()) {
    lines.push(
      `    ${rule}: ${Object.entries(sevs)
        .map(([s, v]) => `${s} ${v}`)
        .join(', ')}`,
    );
  }
  if (c.ruleFailures) lines.push(`  rule failures: ${c.ruleFailures}`);
  if (sinks) lines.push(`  delivered: ${sinks.describe()}`);
  ctx.stderr.write(`${lines.join('\n')}\n`);
}

function makeProgress(ctx: CliContext, stats: ReadStats, listed: ListedTotals, started: number) {
  let drawn = false;
  return {
    draw() {
      const secs = (performance.now() - started) / 1000;
      const totalFiles = listed.objects;
      const frac = totalFiles > 0 ? Math.min(1, stats.files / totalFiles) : 0;
      const width = 24;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const seen = stats.records + stats.skippedIrrelevant;
      const rate = secs > 0 ? Math.round(seen / secs) : 0;
      ctx.stderr.write(
        `\r[${bar}] ${stats.files}/${totalFiles} objects, ${(stats.bytes / 1e6).toFixed(1)}${listed.bytes > 0 ? `/${(listed.bytes / 1e6).toFixed(1)}` : ''} MB, ${seen.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')}/s `,
      );
      drawn = true;
    },
    clear() {
      if (drawn) ctx.stderr.write('\r\u001b[K');
      drawn = false;
    },
  };
}
