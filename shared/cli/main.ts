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

/**
 * What `iamwatch --help` lists for each command (commander's term and description), so that top-level help
 * loads no command module. test/cli/startup-graph.test.ts fails when this differs from what the modules
 * register; copy the new text from its message.
 */
export const SUMMARIES: ReadonlyArray<readonly [term: string, description: string]> = [
  [
    'replay [options] <paths...>',
    'Replay CloudTrail files (S3 objects, JSON, JSON lines, EventBridge envelopes; gzip or not) through the detection rules',
  ],
  ['baseline', 'baseline as code and incident-response queries'],
  ['incident', 'break-glass incident windows'],
  ['rules', 'List and describe detection rules'],
  [
    'generate [options]',
    'write deterministic synthetic CloudTrail of an organisation (S3-style gzip objects), its baseline.yaml and the planted attacks (scenarios.json)',
  ],
  [
    'doctor [options]',
    'Check that the deployed EventBridge rules are enabled, unchanged and still target iamwatch',
  ],
  [
    'eval [options]',
    'Replay the labelled public datasets (test/datasets) and print recall and false positives',
  ],
  ['redrive [options]', 'list parked alerts and deliver them again (dead-letter file and queues)'],
  [
    'trace [options] <id>',
    'Show a session: its chain up to the origin (OIDC token, SAML, user key, root, service), its IAM/STS/sign-in calls in time order, and the alerts raised on them',
  ],
  [
    'backfill',
    'Organisation-wide backfill of an Organization trail on the stack (Step Functions Distributed Map)',
  ],
];

/** Registers each command as its SUMMARIES entry only: enough for top-level help, nothing to run. */
function registerSummaries(program: Command): void {
  for (const [term, description] of SUMMARIES) {
    const [name = '', ...rest] = term.split(' ');
    const cmd = program.command(name).description(description);
    for (const word of rest) {
      if (word === '[options]') cmd.option('--options', 'stands for the options of the command');
      else cmd.argument(word);
    }
  }
}

/**
 * The command modules `argv` needs: the one it names (also as `help CMD`); none for --version or for
 * top-level help (null: SUMMARIES stand in); else, for anything commander must judge, all of them.
 */
export function commandsFor(argv: readonly string[]): string[] | null {
  const [first, second] = argv;
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === 'help' && argv.length === 2 && second !== undefined && Object.hasOwn(COMMANDS, second))
    return [second];
  if (argv.length === 1 && (first === '--version' || first === '-V')) return [];
  if (argv.length === 0 || (argv.length === 1 && (first === '--help' || first === '-h'))) return null;
  return Object.keys(COMMANDS);
}

/**
 * The program with the modules of `names` registered (all by default); null registers SUMMARIES instead
 * (top-level help), then `extra`.
 */
export async function buildProgram(
  ctx: CliContext,
  extra: Register[] = [],
  names: readonly string[] | null = Object.keys(COMMANDS),
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
  if (names === null) registerSummaries(program);
  const modules = await Promise.all((names ?? []).map((n) => COMMANDS[n]!()));
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
