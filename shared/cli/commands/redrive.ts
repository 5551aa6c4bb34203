/**
 * `iamwatch redrive [--queue failures|delivery] [--dry-run]`: list the parked alerts and deliver them again
 * (shared/app/redrive.ts), from the CLI's dead-letter files and the deployed SQS queues.
 *
 * Queues: `delivery` (default) = the CLI's `<store-dir>/dead-letters/*.jsonl` and, with `--stage` or
 * `--queue-url`, `iamwatch-<stage>-alert-delivery-failures`; `failures` = the functions' failure queues
 * (`…-slack-notify-failures`, `…-slack-notify-undelivered`, `…-detect-failures`, `…-detect-undelivered`).
 * stdout: one row per parked alert (table, or `--format json`); stderr: the summary.
 * Exit: 0 done; 2 usage, or alerts kept because their sink has no target here; 3 a delivery, a queue or a file failed.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { RedriveResult, RedriveSource } from '../../app/redrive.js';
import type { AlertSink } from '../../ports.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { renderTable, safeText } from '../text.js';

/** Queue-name suffixes of each `--queue` choice (names from infra/resources.yml). */
export const REDRIVE_QUEUES = {
  delivery: ['alert-delivery-failures'],
  failures: ['slack-notify-failures', 'slack-notify-undelivered', 'detect-failures', 'detect-undelivered'],
} as const;

interface RedriveOpts {
  queue: string;
  dryRun?: boolean;
  stage?: string;
  queueUrl?: string[];
  region?: string;
  endpoint?: string;
  storeDir?: string;
  slackWebhook?: string;
  table?: string;
  snsTopic?: string;
  eventBus?: string;
  max?: string;
  format?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Registers `redrive`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('redrive')
    .description('list parked alerts and deliver them again (dead-letter file and queues)')
    .option(
      '--queue <which>',
      'delivery (undelivered alerts) | failures (function failure queues)',
      'delivery',
    )
    .option('--dry-run', 'list only; send, delete and record nothing')
    .option('--stage <stage>', 'read the deployed queues iamwatch-<stage>-…')
    .option('--queue-url <url>', 'read this SQS queue (repeatable) instead of the stage’s', collect)
    .option('--region <region>', 'AWS region of the queues and targets')
    .option('--endpoint <url>', 'SQS endpoint (a local stand-in)')
    .option('--store-dir <dir>', 'where the CLI dead-letter files are (<dir>/dead-letters)', '.iamwatch')
    .option('--slack-webhook <url>', 'post Slack dead letters to this webhook (or $IAMWATCH_SLACK_WEBHOOK)')
    .option(
      '--table <name>',
      'post Slack dead letters to each team’s route from this table (or $IAMWATCH_TABLE)',
    )
    .option('--sns-topic <arn>', 'publish SNS dead letters to this topic')
    .option('--event-bus <name>', 'put EventBridge dead letters on this bus')
    .option('--max <n>', 'at most N messages per queue', '1000')
    .option('--format <fmt>', 'table|json', 'table')
    .action(async (opts: RedriveOpts) => {
      await runRedrive(opts, ctx);
    });
}

