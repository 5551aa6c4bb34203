/**
 * `iamwatch baseline …`: baseline as code (validate, diff, sync) and incident-response queries
 * (show, who, seen, stale, learn).
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { SyncResult } from '../../adapters/dynamodb/baseline-store.js';
import type { StoreHandle } from '../../adapters/dynamodb/open-store.js';
import { BaselineLearner, renderLearnedBaseline } from '../../app/baseline/learn.js';
import type { BaselineIssue } from '../../core/baseline/types.js';
import { formatIssue, parseBaselineLazily } from '../../core/baseline/validate.js';
import { normaliseRecord } from '../../core/cloudtrail/normalise.js';
import { issueLine, loadValidBaseline, readBaselineForCli } from '../baseline-input.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { formatOpt, usageDuration } from '../options.js';
import { type CommandDeps, clockOf, requireBaseline, withStore, withStoreOptions } from '../store.js';
import { renderTable, safeText } from '../text.js';
import {
  checkS3Inputs,
  type FilterOpts,
  readInputs,
  type S3Opts,
  trailFilter,
  withFilterOptions,
} from './replay-inputs.js';

/**
 * Asks the store the flags select, which must hold a baseline ({@link requireBaseline}); prints the answer as
 * JSON for `--format json`, else through `table`.
 */
async function answerQuery<T>(
  cmd: Command,
  ctx: CliContext,
  deps: CommandDeps,
  format: string,
  ask: (h: StoreHandle) => Promise<T>,
  table: (r: T) => void,
): Promise<void> {
  await withStore(cmd, ctx, deps, async (h) => {
    await requireBaseline(h);
    const r = await ask(h);
    if (format === 'json') json(ctx, r);
    else table(r);
  });
}

