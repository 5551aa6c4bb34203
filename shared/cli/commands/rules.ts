import type { Command } from 'commander';
import { RULES, ruleById } from '../../core/rules/index.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { renderTable } from '../text.js';

export function register(program: Command, ctx: CliContext): void {
  const rules = program.command('rules').description('List and describe detection rules');
  rules
    .command('list')
    .description('List every rule with its default severity and the events it reads')
    .option('--format <fmt>', 'table|json', 'table')
    .action((opts: { format: string }) => {
      if (opts.format === 'json') {
        ctx.stdout.write(
          `${JSON.stringify(
            RULES.map((r) => r.meta),
            null,
            2,
          )}\n`,
        );
        return;
      }
      const rows = RULES.map((r) => [
        r.meta.id,
        r.meta.severity,
        r.meta.appliesTo === 'any' ? '(every event)' : r.meta.appliesTo.eventNames.join(','),
        r.meta.title,
      ]);
      ctx.stdout.write(renderTable(['ID', 'SEVERITY', 'EVENTS', 'TITLE'], rows, [32, 9, 60, 80]));
    });
  rules
    .command('show')
    .argument('<id>', 'rule id')
    .description('Show a rule: description, severity, ATT&CK ids, false positives, runbook')
    .option('--format <fmt>', 'text|json', 'text')
    .action((id: string, opts: { format: string }) => {
      const r = ruleById(id);
      if (!r) throw new CliError(EXIT.usage, `no rule "${id}"; see iamwatch rules list`);
      const m = r.meta;
      if (opts.format === 'json') {
        ctx.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      const events =
        m.appliesTo === 'any'
          ? 'every event'
          : `${m.appliesTo.eventSources.join(', ')}: ${m.appliesTo.eventNames.join(', ')}`;
      ctx.stdout.write(
        [
          `${m.id} — ${m.title}`,
          '',
          m.description,
          '',
          `severity:        ${m.severity}`,
          `events:          ${events}`,
          `ATT&CK:          ${m.attack.join(', ') || '-'}`,
          `Stratus:         ${m.emulatedBy.join(', ') || '-'}`,
          `dedupe window:   ${m.dedupWindowMinutes} min`,
          'false positives:',
          ...m.falsePositives.map((f) => `  - ${f}`),
          `runbook:         ${m.runbook}`,
          '',
        ].join('\n'),
      );
    });
}