async function runRedrive(opts: RedriveOpts, ctx: CliContext): Promise<void> {
  if (opts.queue !== 'delivery' && opts.queue !== 'failures')
    throw new CliError(EXIT.usage, `--queue must be delivery or failures, not ${safeText(opts.queue, 40)}`);
  const format = opts.format ?? 'table';
  if (format !== 'table' && format !== 'json')
    throw new CliError(EXIT.usage, '--format must be table or json');
  const max = Number(opts.max ?? '1000');
  if (!Number.isInteger(max) || max < 1) throw new CliError(EXIT.usage, '--max must be a positive integer');
  const slackWebhook = opts.slackWebhook ?? ctx.env.IAMWATCH_SLACK_WEBHOOK;
  if (slackWebhook !== undefined && !/^https?:\/\//.test(slackWebhook))
    throw new CliError(EXIT.usage, '--slack-webhook must be an http(s) URL');
  if (opts.snsTopic && !/^arn:[^:]+:sns:/.test(opts.snsTopic))
    throw new CliError(EXIT.usage, '--sns-topic must be an SNS topic ARN');
  const useSqs = Boolean(opts.stage || opts.queueUrl?.length);
  if (opts.queue === 'failures' && !useSqs)
    throw new CliError(
      EXIT.usage,
      '--queue failures reads the deployed failure queues: pass --stage or --queue-url',
    );

  const dlqDir = path.resolve(ctx.cwd, opts.storeDir ?? '.iamwatch', 'dead-letters');
  const [{ redrive }, fileDlq] = await Promise.all([
    import('../../app/redrive.js'),
    import('../../adapters/file-dlq.js'),
  ]);
  const closers: Array<() => Promise<void>> = [];
  try {
    const sources: RedriveSource[] = [];
    if (opts.queue === 'delivery') {
      sources.push({
        name: 'file',
        async *messages() {
          for await (const l of fileDlq.readFileDeadLetters(dlqDir))
            yield { where: `${l.file}:${l.line}`, body: l.text };
        },
      });
    }
    if (useSqs) sources.push(...(await sqsSources(opts, max, opts.dryRun === true)));

    const targets = await openTargets({ ...opts, slackWebhook }, ctx, closers);
    const report = await redrive({
      sources,
      targets,
      missingTarget: (sink) =>
        ({
          slack: 'kept: pass --slack-webhook URL (or IAMWATCH_SLACK_WEBHOOK) or --table NAME',
          sns: 'kept: pass --sns-topic ARN',
          eventbridge: 'kept: pass --event-bus NAME',
        })[sink] ?? `kept: no target for sink ${safeText(sink, 40)}`,
      ledger: new fileDlq.FileRedriveLedger(dlqDir),
      dryRun: opts.dryRun === true,
    }).catch((err: unknown) => {
      throw new CliError(
        EXIT.runtime,
        `redrive failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    });

    if (format === 'json') ctx.stdout.write(`${JSON.stringify(report.results, null, 2)}\n`);
    else ctx.stdout.write(renderResults(report.results));
    const c = report.counts;
    const parts = opts.dryRun
      ? [`${c['would-redrive']} would be redriven`]
      : [`${c.redriven} redriven`, `${c.failed} failed again (still parked)`];
    parts.push(`${c['already-redriven']} already redriven`);
    if (c['no-target']) parts.push(`${c['no-target']} kept (no target given)`);
    if (c['not-an-alert']) parts.push(`${c['not-an-alert']} not alerts (see hints)`);
    ctx.stderr.write(
      `redrive --queue ${opts.queue}${opts.dryRun ? ' (dry run)' : ''}: ${report.results.length} listed: ${parts.join(', ')}\n`,
    );
    for (const f of report.ackFailures)
      ctx.stderr.write(
        `warning: ${safeText(f.where, 200)}: could not settle the message: ${safeText(f.reason, 300)}\n`,
      );
    if (c.failed > 0 || report.ackFailures.length > 0)
      throw new CliError(
        EXIT.runtime,
        `${c.failed + report.ackFailures.length} parked alert(s) could not be redriven`,
      );
    if (c['no-target'] > 0)
      throw new CliError(
        EXIT.usage,
        `${c['no-target']} parked alert(s) need a target: see the DETAIL column`,
      );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

function renderResults(results: RedriveResult[]): string {
  if (results.length === 0) return 'nothing parked\n';
  return renderTable(
    ['WHERE', 'ALERT', 'RULE', 'SEVERITY', 'SINK', 'FAILED AT', 'STATUS', 'DETAIL'],
    results.map((r) => [
      r.where,
      r.alertId ?? '-',
      r.rule ?? '-',
      r.severity ?? '-',
      r.sink ?? '-',
      r.failedAt ?? '-',
      r.status,
      r.detail,
    ]),
    [80, 20, 30, 8, 12, 24, 16, 120],
  );
}

async function sqsSources(opts: RedriveOpts, max: number, dryRun: boolean): Promise<RedriveSource[]> {
  const [{ SQSClient }, sqs] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../../adapters/sqs-dlq.js'),
  ]);
  const client = new SQSClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
  let urls: string[];
  try {
    urls = opts.queueUrl?.length
      ? opts.queueUrl
      : await Promise.all(
          REDRIVE_QUEUES[opts.queue as 'delivery' | 'failures'].map((s) =>
            sqs.deadLetterQueueUrl(client, `iamwatch-${opts.stage}-${s}`),
          ),
        );
  } catch (err) {
    throw new CliError(
      EXIT.runtime,
      `cannot find the queues of stage ${safeText(opts.stage, 40)}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      { cause: err },
    );
  }
  return urls.map((queueUrl) => {
    const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    return {
      name: `sqs:${name}`,
      async *messages() {
        // Messages to give back are released once the queue is read to the end, so that this run does
        // not receive them a second time (a dry run hides each for 30 s at most).
        const giveBack: string[] = [];
        try {
          for await (const m of sqs.receiveDeadLetters({
            client,
            queueUrl,
            max,
            visibilityTimeoutSeconds: dryRun ? 30 : 300,
          })) {
            yield {
              where: `${name}#${m.messageId}`,
              body: m.body,
              ack: () => sqs.deleteDeadLetter(client, queueUrl, m.receiptHandle),
              release: async () => {
                giveBack.push(m.receiptHandle);
              },
            };
          }
        } finally {
          for (const h of giveBack) await sqs.releaseDeadLetter(client, queueUrl, h).catch(() => undefined);
        }
      },
    };
  });
}

async function openTargets(
  opts: RedriveOpts,
  ctx: CliContext,
  closers: Array<() => Promise<void>>,
): Promise<Partial<Record<string, AlertSink>>> {
  const targets: Partial<Record<string, AlertSink>> = {};
  const table = opts.table ?? ctx.env.IAMWATCH_TABLE;
  if (opts.slackWebhook) {
    const { SlackWebhookSink, singleWebhookResolver } = await import('../../adapters/slack-webhook.js');
    targets.slack = new SlackWebhookSink({ resolver: singleWebhookResolver(opts.slackWebhook) });
  } else if (table) {
    const [{ SlackWebhookSink }, { createWebhookResolver }, { openStore }] = await Promise.all([
      import('../../adapters/slack-webhook.js'),
      import('../../adapters/webhook-resolver.js'),
      import('../../adapters/dynamodb/open-store.js'),
    ]);
    const h = await openStore({ table, ...(opts.region ? { region: opts.region } : {}) });
    closers.push(() => h.close());
    const resolver = createWebhookResolver({
      teams: () =>
        h.store
          .teams()
          .then((t) => ({ teams: t.teams, ...(t.defaultTeam ? { defaultTeam: t.defaultTeam } : {}) })),
      env: ctx.env,
    });
    targets.slack = new SlackWebhookSink({ resolver });
  }
  if (opts.snsTopic) {
    const [{ SNSClient }, { SnsAlertSink }] = await Promise.all([
      import('@aws-sdk/client-sns'),
      import('../../adapters/sns-alerts.js'),
    ]);
    const region = opts.region ?? opts.snsTopic.split(':')[3];
    targets.sns = new SnsAlertSink({
      client: new SNSClient(region ? { region } : {}),
      topicArn: opts.snsTopic,
    });
  }
  if (opts.eventBus) {
    const [{ EventBridgeClient }, { EventBridgeAlertSink }] = await Promise.all([
      import('@aws-sdk/client-eventbridge'),
      import('../../adapters/eventbridge-alerts.js'),
    ]);
    const sink = new EventBridgeAlertSink({
      client: new EventBridgeClient(opts.region ? { region: opts.region } : {}),
      eventBusName: opts.eventBus,
    });
    // The EventBridge sink batches: flush after each alert so a failure belongs to that alert.
    targets.eventbridge = {
      name: sink.name,
      async publish(a) {
        await sink.publish(a);
        await sink.flush();
      },
    };
  }
  return targets;
}