function json(ctx: CliContext, v: unknown): void {
  ctx.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

function renderSync(r: SyncResult, verb: string): string {
  const out: string[] = [];
  for (const a of r.added) out.push(`+ ${safeText(a, 300)}`);
  for (const c of r.changes) out.push(`~ ${safeText(c.arn, 300)}  (${c.fields.join(', ')})`);
  for (const d of r.removed) out.push(`- ${safeText(d, 300)}`);
  for (const k of r.kept) out.push(`? ${safeText(k, 300)}  (not in the file; kept, use --prune to remove)`);
  if (r.settingsChanged) out.push('~ settings (accounts, teams, defaults, suppressions, incidents)');
  out.push(
    `${verb}: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed, ` +
      `${r.unchanged} unchanged${r.kept.length > 0 ? `, ${r.kept.length} only in the store` : ''}` +
      (r.dryRun ? ' (dry run: nothing written)' : ''),
  );
  return `${out.join('\n')}\n`;
}

/** Registers `baseline validate|diff|sync|show|who|seen|stale|learn`. */
export function register(program: Command, ctx: CliContext, deps: CommandDeps = {}): void {
  const baseline = program.command('baseline').description('baseline as code and incident-response queries');
  const answer = <T>(
    cmd: Command,
    format: string,
    ask: (h: StoreHandle) => Promise<T>,
    table: (r: T) => void,
  ): Promise<void> => answerQuery(cmd, ctx, deps, format, ask, table);

  baseline
    .command('validate')
    .argument('<file>', 'baseline YAML file')
    .description('check a baseline file; reports file:line: field: message for each issue (stderr)')
    .option('--strict', 'warnings fail too (exit 2)')
    .option('--format <fmt>', 'text (stderr) | github (Actions annotations on stdout)', 'text')
    .action(async (file: string, opts: { strict?: boolean; format?: string }) => {
      const format = opts.format ?? 'text';
      if (format !== 'text' && format !== 'github') {
        throw new CliError(EXIT.usage, `--format must be text or github, not "${format}"`);
      }
      let loaded: Awaited<ReturnType<typeof readBaselineForCli>>;
      try {
        loaded = await readBaselineForCli(file, ctx, { nowMs: clockOf(deps).nowMs() });
      } catch (err) {
        if (format === 'github' && err instanceof CliError) {
          ctx.stdout.write(
            githubAnnotation({ file, line: null, field: '', message: err.message, level: 'error' }),
          );
        }
        throw err;
      }
      for (const i of loaded.issues) {
        if (format === 'github') ctx.stdout.write(githubAnnotation(i));
        else ctx.stderr.write(`${issueLine(i)}\n`);
      }
      const errors = loaded.errors.length;
      const warnings = loaded.warnings.length;
      const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      // Reference, placeholder, review-date and pattern checks need a file that passed the schema.
      const more =
        errors > 0 && !loaded.baseline
          ? '; the checks that need a valid file (rule and identity references, placeholders, review dates, ' +
            'patterns) run once these are fixed'
          : '';
      if (errors > 0) throw new CliError(EXIT.usage, `${file}: ${counts}${more}`);
      if (opts.strict && warnings > 0) throw new CliError(EXIT.usage, `${file}: ${counts} (--strict)`);
      ctx.stderr.write(`${file}: ok (${loaded.baseline?.identities.length ?? 0} identities, ${counts})\n`);
    });

  withStoreOptions(
    baseline
      .command('diff')
      .argument('<file>', 'baseline YAML file')
      .description('show what `sync --prune` would add, change and remove in the store')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(async (file: string, opts: { format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    const loaded = await loadValidBaseline(file, ctx, {
      nowMs: clockOf(deps).nowMs(),
      consequence: 'nothing was compared',
    });
    await withStore(cmd, ctx, deps, async (h) => {
      const r = await h.store.sync(loaded.baseline, {
        prune: true,
        dryRun: true,
        sourceHash: loaded.sha256,
        sourceName: file,
      });
      const stamp = await h.store.stamp();
      if (format === 'json') {
        json(ctx, { ...r, stamp, fileSha256: loaded.sha256 });
        return;
      }
      if (stamp) {
        ctx.stderr.write(
          `store last synced ${stamp.syncedAt} from ${safeText(stamp.name)} (sha256 ${stamp.sha256.slice(0, 12)}` +
            `${stamp.sha256 === loaded.sha256 ? ', same file' : ''})\n`,
        );
      }
      ctx.stdout.write(renderSync(r, 'diff'));
    });
  });

  withStoreOptions(
    baseline
      .command('sync')
      .argument('<file>', 'baseline YAML file')
      .description('write the baseline to the store (conditional writes; safe to re-run)')
      .option('--prune', 'remove identities that are in the store but not in the file')
      .option('--dry-run', 'show what would change; write nothing')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(
    async (file: string, opts: { prune?: boolean; dryRun?: boolean; format?: string }, cmd: Command) => {
      const format = formatOpt(opts.format);
      const loaded = await loadValidBaseline(file, ctx, {
        nowMs: clockOf(deps).nowMs(),
        consequence: 'nothing was written',
      });
      await withStore(cmd, ctx, deps, async (h) => {
        const r = await h.store.sync(loaded.baseline, {
          prune: Boolean(opts.prune),
          dryRun: Boolean(opts.dryRun),
          sourceHash: loaded.sha256,
          sourceName: file,
        });
        if (format === 'json') json(ctx, { ...r, sha256: loaded.sha256 });
        else ctx.stdout.write(renderSync(r, opts.dryRun ? 'sync (dry run)' : 'synced'));
        if (!opts.dryRun)
          ctx.stderr.write(`stamped ${h.describe} with ${file} sha256 ${loaded.sha256.slice(0, 12)}\n`);
      });
    },
  );

  withStoreOptions(
    baseline
      .command('show')
      .argument('<identity>', 'role or user ARN (a session ARN is mapped to its role)')
      .description('owner, purpose, expected subjects/callers, recent observations, open incidents')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(async (identity: string, opts: { format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    await answer(
      cmd,
      format,
      (h) => h.queries.show(identity),
      (r) => {
        const out: string[] = [];
        const id = r.identity;
        out.push(`identity     ${safeText(r.arn, 300)}`);
        if (!id) out.push('baseline     none: this identity is not in the baseline');
        else {
          if (r.matchedEntry) out.push(`entry        ${safeText(r.matchedEntry, 300)}`);
          out.push(`kind         ${id.kind}`);
          out.push(`owner        ${safeText(id.owner)}`);
          out.push(`purpose      ${safeText(id.purpose, 300)}`);
          out.push(`environment  ${safeText(id.environment ?? '-')}`);
          out.push(`team         ${safeText(id.team ?? '-')}`);
          out.push(`review after ${id.reviewAfter ?? '-'}`);
          for (const o of id.oidc) {
            out.push(
              `oidc         ${safeText(o.provider)}${o.audience ? ` (aud ${safeText(o.audience)})` : ''}` +
                `${o.allowPullRequests ? ' pull requests allowed' : ''}`,
            );
            for (const s of o.subjects) out.push(`  subject    ${safeText(s, 300)}`);
            for (const w of o.workflows ?? []) out.push(`  workflow   ${safeText(w, 300)}`);
          }
          for (const c of id.callers) out.push(`caller       ${safeText(c, 300)}`);
          if (r.syncedAt) out.push(`synced       ${r.syncedAt} (revision ${r.revision})`);
        }
        out.push(`incidents    ${r.incidents.length === 0 ? 'none open' : ''}`.trimEnd());
        for (const w of r.incidents) {
          out.push(
            `  ${w.id}  ${safeText(w.ticket)}  ${w.from} → ${w.until}  ${safeText(w.reason ?? '')}`.trimEnd(),
          );
        }
        ctx.stdout.write(`${out.join('\n')}\n`);
        if (r.observations.length === 0) ctx.stdout.write('observations none recorded\n');
        else {
          ctx.stdout.write('\n');
          ctx.stdout.write(observationTable(r.observations));
        }
      },
    );
  });

  withStoreOptions(
    baseline
      .command('who')
      .argument('<query>', 'OIDC subject, owner/repo, or caller ARN / account')
      .description('which roles a repository, subject or caller may assume, and which it did')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(async (query: string, opts: { format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    await answer(
      cmd,
      format,
      (h) => h.queries.who(query),
      (r) => {
        ctx.stdout.write(`may assume (${r.allowed.length}):\n`);
        ctx.stdout.write(
          r.allowed.length === 0
            ? 'none\n'
            : renderTable(
                ['ROLE', 'OWNER', 'KIND', 'PATTERN'],
                r.allowed.map((a) => [a.role, a.owner ?? '-', a.identityKind ?? '-', a.pattern]),
                [90, 30, 12, 120],
              ),
        );
        ctx.stdout.write(`\nassumed (${r.observed.length}):\n`);
        ctx.stdout.write(
          r.observed.length === 0
            ? 'none recorded\n'
            : renderTable(
                ['ROLE', 'PRINCIPAL', 'COUNT', 'FIRST SEEN', 'LAST SEEN', 'EXPECTED'],
                r.observed.map((o) => [
                  o.identity,
                  o.principal,
                  String(o.count),
                  o.firstSeen,
                  o.lastSeen,
                  o.expected ? 'yes' : 'NO',
                ]),
                [90, 120, 8, 24, 24, 8],
              ),
        );
      },
    );
  });

  withStoreOptions(
    baseline
      .command('seen')
      .argument('<identity>', 'role or user ARN')
      .description('subjects and callers that used an identity, flagging those the baseline does not allow')
      .option('--since <duration>', 'look back this far (e.g. 24h, 7d)', '7d')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(async (identity: string, opts: { since: string; format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    const sinceMs = clockOf(deps).nowMs() - usageDuration(opts.since, '--since');
    await answer(
      cmd,
      format,
      (h) => h.queries.seen(identity, sinceMs),
      (r) => {
        if (!r.inBaseline) ctx.stderr.write(`${safeText(r.identity, 300)} is not in the baseline\n`);
        if (r.principals.length === 0) ctx.stdout.write(`nothing recorded since ${r.since}\n`);
        else ctx.stdout.write(observationTable(r.principals));
        const unexpected = r.principals.filter((p) => p.allowed === false).length;
        if (unexpected > 0) ctx.stderr.write(`${unexpected} principal(s) not allowed by the baseline\n`);
      },
    );
  });

  withStoreOptions(
    baseline
      .command('stale')
      .description('identities past review_after, or unused for N days')
      .option('--unused-days <n>', 'also list identities not seen for N days (never seen counts)')
      .option('--format <fmt>', 'table|json', 'table'),
  ).action(async (opts: { unusedDays?: string; format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    let unusedDays: number | undefined;
    if (opts.unusedDays !== undefined) {
      unusedDays = Number(opts.unusedDays);
      if (!Number.isInteger(unusedDays) || unusedDays < 1) {
        throw new CliError(
          EXIT.usage,
          `--unused-days must be a whole number of days, not "${opts.unusedDays}"`,
        );
      }
    }
    await answer(
      cmd,
      format,
      (h) => h.queries.stale(unusedDays === undefined ? {} : { unusedDays }),
      (r) => {
        ctx.stdout.write(
          r.length === 0
            ? 'nothing stale\n'
            : renderTable(
                ['IDENTITY', 'OWNER', 'KIND', 'REVIEW AFTER', 'LAST SEEN', 'WHY'],
                r.map((s) => [
                  s.arn,
                  s.owner,
                  s.kind,
                  s.reviewAfter ?? '-',
                  s.lastSeen ?? 'never',
                  s.reasons.join(','),
                ]),
                [90, 30, 12, 12, 24, 30],
              ),
        );
      },
    );
  });

  withFilterOptions(
    baseline
      .command('learn')
      .argument('<paths...>', 'CloudTrail files or directories (gzip ok), s3://BUCKET/PREFIX')
      .description('propose a baseline YAML from observed role assumptions (exact subjects/callers only)')
      .option('--out <file>', 'write the YAML here instead of stdout'),
  )
    .option('--aws-region <region>', 'AWS region of the S3 client')
    .option('--s3-endpoint <url>', 'S3 endpoint (a local S3 server, tests)')
    .action(async (paths: string[], opts: { out?: string } & FilterOpts & S3Opts) => {
      const filter = trailFilter(opts, Date.now());
      await checkS3Inputs(paths, opts);
      const learner = new BaselineLearner();
      let problems = 0;
      const inputs = paths.map((p) => (p === '-' || p.startsWith('s3://') ? p : path.resolve(ctx.cwd, p)));
      // A mistyped path must not yield an empty proposal that looks like "nothing to trust".
      for (const [i, p] of inputs.entries()) {
        if (p === '-' || p.startsWith('s3://')) continue;
        await stat(p).catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException | undefined)?.code;
          throw new CliError(
            EXIT.usage,
            `${paths[i]}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${code ?? String(err)})`}`,
            { cause: err },
          );
        });
      }
      try {
        const read = {
          ...(filter ? { filter } : {}),
          onProblem: (p: { path: string; line: number | null; reason: string }) => {
            problems++;
            if (problems <= 20) {
              ctx.stderr.write(
                `${safeText(display(p.path, ctx), 300)}:${p.line ?? '-'}: ${safeText(p.reason, 300)}\n`,
              );
            }
          },
        };
        for await (const batch of readInputs(inputs, read, { opts, ctx, listed: { objects: 0, bytes: 0 } })) {
          for (const rec of batch) {
            const n = normaliseRecord(rec.raw);
            if (n.ok) learner.add(n.event);
            else {
              problems++;
              if (problems <= 20) {
                ctx.stderr.write(
                  `${safeText(display(rec.path, ctx), 300)}:${rec.line}: ${safeText(n.reason, 300)}\n`,
                );
              }
            }
          }
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(EXIT.runtime, `cannot read CloudTrail input: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const yaml = renderLearnedBaseline(learner, { nowMs: clockOf(deps).nowMs() });
      // The proposal must itself be a valid baseline.
      const check = await parseBaselineLazily(yaml, opts.out ?? '<learned>');
      if (check.issues.some((i) => i.level === 'error')) {
        throw new CliError(
          EXIT.runtime,
          `internal error: learned baseline does not validate:\n${check.issues.map(formatIssue).join('\n')}`,
        );
      }
      if (opts.out) await writeFile(path.resolve(ctx.cwd, opts.out), yaml);
      else ctx.stdout.write(yaml);
      ctx.stderr.write(
        `learned ${learner.roles.size} role(s) from ${learner.used} assumptions in ${learner.events} events` +
          `${problems > 0 ? `; ${problems} record(s) skipped` : ''}${opts.out ? `; wrote ${opts.out}` : ''}\n`,
      );
    });
}

function display(p: string, ctx: CliContext): string {
  if (p.startsWith('s3://')) return p;
  const rel = path.relative(ctx.cwd, p);
  return rel && !rel.startsWith('..') ? rel : p;
}

function observationTable(
  rows: Array<{
    principal: string;
    count: number;
    firstSeen: string;
    lastSeen: string;
    lastEventId: string;
    allowed: boolean | null;
  }>,
): string {
  return renderTable(
    ['PRINCIPAL', 'COUNT', 'FIRST SEEN', 'LAST SEEN', 'ALLOWED', 'LAST EVENT'],
    rows.map((o) => [
      o.principal,
      String(o.count),
      o.firstSeen,
      o.lastSeen,
      o.allowed === null ? '-' : o.allowed ? 'yes' : 'NO',
      o.lastEventId,
    ]),
    [120, 8, 24, 24, 7, 40],
  );
}

/**
 * One GitHub Actions workflow command (`::error file=F,line=L,title=FIELD::message`), escaped as
 * the runner expects: `%`, CR and LF in the message; also `:` and `,` in properties.
 */
export function githubAnnotation(i: BaselineIssue): string {
  const data = (s: string) =>
    safeText(s, 1000).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [`file=${prop(i.file)}`];
  if (i.line !== null) props.push(`line=${i.line}`);
  if (i.field !== '') props.push(`title=${prop(i.field)}`);
  return `::${i.level === 'warning' ? 'warning' : 'error'} ${props.join(',')}::${data(i.message)}\n`;
}
