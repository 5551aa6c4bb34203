import { Command, CommanderError } from 'commander';
import { register as registerBackfill } from './commands/backfill.js';
import { register as registerBaseline } from './commands/baseline.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerGenerate } from './commands/generate.js';
import { register as registerIncident } from './commands/incident.js';
import { register as registerRedrive } from './commands/redrive.js';
import { register as registerReplay } from './commands/replay.js';
import { register as registerRules } from './commands/rules.js';
import { register as registerTrace } from './commands/trace.js';
import { type CliContext, CliError, EXIT } from './context.js';
import { safeText } from './text.js';

export const VERSION = '0.1.0';

/** Optional command modules; each registers itself when present in the build. */
type Register = (program: Command, ctx: CliContext) => void;

export function buildProgram(ctx: CliContext, extra: Register[] = []): Command {
  const program = new Command('iamwatch')
    .description('Detect unexpected use and change of AWS IAM identities from CloudTrail')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  for (const reg of [
    registerReplay,
    registerBaseline,
    registerIncident,
    registerRules,
    registerGenerate,
    registerDoctor,
    registerEval,
    registerRedrive,
    registerTrace,
    registerBackfill,
    ...extra,
  ])
    reg(program, ctx);
  return program;
}

/** Runs the CLI in-process; returns the exit code (never throws, never prints a stack unless IAMWATCH_DEBUG). */
export async function main(argv: string[], ctx: CliContext, extra: Register[] = []): Promise<number> {
  const program = buildProgram(ctx, extra);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return exitCodeFor(err, ctx);
  }
}

export function exitCodeFor(err: unknown, ctx: CliContext): number {
  if (err instanceof CliError) {
    if (err.message) ctx.stderr.write(`iamwatch: ${safeText(err.message, 2000)}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    ) {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  const msg = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(`iamwatch: internal error: ${safeText(msg, 500)}\n`);
  if (ctx.env.IAMWATCH_DEBUG && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
  return EXIT.runtime;
}
