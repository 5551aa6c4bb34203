/**
 * Use case: redrive parked alerts — list what the dead-letter queues hold and deliver each alert again to
 * the sink that failed, at most once per (alert id, sink).
 *
 * Sources yield messages (the CLI's dead-letter file lines, SQS messages); {@link decodeParked} reads the
 * shapes they hold: a dead letter `{ alert, reason, sink, … }`, a Lambda on-failure record of slack-notify
 * (its SNS event's alerts), an SNS envelope or a bare alert (SNS subscription DLQ), and — not redrivable
 * here — CloudTrail events detect could not process. For each alert:
 *
 * 1. its key `alertId|sink` is already in the ledger → "already redriven" (an SQS message is deleted);
 * 2. `--dry-run` → "would redrive", nothing sent, the message given back;
 * 3. no target for the sink (e.g. no `--sns-topic`) → kept, with what to pass;
 * 4. otherwise published; on success the key is recorded, then the message acknowledged (SQS delete);
 *    on failure the message is given back, still parked, with the scrubbed reason.
 *
 * Idempotency: alert ids are stable (hash of rule + event id), so the ledger key names one alert on one
 * sink. Limits: a crash between a successful post and the ledger write posts once more on the next run;
 * the ledger is per machine (two operators redriving the same SQS queue are kept apart by the message
 * visibility timeout, not by the ledger); Slack itself does not deduplicate.
 */
import type { Alert } from '../core/alert/alert.js';
import { scrubSecrets } from '../core/alert/dead-letter.js';
import type { AlertSink } from '../ports.js';

/** What a parked message holds. */
export type ParkedItem =
  | { kind: 'alert'; alert: Alert; sink: string; reason: string; failedAt: string | null }
  | { kind: 'other'; what: string; hint: string };

/** One message of a source, with how to settle it. */
export interface ParkedMessage {
  /** `file:line` or `queue-name#message-id`. */
  where: string;
  body: string;
  /** Remove from the source once every alert in it is delivered (SQS delete). Absent: nothing to remove. */
  ack?(): Promise<void>;
  /** Give it back unsettled (SQS: visible again at once). */
  release?(): Promise<void>;
}

export interface RedriveSource {
  readonly name: string;
  messages(): AsyncIterable<ParkedMessage>;
}

/** Which (alert id, sink) pairs were already redriven. */
export interface RedriveLedger {
  has(key: string): Promise<boolean>;
  record(key: string): Promise<void>;
}

export type RedriveStatus =
  | 'would-redrive'
  | 'redriven'
  | 'already-redriven'
  | 'failed'
  | 'no-target'
  | 'not-an-alert';

/** What happened to one parked alert (or one message that holds none). */
export interface RedriveResult {
  source: string;
  where: string;
  alertId: string | null;
  rule: string | null;
  severity: string | null;
  /** Sink the alert failed on, and is redriven to. */
  sink: string | null;
  /** When it was parked, when known. */
  failedAt: string | null;
  status: RedriveStatus;
  /** Why it was parked, why it failed again, or what to do with it. Scrubbed of URLs. */
  detail: string;
}

export interface RedriveDeps {
  sources: RedriveSource[];
  /** Sink per dead-letter `sink` name (`slack`, `sns`, `eventbridge`); absent ones are kept. */
  targets: Partial<Record<string, AlertSink>>;
  /** What to pass for a missing target, per sink name (e.g. `pass --sns-topic ARN`). */
  missingTarget?: (sink: string) => string;
  ledger: RedriveLedger;
  dryRun: boolean;
  /** Called with each result as it is decided (streaming output). */
  onResult?: (r: RedriveResult) => void;
}

