/**
 * `iamwatch backfill start|status|results`: an organisation-wide backfill on the stack's Step Functions
 * Distributed Map (infra/backfill.yml). `start` lists the trail by its key layout with the operator's
 * credentials (the same pruned listing as `replay s3://`), writes the object list to the backfill
 * bucket as a manifest and starts `iamwatch-<stage>-backfill`; `--dry-run` only counts objects and
 * bytes and estimates cost and time. The AWS SDK clients are imported lazily.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import type { Alert } from '../../core/alert/alert.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { safeText } from '../text.js';
import { collect, type FilterOpts, openS3, type S3Opts, trailFilter } from './replay-inputs.js';

/** Figures the dry run's estimate rests on (README "backfill"; bench/ measures the ingest rate). */
export const ESTIMATE = {
  /** Compressed bytes per CloudTrail record (gzip JSON; the generated archive and public samples: ~140). */
  gzipBytesPerRecord: 150,
  /** Records the ingest function reads and judges per GB-second (npm run bench, 200k generated records: ~43,000). */
  recordsPerGbSecond: 43_000,
  /** The ingest function's memory (serverless.yml). */
  memoryGb: 1,
  /** AWS list prices, us-east-1 (2026): Lambda arm64 per GB-s and per request, S3 GET/LIST per 1,000, Step Functions per 1,000 transitions. */
  lambdaArmGbSecondUsd: 0.0000133334,
  lambdaRequestUsd: 0.0000002,
  s3GetPer1000Usd: 0.0004,
  s3ListPer1000Usd: 0.005,
  sfnTransitionPer1000Usd: 0.025,
  /** Objects per batch (infra/backfill.yml ItemBatcher) and state transitions per batch (child execution). */
  objectsPerBatch: 20,
  transitionsPerBatch: 3,
};

interface StartOpts extends FilterOpts, S3Opts {
  bucket: string;
  prefix?: string;
  dryRun?: boolean;
  output: string;
  maxConcurrency: string;
  stage: string;
  sfnEndpoint?: string;
}

interface CommonOpts {
  awsRegion?: string;
  s3Endpoint?: string;
  sfnEndpoint?: string;
}

/** What a dry run found and what the backfill would cost. */
export interface BackfillEstimate {
  objects: number;
  bytes: number;
  records: number;
  batches: number;
  lambdaGbSeconds: number;
  costUsd: { lambda: number; s3: number; stepFunctions: number; total: number };
  minutes: number;
}

/**
 * Cost and time of ingesting `objects` objects of `bytes` bytes (compressed) in batches, `concurrency`
 * batches at a time, from the {@link ESTIMATE} figures.
 */
export function estimateBackfill(
  objects: number,
  bytes: number,
  concurrency: number,
  listCalls: number,
): BackfillEstimate {
  const e = ESTIMATE;
  const records = Math.round(bytes / e.gzipBytesPerRecord);
  const batches = Math.ceil(objects / e.objectsPerBatch);
  const lambdaGbSeconds = records / e.recordsPerGbSecond;
  const lambda = lambdaGbSeconds * e.lambdaArmGbSecondUsd + batches * e.lambdaRequestUsd;
  const s3 = (objects / 1000) * e.s3GetPer1000Usd + (listCalls / 1000) * e.s3ListPer1000Usd;
  const stepFunctions = ((batches * e.transitionsPerBatch + 4) / 1000) * e.sfnTransitionPer1000Usd;
  const seconds = lambdaGbSeconds / e.memoryGb / Math.max(1, concurrency);
  return {
    objects,
    bytes,
    records,
    batches,
    lambdaGbSeconds,
    costUsd: { lambda, s3, stepFunctions, total: lambda + s3 + stepFunctions },
    minutes: seconds / 60,
  };
}

