import { Command, CommanderError } from 'commander';
import { type CliContext, CliError, EXIT } from './context.js';
import { safeText } from './text.js';

export const VERSION = '0.1.0';

/** Optional command modules; each registers itself when present in the build. */
type Register = (program: Command, ctx: CliContext) => void;

/**
 * The commands in help order, each module loaded with import() only when needed: `iamwatch replay …`
 * loads (and, in the split build, compiles) the replay module and what it imports, never the DynamoDB,
 * generator or eval code of the other commands. Help, `help CMD` and unknown words load them all.
 */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  replay: () => import('./commands/replay.js'),
  baseline: () => import('./commands/baseline.js'),
  incident: () => import('./commands/incident.js'),
  rules: () => import('./commands/rules.js'),
  generate: () => import('./commands/generate.js'),
  doctor: () => import('./commands/doctor.js'),
  eval: () => import('./commands/eval.js'),
  redrive: () => import('./commands/redrive.js'),
  trace: () => import('./commands/trace.js'),
  backfill: () => import('./commands/backfill.js'),
};

/** The command modules `argv` needs: the one it names, none for --version alone, else all of them. */
export function commandsFor(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (argv.length === 1 && (first === '--version' || first === '-V')) return [];
  return Object.keys(COMMANDS);
}

export async function buildProgram(
  ctx: CliContext,
  extra: Register[] = [],
  names: readonly string[] = Object.keys(COMMANDS),
): Promise<Command> {
  const program = new Command('iamwatch')
    .description('Detect unexpected use and change of AWS IAM identities from CloudTrail')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  const modules = await Promise.all(names.map((n) => COMMANDS[n]!()));
  for (const reg of [...modules.map((m) => m.register), ...extra]) reg(program, ctx);
  return program;
}

/** Runs the CLI in-process; returns the exit code (never throws, never prints a stack unless IAMWATCH_DEBUG). */
export async function main(argv: string[], ctx: CliContext, extra: Register[] = []): Promise<number> {
  try {
    const program = await buildProgram(ctx, extra, commandsFor(argv));
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