export interface RedriveReport {
  results: RedriveResult[];
  counts: Record<RedriveStatus, number>;
  /** Messages that could not be acknowledged after delivery (they will come back; the ledger skips them). */
  ackFailures: Array<{ where: string; reason: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function asAlert(v: unknown): Alert | null {
  return isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.rule === 'string' &&
    typeof v.severity === 'string'
    ? (v as unknown as Alert)
    : null;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

const DETECT_HINT =
  'a CloudTrail event detect could not process: fix the cause, then invoke the detect function with it (docs/deploy.md, "Redrive")';

/** Read what a parked message holds (pure). */
export function decodeParked(body: string): ParkedItem[] {
  const v = parseJson(body);
  if (v === undefined) return [{ kind: 'other', what: 'not JSON', hint: 'inspect and delete it by hand' }];
  if (!isObject(v)) return [{ kind: 'other', what: 'not an object', hint: 'inspect and delete it by hand' }];
  // A dead letter written by deliverAlerts / slack-notify / replay.
  if ('alert' in v && typeof v.sink === 'string' && typeof v.reason === 'string') {
    const alert = asAlert(v.alert);
    if (!alert)
      return [
        {
          kind: 'other',
          what: `unparsed input parked by ${scrubSecrets(v.sink).slice(0, 40)}`,
          hint: 'the raw input is kept in the message; it never became an alert',
        },
      ];
    return [
      {
        kind: 'alert',
        alert,
        sink: v.sink,
        reason: v.reason,
        failedAt: typeof v.failedAt === 'string' ? v.failedAt : null,
      },
    ];
  }
  // A Lambda on-failure destination record: the original event is in requestPayload.
  if (isObject(v.requestContext) && 'requestPayload' in v) {
    const payload = v.requestPayload;
    const records = isObject(payload) && Array.isArray(payload.Records) ? payload.Records : null;
    const fn = typeof v.requestContext.functionArn === 'string' ? v.requestContext.functionArn : '';
    const failedAt = typeof v.timestamp === 'string' ? v.timestamp : null;
    const why = isObject(v.responsePayload)
      ? `${String(v.responsePayload.errorType ?? 'error')}: ${String(v.responsePayload.errorMessage ?? '')}`
      : String(v.requestContext.condition ?? 'failed');
    if (records?.some((r) => isObject(r) && isObject(r.Sns))) {
      return records.map((r): ParkedItem => {
        const msg = isObject(r) && isObject(r.Sns) && typeof r.Sns.Message === 'string' ? r.Sns.Message : '';
        const alert = asAlert(parseJson(msg));
        return alert
          ? { kind: 'alert', alert, sink: 'slack', reason: why, failedAt }
          : {
              kind: 'other',
              what: 'SNS message that is not an alert',
              hint: 'inspect and delete it by hand',
            };
      });
    }
    return [
      {
        kind: 'other',
        what: `failed invocation of ${fn.split(':').pop() || 'a function'}`,
        hint: isObject(payload) && 'detail' in payload ? DETECT_HINT : 'inspect the requestPayload by hand',
      },
    ];
  }
  // SNS subscription DLQ: the SNS envelope (or, with raw delivery, the alert itself).
  if (v.Type === 'Notification' && typeof v.Message === 'string') {
    const alert = asAlert(parseJson(v.Message));
    return alert
      ? [
          {
            kind: 'alert',
            alert,
            sink: 'slack',
            reason: 'SNS could not invoke slack-notify',
            failedAt: typeof v.Timestamp === 'string' ? v.Timestamp : null,
          },
        ]
      : [{ kind: 'other', what: 'SNS message that is not an alert', hint: 'inspect and delete it by hand' }];
  }
  const bare = asAlert(v);
  if (bare)
    return [
      {
        kind: 'alert',
        alert: bare,
        sink: 'slack',
        reason: 'SNS could not invoke slack-notify',
        failedAt: null,
      },
    ];
  if ('detail' in v && 'detail-type' in v)
    return [{ kind: 'other', what: 'an EventBridge event', hint: DETECT_HINT }];
  return [{ kind: 'other', what: 'unrecognised message', hint: 'inspect and delete it by hand' }];
}

/** The ledger key of an alert on a sink. */
export const redriveKey = (alertId: string, sink: string): string => `${alertId}|${sink}`;

/** Redrive every source (see module comment). Never throws for one message; source errors propagate. */
export async function redrive(deps: RedriveDeps): Promise<RedriveReport> {
  const report: RedriveReport = {
    results: [],
    counts: {
      'would-redrive': 0,
      redriven: 0,
      'already-redriven': 0,
      failed: 0,
      'no-target': 0,
      'not-an-alert': 0,
    },
    ackFailures: [],
  };
  const emit = (r: RedriveResult) => {
    report.results.push(r);
    report.counts[r.status]++;
    deps.onResult?.(r);
  };
  // Within one run: an alert parked twice (two replays while Slack was down) is sent once.
  const thisRun = new Set<string>();

  for (const source of deps.sources) {
    for await (const msg of source.messages()) {
      let settled = true;
      for (const item of decodeParked(msg.body)) {
        const base = { source: source.name, where: msg.where };
        if (item.kind === 'other') {
          settled = false;
          emit({
            ...base,
            alertId: null,
            rule: null,
            severity: null,
            sink: null,
            failedAt: null,
            status: 'not-an-alert',
            detail: `${item.what}; ${item.hint}`,
          });
          continue;
        }
        const { alert, sink } = item;
        const key = redriveKey(alert.id, sink);
        const row = {
          ...base,
          alertId: alert.id,
          rule: alert.rule,
          severity: alert.severity,
          sink,
          failedAt: item.failedAt,
        };
        const parkedFor = scrubSecrets(item.reason).slice(0, 200);
        if (thisRun.has(key) || (await deps.ledger.has(key))) {
          emit({ ...row, status: 'already-redriven', detail: `parked for: ${parkedFor}` });
          continue;
        }
        const target = deps.targets[sink];
        if (!target) {
          settled = false;
          emit({
            ...row,
            status: 'no-target',
            detail: deps.missingTarget?.(sink) ?? `no target for sink ${sink}`,
          });
          continue;
        }
        if (deps.dryRun) {
          settled = false;
          thisRun.add(key);
          emit({ ...row, status: 'would-redrive', detail: `parked for: ${parkedFor}` });
          continue;
        }
        try {
          await target.publish(alert);
        } catch (err) {
          settled = false;
          const e = err as { reason?: unknown; message?: unknown };
          const why = typeof e?.reason === 'string' ? e.reason : String(e?.message ?? err);
          emit({ ...row, status: 'failed', detail: scrubSecrets(why).slice(0, 300) });
          continue;
        }
        thisRun.add(key);
        await deps.ledger.record(key);
        emit({ ...row, status: 'redriven', detail: `parked for: ${parkedFor}` });
      }
      try {
        if (settled && !deps.dryRun) await msg.ack?.();
        else await msg.release?.();
      } catch (err) {
        report.ackFailures.push({
          where: msg.where,
          reason: scrubSecrets(err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(
            0,
            300,
          ),
        });
      }
    }
  }
  return report;
}
