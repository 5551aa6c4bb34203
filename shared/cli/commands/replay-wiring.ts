/**
 * Composition for `replay`: where the baseline comes from (file or store) and where alerts go
 * besides stdout. Kept apart from the command so the command reads as the contract.
 */

import path from 'node:path';
import { needlesFor } from '../../app/ingest.js';
import type { Alert } from '../../core/alert/alert.js';
import { buildIndex } from '../../core/baseline/in-memory-view.js';
import type { Baseline } from '../../core/baseline/types.js';
import type { BaselineView } from '../../core/baseline/view.js';
import type { AlertSink, Log, ObservationSink } from '../../ports.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { openCliStore, type StoreFlags } from '../store.js';
import { safeText } from '../text.js';

export interface BaselineSource {
  view: BaselineView;
  observations?: ObservationSink;
  /** Substrings that make a record relevant to the rules that read every event. */
  needles: string[];
  close(): Promise<void>;
}

/** The store flags of `replay` (`--aws-region` is the table's region). */
export type StoreOpts = StoreFlags;

export { needlesFor };

export async function openBaselineSource(
  from: { kind: 'file'; baseline: Baseline } | { kind: 'store' },
  opts: StoreOpts,
  ctx: CliContext,
): Promise<BaselineSource> {
  if (from.kind === 'file') {
    // Backtesting against a file: hermetic, whatever --table or $IAMWATCH_TABLE say. Nothing is
    // opened, read (not even live incidents) or written (no observations).
    return {
      view: buildIndex(from.baseline),
      needles: needlesFor(from.baseline.identities),
      close: async () => {},
    };
  }
  // Replaying the same archive twice (or one overlapping an earlier replay) counts each event once.
  const { handle: h } = await openCliStore(opts, ctx, { observationMarkers: true });
  try {
    const flushAndClose = async () => {
      try {
        await h.observations.flush();
      } finally {
        await h.close();
      }
    };
    if (!(await h.store.stamp())) {
      ctx.stderr.write(
        `warning: ${h.describe} holds no baseline yet (iamwatch baseline sync FILE); every role counts as without a baseline\n`,
      );
    }
    const view = await h.store.view();
    return {
      view,
      observations: h.observations,
      needles: needlesFor(await h.store.listIdentities()),
      close: flushAndClose,
    };
  } catch (err) {
    await h.close();
    throw new CliError(
      EXIT.runtime,
      `reading the baseline store failed: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Resolves a client's region and credentials before the replay starts, so that a missing one is one
 * usage error with the fix (exit 2), not a failed delivery and a dead letter per alert.
 * @throws CliError (EXIT.usage) naming the flag and what to set.
 */
export async function checkAwsAccess(
  flag: string,
  config: { region: () => Promise<string>; credentials: () => Promise<unknown> },
): Promise<void> {
  let region: string | undefined;
  try {
    region = await config.region();
  } catch {
    region = undefined;
  }
  if (!region) {
    throw new CliError(
      EXIT.usage,
      `${flag} needs an AWS region: pass --region REGION or set AWS_REGION (or a region in your AWS profile)`,
    );
  }
  try {
    await config.credentials();
  } catch (err) {
    const why = err instanceof Error ? safeText(err.message, 200) : 'none found';
    throw new CliError(
      EXIT.usage,
      `${flag} needs AWS credentials (${why}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login`,
      { cause: err },
    );
  }
}

export interface AlertOutput {
  publish(a: Alert): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  failures(): number;
  describe(): string;
  deadLetterPath: string | null;
}

/** A Log on stderr: one sanitised line per message (attacker text cannot start a new line). */
export function stderrLog(ctx: CliContext, opts: { debug?: boolean } = {}): Log {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const extra = fields ? ` ${safeText(JSON.stringify(fields), 400)}` : '';
    ctx.stderr.write(`${level}: ${safeText(msg, 200)}${extra}\n`);
  };
  return {
    debug: (m, f) => (opts.debug ? write('debug', m, f) : undefined),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warning', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/**
 * Sinks for `--slack-webhook`, `--sns-topic` and `--event-bus`, behind the same delivery use case
 * as the Lambdas (retries, dead letters). Failed deliveries are parked in `<store-dir>/dead-letters/`.
 */
export async function openSinks(
  opts: { slackWebhook?: string; snsTopic?: string; eventBus?: string; storeDir?: string; region?: string },
  ctx: CliContext,
  windowMinutes: (rule: string) => number,
): Promise<AlertOutput | null> {
  if (!opts.slackWebhook && !opts.snsTopic && !opts.eventBus) return null;
  const sinks: AlertSink[] = [];
  if (opts.slackWebhook) {
    if (!/^https?:\/\//.test(opts.slackWebhook))
      throw new CliError(EXIT.usage, '--slack-webhook must be an http(s) URL');
    const { SlackWebhookSink, singleWebhookResolver } = await import('../../adapters/slack-webhook.js');
    sinks.push(new SlackWebhookSink({ resolver: singleWebhookResolver(opts.slackWebhook) }));
  }
  if (opts.snsTopic) {
    if (!/^arn:[^:]+:sns:/.test(opts.snsTopic))
      throw new CliError(EXIT.usage, '--sns-topic must be an SNS topic ARN');
    const [{ SNSClient }, { SnsAlertSink }] = await Promise.all([
      import('@aws-sdk/client-sns'),
      import('../../adapters/sns-alerts.js'),
    ]);
    const region = opts.region ?? opts.snsTopic.split(':')[3];
    const client = new SNSClient(region ? { region } : {});
    await checkAwsAccess('--sns-topic', client.config);
    sinks.push(new SnsAlertSink({ client, topicArn: opts.snsTopic }));
  }
  if (opts.eventBus) {
    const [{ EventBridgeClient }, { EventBridgeAlertSink }] = await Promise.all([
      import('@aws-sdk/client-eventbridge'),
      import('../../adapters/eventbridge-alerts.js'),
    ]);
    const client = new EventBridgeClient(opts.region ? { region: opts.region } : {});
    await checkAwsAccess('--event-bus', client.config);
    sinks.push(new EventBridgeAlertSink({ client, eventBusName: opts.eventBus }));
  }
  const { FileDeadLetterSink } = await import('../../adapters/file-dlq.js');
  const { deliverAlerts } = await import('../../app/deliver.js');
  const deadLetter = new FileDeadLetterSink({
    dir: path.resolve(ctx.cwd, opts.storeDir ?? '.iamwatch', 'dead-letters'),
  });
  const log = stderrLog(ctx);
  let pending: Alert[] = [];
  let published = 0;
  let parked = 0;
  let heldBack = 0;
  const delivered = new Map<string, number>();
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const report = await deliverAlerts(batch, { sinks, log, deadLetter, windowMinutes });
    published += report.published;
    parked += report.deadLettered;
    heldBack += report.heldBack ?? 0;
    for (const [k, v] of Object.entries(report.delivered ?? {}))
      delivered.set(k, (delivered.get(k) ?? 0) + v);
  };
  return {
    async publish(a) {
      pending.push(a);
      if (pending.length >= 100) await flush();
    },
    flush,
    async close() {},
    failures: () => parked,
    // What each sink accepted, apart from what was parked (failed, or held back by an open circuit).
    describe: () => {
      const to = sinks.map((s) => {
        const n = delivered.get(s.name) ?? 0;
        return n === published ? `${n} alerts to ${s.name}` : `${n} of ${published} alerts to ${s.name}`;
      });
      if (!parked) return to.join(', ');
      const why = heldBack ? ` (${parked - heldBack} failed, ${heldBack} not attempted: circuit open)` : '';
      return `${to.join(', ')}; ${parked} parked${why} in ${deadLetter.currentFile()}; send them with iamwatch redrive`;
    },
    get deadLetterPath() {
      return parked > 0 ? deadLetter.currentFile() : null;
    },
  };
}