async function openSfn(opts: CommonOpts, ctx: CliContext): Promise<SFNClient> {
  const { SFNClient } = await import('@aws-sdk/client-sfn');
  const region = opts.awsRegion ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
  const id = ctx.env.AWS_ACCESS_KEY_ID;
  const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
  return new SFNClient({
    ...(region ? { region } : {}),
    ...(opts.sfnEndpoint ? { endpoint: opts.sfnEndpoint } : {}),
    ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}),
  });
}

function runtimeError(what: string, err: unknown): CliError {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new CliError(EXIT.runtime, `${what}: ${safeText(msg, 300)}`, { cause: err });
}

/** The stack's state machine and its backfill bucket (the machine's `iamwatch:backfill-bucket` tag). */
async function findStateMachine(sfn: SFNClient, stage: string): Promise<{ arn: string; bucket: string }> {
  const { ListStateMachinesCommand, ListTagsForResourceCommand } = await import('@aws-sdk/client-sfn');
  const name = `iamwatch-${stage}-backfill`;
  let token: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ ...(token ? { nextToken: token } : {}) }));
    const hit = page.stateMachines?.find((m) => m.name === name);
    if (hit?.stateMachineArn) {
      const tags = await sfn.send(new ListTagsForResourceCommand({ resourceArn: hit.stateMachineArn }));
      const bucket = tags.tags?.find((t) => t.key === 'iamwatch:backfill-bucket')?.value;
      if (!bucket)
        throw new CliError(EXIT.usage, `${name} has no iamwatch:backfill-bucket tag; redeploy the stack`);
      return { arn: hit.stateMachineArn, bucket };
    }
    token = page.nextToken;
  } while (token);
  throw new CliError(
    EXIT.usage,
    `no state machine ${name} in this account and region; deploy the stack (stage ${stage}) or pass --stage`,
  );
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

async function start(opts: StartOpts, ctx: CliContext): Promise<void> {
  if (opts.since === undefined) throw new CliError(EXIT.usage, 'backfill start needs --since');
  if (!['topic', 'results'].includes(opts.output))
    throw new CliError(EXIT.usage, `--output must be topic or results, not "${safeText(opts.output, 20)}"`);
  const concurrency = Number(opts.maxConcurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
    throw new CliError(EXIT.usage, '--max-concurrency must be a whole number from 1 to 10000');
  const filter = trailFilter(opts, Date.now());
  const prefix = opts.prefix ?? '';
  const { listTrailObjects, parseS3Url } = await import('../../adapters/cloudtrail-files/s3.js');
  parseS3Url(`s3://${opts.bucket}/`);
  const s3 = await openS3(opts, ctx);
  const items: Array<{ Key: string; Size: number }> = [];
  let bytes = 0;
  try {
    try {
      for await (const o of listTrailObjects(s3, { bucket: opts.bucket, prefix }, filter)) {
        items.push({ Key: o.key, Size: o.size });
        bytes += o.size;
      }
    } catch (err) {
      throw runtimeError(`listing s3://${opts.bucket}/${prefix} failed`, err);
    }
    // One listing page per 1,000 objects and per skipped subtree, at least; shown as a lower bound.
    const est = estimateBackfill(items.length, bytes, concurrency, Math.ceil(items.length / 1000) + 1);
    const n = (x: number) => x.toLocaleString('en-US');
    ctx.stderr.write(
      [
        `backfill: ${n(est.objects)} objects, ${mb(est.bytes)} under s3://${opts.bucket}/${prefix}`,
        `  about ${n(est.records)} records in ${n(est.batches)} batches of ${ESTIMATE.objectsPerBatch} objects, ${concurrency} at a time`,
        `  about ${est.lambdaGbSeconds.toFixed(0)} Lambda GB-s; cost about $${est.costUsd.total.toFixed(2)} (Lambda $${est.costUsd.lambda.toFixed(2)}, S3 $${est.costUsd.s3.toFixed(2)}, Step Functions $${est.costUsd.stepFunctions.toFixed(2)}); about ${Math.max(1, Math.ceil(est.minutes))} min`,
      ].join('\n') + '\n',
    );
    if (opts.dryRun) {
      ctx.stdout.write(`${JSON.stringify(est)}\n`);
      return;
    }
    if (items.length === 0) throw new CliError(EXIT.usage, 'nothing to backfill: no objects match');
    const sfn = await openSfn(opts, ctx);
    try {
      const machine = await findStateMachine(sfn, opts.stage).catch((err: unknown) => {
        if (err instanceof CliError) throw err;
        throw runtimeError('finding the backfill state machine failed', err);
      });
      const name = `backfill-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const manifestKey = `manifests/${name}.json`;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const { StartExecutionCommand } = await import('@aws-sdk/client-sfn');
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: machine.bucket,
            Key: manifestKey,
            Body: JSON.stringify(items),
            ContentType: 'application/json',
          }),
        );
      } catch (err) {
        throw runtimeError(`writing the manifest to s3://${machine.bucket}/${manifestKey} failed`, err);
      }
      const input = {
        manifestKey,
        trailBucket: opts.bucket,
        output: opts.output,
        maxConcurrency: concurrency,
      };
      try {
        const r = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) }),
        );
        ctx.stdout.write(`${r.executionArn}\n`);
        ctx.stderr.write(`started; iamwatch backfill status ${r.executionArn}\n`);
      } catch (err) {
        throw runtimeError('starting the backfill failed', err);
      }
    } finally {
      sfn.destroy();
    }
  } finally {
    s3.destroy();
  }
}

