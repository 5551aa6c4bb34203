/**
 * `iamwatch trace ACCESS-KEY|EVENT-ID|SESSION-ARN [--from PATH...] [--format tree|json]`: the first command a
 * responder runs from an alert. See shared/app/trace.ts.
 */
import type { Command } from 'commander';
import { type TraceReport, traceFromRecords, traceFromStore } from '../../app/trace.js';
import { buildIndex, emptyBaseline } from '../../core/baseline/in-memory-view.js';
import type { BaselineView } from '../../core/baseline/view.js';
import { shortIdentity } from '../../core/session/record.js';
import { loadValidBaseline } from '../baseline-input.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { openCliStore, withStoreOptions } from '../store.js';
import { safeText } from '../text.js';
import {
  checkS3Inputs,
  collect,
  readInputs,
  resolveInputs,
  type S3Opts,
  trailFilter,
} from './replay-inputs.js';

interface TraceOpts extends S3Opts {
  from?: string[];
  since?: string;
  until?: string;
  account?: string[];
  baseline?: string;
  table?: string;
  endpoint?: string;
  region?: string;
  storeDir?: string;
  format: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('trace')
    .argument(
      '<id>',
      'access key id (ASIA…), event id, or session ARN (arn:aws:sts::…:assumed-role/ROLE/NAME)',
    )
    .description(
      'Show a session: its chain up to the origin (OIDC token, SAML, user key, root, service), its IAM/STS/sign-in calls in time order, and the alerts raised on them',
    )
    .option(
      '--from <paths...>',
      'CloudTrail archives to trace through: files, directories or s3://BUCKET/PREFIX (the CloudTrail key layout)',
    )
    .option(
      '--since <time>',
      'with --from: only events at or after TIME (date, date-time or 7d/36h), as replay',
    )
    .option('--until <time>', 'with --from: only events at or before TIME')
    .option('--account <id>', 'with --from: only this account (repeatable)', collect)
    .option('--aws-region <region>', 'with --from s3://: AWS region of the S3 client')
    .option('--s3-endpoint <url>', 'with --from s3://: S3 endpoint (a local S3 server, tests)')
    .option('--concurrency <n>', 'with --from s3://: objects fetched ahead (default 8)')
    .option(
      '--baseline <file>',
      'with --from: judge alerts against this baseline file (default: no baseline)',
    );
  withStoreOptions(cmd)
    .option('--format <fmt>', 'tree|json', 'tree')
    .action(async (id: string, opts: TraceOpts) => runTrace(id, opts, ctx));
}

async function runTrace(id: string, opts: TraceOpts, ctx: CliContext): Promise<void> {
  if (!['tree', 'json'].includes(opts.format))
    throw new CliError(EXIT.usage, `--format must be tree or json, not "${opts.format}"`);
  let report: TraceReport;
  if (opts.from && opts.from.length > 0) {
    await checkS3Inputs(opts.from, opts);
    const filter = trailFilter(
      {
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.until !== undefined ? { until: opts.until } : {}),
        ...(opts.account !== undefined ? { account: opts.account } : {}),
      },
      Date.now(),
    );
    const inputs = await resolveInputs(opts.from, ctx, { stdin: false });
    const view: BaselineView = opts.baseline
      ? buildIndex((await loadValidBaseline(opts.baseline, ctx)).baseline)
      : buildIndex(emptyBaseline());
    let problems = 0;
    const onProblem = (p: { path: string; line: number | null; reason: string }) => {
      problems += 1;
      if (problems <= 20)
        ctx.stderr.write(
          `${safeText(p.path, 300)}${p.line === null ? '' : `:${p.line}`}: ${safeText(p.reason, 200)}\n`,
        );
    };
    report = await traceFromRecords(
      id,
      readInputs(
        inputs,
        { onProblem, stdin: ctx.stdin, ...(filter ? { filter } : {}) },
        { opts, ctx, listed: { objects: 0, bytes: 0 } },
      ),
      view,
      onProblem,
    );
    if (problems > 20) ctx.stderr.write(`${problems} input problems in all\n`);
  } else {
    const { handle: h } = await openCliStore(opts, ctx);
    try {
      report = await traceFromStore(id, h.sessions, Date.now());
    } catch (err) {
      throw new CliError(
        EXIT.runtime,
        `reading session records failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    } finally {
      await h.close();
    }
  }
  if (opts.format === 'json') ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.stdout.write(renderTraceTree(report));
  for (const n of report.notes) ctx.stderr.write(`note: ${safeText(n, 300)}\n`);
}

/** The tree: origin first, each hop indented under its parent; then actions and alerts. Terminal-safe. */
export function renderTraceTree(r: TraceReport): string {
  const out: string[] = [];
  const t = (s: string | null | undefined, max = 200) => safeText(s ?? '', max);
  out.push(`session ${t(r.key ?? r.query, 80)}`);
  const o = r.origin;
  if (!o) {
    out.push('  origin: unknown (no session record)');
  } else {
    // `why` reads "origin: …" or "origin unknown: …"; say only whether the chain is complete.
    out.push(`  ${o.complete ? 'complete' : 'INCOMPLETE'} — ${t(o.why, 300)}`);
    const first = o.chain[0];
    if (first) {
      const principal = first.subject ?? first.caller ?? first.user ?? '(unknown)';
      const provider = first.provider ? ` via ${t(first.provider, 120)}` : '';
      out.push(`  ${t(principal, 300)} (${first.via}${provider})`);
    }
    o.chain.forEach((h, i) => {
      const indent = '   '.repeat(i + 1);
      const name = h.sessionName ? ` session ${t(h.sessionName, 80)}` : '';
      out.push(`  ${indent}└─ ${t(shortIdentity(h.identity), 120)}  ${t(h.key ?? 'no key', 40)}${name}`);
      out.push(
        `  ${indent}   issued ${t(h.at, 40)}${h.sourceIp ? ` from ${t(h.sourceIp, 60)}` : ''} · event ${t(h.eventId, 80)}`,
      );
      if (h.sourceIdentity) out.push(`  ${indent}   source identity ${t(h.sourceIdentity, 80)}`);
      if (h.tags) {
        const transitive = new Set(h.transitiveTagKeys ?? []);
        const list = Object.entries(h.tags)
          .map(([k, v]) => `${t(k, 128)}=${t(v, 256)}${transitive.has(k) ? ' (transitive)' : ''}`)
          .join(', ');
        out.push(`  ${indent}   tags ${list}`);
      }
    });
  }
  if (r.actions) {
    out.push('', `actions (${r.actions.length})`);
    for (const a of r.actions)
      out.push(
        `  ${t(a.eventTime, 40)}  ${t(a.key, 40)}  ${t(a.eventName, 60)}${a.errorCode ? ` (${t(a.errorCode, 60)})` : ''}  from ${t(a.sourceIp ?? '?', 60)}  ${t(a.eventId, 80)}`,
      );
  }
  if (r.alerts) {
    out.push('', `alerts (${r.alerts.length})`);
    for (const a of r.alerts)
      out.push(
        `  ${t(a.eventTime, 40)}  ${a.severity.toUpperCase()}  ${t(a.rule, 60)}  ${t(a.eventName, 60)}  ${t(a.eventId, 80)}`,
      );
  }
  return `${out.join('\n')}\n`;
}
