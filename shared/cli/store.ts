/**
 * The store plumbing of the CLI: the `--table`/`--endpoint`/`--region`/`--store-dir` flags, opening the
 * store they select (a DynamoDB table, else the embedded store), and running a command with it open.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { OpenStoreOptions, StoreHandle } from '../adapters/dynamodb/open-store.js';
import type { Clock } from '../ports.js';
import { AdapterError } from '../ports.js';
import { type CliContext, CliError, EXIT } from './context.js';
import { safeText } from './text.js';

/** What commands need besides the context; tests inject a store opener and a clock. */
export interface CommandDeps {
  openStore?: (opts: OpenStoreOptions) => Promise<StoreHandle>;
  clock?: Clock;
}

/** The store flags as parsed (each command that takes them may default `storeDir`). */
export interface StoreFlags {
  table?: string;
  endpoint?: string;
  region?: string;
  storeDir?: string;
}

/** The injected clock, else the system clock. */
export function clockOf(deps: CommandDeps): Clock {
  return deps.clock ?? { nowMs: () => Date.now() };
}

/** Adds `--table`, `--endpoint`, `--region`, `--store-dir` to a command. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--table <name>', 'DynamoDB table (default: $IAMWATCH_TABLE, else the embedded store)')
    .option('--endpoint <url>', 'DynamoDB endpoint (DynamoDB Local, tests)')
    .option('--region <region>', 'AWS region of the table')
    .option('--store-dir <dir>', 'directory of the embedded store (default .iamwatch)');
}

/** The store the flags select: `--table` else $IAMWATCH_TABLE, else the embedded store in `--store-dir`. */
export function storeOptions(
  flags: StoreFlags,
  ctx: CliContext,
): { opts: OpenStoreOptions; dirAsTyped: string } {
  const opts: OpenStoreOptions = {};
  const table = flags.table ?? ctx.env.IAMWATCH_TABLE;
  if (table) opts.table = table;
  if (flags.endpoint) opts.endpoint = flags.endpoint;
  if (flags.region) opts.region = flags.region;
  const dir = flags.storeDir ?? '.iamwatch';
  opts.dir = path.isAbsolute(dir) ? dir : path.join(ctx.cwd, dir);
  return { opts, dirAsTyped: dir };
}

/**
 * Opens the store the flags select (see {@link storeOptions}), with `extra` options.
 * @throws CliError (exit 3) with the reason, the store directory as typed.
 */
export async function openCliStore(
  flags: StoreFlags,
  ctx: CliContext,
  extra: Pick<OpenStoreOptions, 'clock' | 'observationMarkers'> & Pick<CommandDeps, 'openStore'> = {},
): Promise<{ handle: StoreHandle; opts: OpenStoreOptions; dirAsTyped: string }> {
  const { opts, dirAsTyped } = storeOptions(flags, ctx);
  if (extra.clock) opts.clock = extra.clock;
  if (extra.observationMarkers) opts.observationMarkers = true;
  try {
    // Loaded here, not at the top: the DynamoDB client and the embedded store are a large part of the CLI,
    // and commands that never open a store (replay --baseline, baseline validate, --help) skip them.
    const open = extra.openStore ?? (await import('../adapters/dynamodb/open-store.js')).openStore;
    return { handle: await open(opts), opts, dirAsTyped };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliError(EXIT.runtime, msg.replace(opts.dir!, dirAsTyped), { cause: err });
  }
}

/**
 * Opens the store the command's flags (or IAMWATCH_TABLE) select and says which on stderr; failures become
 * exit 3 with the reason.
 */
export async function openStoreFor(cmd: Command, ctx: CliContext, deps: CommandDeps): Promise<StoreHandle> {
  const { handle, opts, dirAsTyped } = await openCliStore(cmd.optsWithGlobals() as StoreFlags, ctx, {
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.openStore ? { openStore: deps.openStore } : {}),
  });
  // Which store answered is part of every answer: a query against the wrong one looks like "nothing".
  const described = storeDescription(opts, dirAsTyped, ctx);
  descriptions.set(handle, described);
  ctx.stderr.write(`store: ${safeText(described, 400)}\n`);
  return handle;
}

/** What openStoreFor announced for each handle (paths as typed, unlike the handle's own `describe`). */
const descriptions = new WeakMap<StoreHandle, string>();

/** `embedded store ./.iamwatch/` or `table NAME (region R, endpoint E)`, paths as typed. */
export function storeDescription(opts: OpenStoreOptions, dirAsTyped: string, ctx: CliContext): string {
  if (opts.table) {
    const region = opts.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
    const where = [
      region ? `region ${region}` : 'region from the AWS profile',
      opts.endpoint ? `endpoint ${opts.endpoint}` : null,
    ].filter(Boolean);
    return `table ${opts.table} (${where.join(', ')})`;
  }
  const shown =
    path.isAbsolute(dirAsTyped) || /^\.\.?[\\/]/.test(dirAsTyped) ? dirAsTyped : `./${dirAsTyped}`;
  return `embedded store ${shown.endsWith('/') ? shown : `${shown}/`}`;
}

/**
 * For queries (show, who, seen, stale): a store that was never synced has no baseline, and
 * "nothing stale" or "not in the baseline" from it would be a wrong answer. Exit 2 and say so.
 */
export async function requireBaseline(h: StoreHandle): Promise<void> {
  if ((await h.store.stamp()) !== null) return;
  if ((await h.store.listIdentities()).length > 0) return;
  throw new CliError(
    EXIT.usage,
    `${descriptions.get(h) ?? h.describe} holds no baseline: run \`iamwatch baseline sync FILE\` first (or pick another store with --table / --store-dir)`,
  );
}

/** Runs `fn` with an open store; closes it after, and maps adapter failures to exit 3. */
export async function withStore<T>(
  cmd: Command,
  ctx: CliContext,
  deps: CommandDeps,
  fn: (h: StoreHandle) => Promise<T>,
): Promise<T> {
  const h = await openStoreFor(cmd, ctx, deps);
  try {
    return await fn(h);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof AdapterError) throw new CliError(EXIT.runtime, err.message, { cause: err });
    throw err;
  } finally {
    await h.close();
  }
}