async function status(id: string, opts: CommonOpts, ctx: CliContext): Promise<void> {
  const sfn = await openSfn(opts, ctx);
  try {
    const { DescribeExecutionCommand, ListMapRunsCommand, DescribeMapRunCommand } = await import(
      '@aws-sdk/client-sfn'
    );
    const ex = await sfn.send(new DescribeExecutionCommand({ executionArn: id })).catch((err: unknown) => {
      throw runtimeError('describing the execution failed', err);
    });
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn: id })).catch(() => ({ mapRuns: [] }));
    const run = runs.mapRuns?.[0]?.mapRunArn;
    const counts = run
      ? (await sfn.send(new DescribeMapRunCommand({ mapRunArn: run }))).itemCounts
      : undefined;
    const out = {
      status: ex.status,
      startDate: ex.startDate?.toISOString(),
      stopDate: ex.stopDate?.toISOString(),
      ...(counts ? { items: counts } : {}),
      ...(ex.error ? { error: ex.error, cause: ex.cause } : {}),
    };
    ctx.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    sfn.destroy();
  }
}

/** One result entry the map's ResultWriter wrote (a child execution, i.e. one batch). */
interface ResultEntry {
  Status?: string;
  Output?: string;
}

async function results(id: string, opts: CommonOpts, ctx: CliContext): Promise<void> {
  const sfn = await openSfn(opts, ctx);
  let s3: S3Client | undefined;
  try {
    const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
    const ex = await sfn.send(new DescribeExecutionCommand({ executionArn: id })).catch((err: unknown) => {
      throw runtimeError('describing the execution failed', err);
    });
    if (ex.status === 'RUNNING')
      throw new CliError(EXIT.usage, 'the backfill is still running (iamwatch backfill status)');
    const where = (
      JSON.parse(ex.output ?? '{}') as { ResultWriterDetails?: { Bucket?: string; Key?: string } }
    ).ResultWriterDetails;
    if (!where?.Bucket || !where.Key) throw new CliError(EXIT.runtime, 'the execution wrote no results');
    s3 = await openS3(opts, ctx);
    const { getObjectBytes } = await import('../../adapters/cloudtrail-files/s3.js');
    const manifest = JSON.parse((await getObjectBytes(s3, where.Bucket, where.Key)).toString('utf8')) as {
      ResultFiles?: Record<string, Array<{ Key: string }>>;
    };
    const alerts: Alert[] = [];
    const totals: Record<string, number> = {};
    let failedBatches = 0;
    for (const [state, files] of Object.entries(manifest.ResultFiles ?? {})) {
      for (const f of files) {
        const entries = JSON.parse(
          (await getObjectBytes(s3, where.Bucket, f.Key)).toString('utf8'),
        ) as ResultEntry[];
        for (const e of entries) {
          if (state !== 'SUCCEEDED') {
            failedBatches++;
            continue;
          }
          const out = JSON.parse(e.Output ?? '{}') as {
            summary?: Record<string, number>;
            alerts?: Alert[];
            alertsObject?: { bucket?: string; key?: string };
          };
          for (const [k, v] of Object.entries(out.summary ?? {})) totals[k] = (totals[k] ?? 0) + v;
          alerts.push(...(out.alerts ?? []));
          // A batch's alerts written by the ingest function (JSON lines), its state output only a summary.
          const o = out.alertsObject;
          if (o?.bucket && o.key) {
            const text = await getObjectBytes(s3, o.bucket, o.key).catch((err: unknown) => {
              throw runtimeError(`reading s3://${o.bucket}/${o.key} failed`, err);
            });
            text
              .toString('utf8')
              .split('\n')
              .forEach((line, i) => {
                if (line.trim() === '') return;
                try {
                  alerts.push(JSON.parse(line) as Alert);
                } catch {
                  throw new CliError(EXIT.runtime, `s3://${o.bucket}/${o.key}:${i + 1}: not a JSON alert`);
                }
              });
          }
        }
      }
    }
    alerts.sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.id.localeCompare(b.id));
    for (const a of alerts) ctx.stdout.write(`${JSON.stringify(a)}\n`);
    ctx.stderr.write(`backfill ${ex.status}: ${JSON.stringify({ ...totals, failedBatches })}\n`);
    if (failedBatches > 0) throw new CliError(EXIT.runtime, `${failedBatches} batches failed`);
  } finally {
    sfn.destroy();
    s3?.destroy();
  }
}

