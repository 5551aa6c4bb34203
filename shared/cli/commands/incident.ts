/**
 * `iamwatch incident open|list|close`: live break-glass windows in the store.
 */
import type { Command } from 'commander';
import { IncidentRequestError, incidentIdentityWarning, openIncident } from '../../app/baseline/incidents.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { formatOpt, usageDuration } from '../options.js';
import { type CommandDeps, clockOf, withStore, withStoreOptions } from '../store.js';
import { renderTable, safeText } from '../text.js';

/** Registers `incident open|list|close`. */
export function register(program: Command, ctx: CliContext, deps: CommandDeps = {}): void {
  const incident = program.command('incident').description('break-glass incident windows');

  withStoreOptions(
    incident
      .command('open')
      .argument('<identity>', 'ARN of the break-glass identity')
      .requiredOption('--ticket <id>', 'incident ticket (e.g. INC-1234)')
      .requiredOption('--for <duration>', 'window length from now (e.g. 2h; at most 7d)')
      .option('--reason <text>', 'why the identity is being used')
      .option('--format <fmt>', 'table|json', 'table')
      .description('declare that an identity may be used now (break-glass-used drops to low severity)'),
  ).action(
    async (
      identity: string,
      opts: { ticket: string; for: string; reason?: string; format?: string },
      cmd: Command,
    ) => {
      const format = formatOpt(opts.format);
      const durationMs = usageDuration(opts.for, '--for');
      await withStore(cmd, ctx, deps, async (h) => {
        const req: { identity: string; ticket: string; durationMs: number; reason?: string } = {
          identity,
          ticket: opts.ticket,
          durationMs,
        };
        if (opts.reason !== undefined) req.reason = opts.reason;
        const w = await openIncident(h.store, clockOf(deps), req).catch((err: unknown) => {
          if (err instanceof IncidentRequestError)
            throw new CliError(EXIT.usage, err.message, { cause: err });
          throw err;
        });
        if (format === 'json') ctx.stdout.write(`${JSON.stringify(w, null, 2)}\n`);
        else ctx.stdout.write(`${w.id}\n`);
        ctx.stderr.write(
          `opened ${w.id} for ${safeText(identity, 300)} until ${w.until} (${safeText(opts.ticket, 100)})\n`,
        );
        const warning = incidentIdentityWarning(identity, (await h.store.view()).lookup(identity));
        if (warning) ctx.stderr.write(`warning: ${safeText(warning, 600)}\n`);
      });
    },
  );

  withStoreOptions(
    incident
      .command('list')
      .option('--all', 'include closed and ended windows (until they expire)')
      .option('--format <fmt>', 'table|json', 'table')
      .description('open incident windows'),
  ).action(async (opts: { all?: boolean; format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    await withStore(cmd, ctx, deps, async (h) => {
      const list = await h.store.listStoredIncidents({ includeClosed: Boolean(opts.all) });
      if (format === 'json') {
        ctx.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const now = clockOf(deps).nowMs();
      ctx.stdout.write(
        list.length === 0
          ? 'no open incidents\n'
          : renderTable(
              ['ID', 'IDENTITY', 'TICKET', 'FROM', 'UNTIL', 'STATE', 'REASON'],
              list.map((w) => [
                w.id,
                w.identity,
                w.ticket,
                w.from,
                w.until,
                w.closedAt ? 'closed' : Date.parse(w.until) <= now ? 'ended' : 'open',
                w.reason ?? '',
              ]),
              [20, 90, 30, 24, 24, 8, 80],
            ),
      );
    });
  });

  withStoreOptions(
    incident
      .command('close')
      .argument('<id>', 'incident id (from `incident open` or `incident list`)')
      .option('--format <fmt>', 'table|json', 'table')
      .description('end an incident window now'),
  ).action(async (id: string, opts: { format?: string }, cmd: Command) => {
    const format = formatOpt(opts.format);
    await withStore(cmd, ctx, deps, async (h) => {
      const w = await h.store.closeIncident(id);
      if (!w) throw new CliError(EXIT.usage, `no incident ${id} (it may have expired)`);
      if (format === 'json') ctx.stdout.write(`${JSON.stringify(w, null, 2)}\n`);
      else ctx.stdout.write(`${w.id} closed at ${w.until}\n`);
    });
  });
}