export function register(program: Command, ctx: CliContext): void {
  const backfill = program
    .command('backfill')
    .description(
      'Organisation-wide backfill of an Organization trail on the stack (Step Functions Distributed Map)',
    );
  const common = (c: Command) =>
    c
      .option('--aws-region <region>', 'AWS region of the stack')
      .option('--s3-endpoint <url>', 'S3 endpoint (a local S3 server, tests)')
      .option('--sfn-endpoint <url>', 'Step Functions endpoint (tests)');
  common(
    backfill
      .command('start')
      .description(
        'list the trail by its key layout, then start the backfill (or --dry-run: count and estimate)',
      )
      .requiredOption('--bucket <name>', 'the Organization trail bucket')
      .option('--prefix <prefix>', 'key prefix of the trail (before AWSLogs/)')
      .option('--since <time>', 'first event time (2026-01-01, 2026-01-01T12:00Z, 90d)')
      .option('--until <time>', 'last event time (a bare date means its end)')
      .option('--account <id>', 'only this account (repeatable, or comma-separated)', collect)
      .option('--region <region>', 'only this region (repeatable, or comma-separated)', collect)
      .option(
        '--output <where>',
        'topic (alerts to the alerts topic, deduplicated) or results (S3 result files)',
        'topic',
      )
      .option('--max-concurrency <n>', 'batches in flight at once (Lambda concurrency used)', '50')
      .option('--stage <stage>', 'stack stage', 'prod')
      .option('--dry-run', 'count objects and bytes and estimate cost and time; start nothing'),
  ).action((opts: StartOpts) => start(opts, ctx));
  common(
    backfill
      .command('status')
      .description('state and item counts of a backfill')
      .argument('<id>', 'execution ARN'),
  ).action((id: string, opts: CommonOpts) => status(id, opts, ctx));
  common(
    backfill
      .command('results')
      .description('alerts of a finished --output results backfill, as JSON lines')
      .argument('<id>', 'execution ARN'),
  ).action((id: string, opts: CommonOpts) => results(id, opts, ctx));
}
