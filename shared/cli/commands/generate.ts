/**
 * `iamwatch generate`: deterministic synthetic CloudTrail of an organisation, written as
 * S3-style gzip objects with its baseline.yaml and scenarios.json (the planted attacks).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_START,
  DEMO_OPTIONS,
  demoReadme,
  type GenerateOptions,
  GenerateOptionsError,
  Generation,
  parseAttackList,
  SCENARIO_NAMES,
} from '../../../tools/generate/index.js';
import { GenerateOutputError, writeGeneration } from '../../../tools/generate/writer.js';
import { type CliContext, CliError, EXIT } from '../context.js';

interface RawOptions {
  events: string;
  seed: string;
  out: string;
  attacks: string;
  occurrences: string;
  start: string;
  days: string;
  profile?: string;
  force?: boolean;
  gzipLevel: string;
}

function int(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v.replaceAll('_', '')))
    throw new CliError(EXIT.usage, `${name} must be an integer (got "${v.slice(0, 40)}")`);
  const n = Number(v.replaceAll('_', ''));
  if (n < min || n > max)
    throw new CliError(EXIT.usage, `${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** Build generator options from the command line (exported for tests). */
export function optionsFrom(raw: RawOptions, explicit: (name: string) => boolean): GenerateOptions {
  if (raw.profile !== undefined) {
    if (raw.profile !== 'demo')
      throw new CliError(EXIT.usage, `unknown --profile "${raw.profile.slice(0, 40)}" (known: demo)`);
    const fixed = ['events', 'seed', 'attacks', 'occurrences', 'start', 'days'].filter(explicit);
    if (fixed.length > 0) {
      throw new CliError(
        EXIT.usage,
        `--profile demo fixes its own options; do not combine it with ${fixed.map((f) => `--${f}`).join(', ')}`,
      );
    }
    return DEMO_OPTIONS;
  }
  const days = Number(raw.days);
  if (!Number.isFinite(days) || days <= 0)
    throw new CliError(EXIT.usage, `--days must be a positive number (got "${raw.days.slice(0, 40)}")`);
  try {
    return {
      events: int('--events', raw.events, 1, 1_000_000_000),
      seed: raw.seed,
      start: raw.start,
      days,
      attacks: parseAttackList(raw.attacks),
      occurrences: int('--occurrences', raw.occurrences, 1, 1000),
    };
  } catch (e) {
    if (e instanceof GenerateOptionsError) throw new CliError(EXIT.usage, e.message, { cause: e });
    throw e;
  }
}

/** Register `generate` on the program. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .description(
      'write deterministic synthetic CloudTrail of an organisation (S3-style gzip objects), its baseline.yaml and the planted attacks (scenarios.json)',
    )
    .requiredOption('--out <dir>', 'output directory (objects go to <dir>/cloudtrail/AWSLogs/...)')
    .option('--events <n>', 'number of records', '100000')
    .option('--seed <s>', 'seed: same options and seed give byte-identical files', 'iamwatch')
    .option(
      '--attacks <list>',
      `scenarios to plant, comma-separated, "all" or "none": ${SCENARIO_NAMES.join(', ')}`,
      'none',
    )
    .option('--occurrences <n>', 'times each scenario is planted', '3')
    .option('--start <iso>', 'first second of the window', DEFAULT_START)
    .option('--days <d>', 'length of the window in days', '7')
    .option('--profile <name>', 'a fixed profile: "demo" (the bundled examples/demo archive)')
    .option('--force', 'replace a previous generator output in <dir>/cloudtrail')
    .option('--gzip-level <n>', 'gzip level 1-9', '6')
    .action(async (raw: RawOptions, cmd: Command) => {
      const options = optionsFrom(raw, (name) => cmd.getOptionValueSource(name) === 'cli');
      const level = int('--gzip-level', raw.gzipLevel, 1, 9);
      let gen: Generation;
      try {
        gen = new Generation(options);
      } catch (e) {
        if (e instanceof GenerateOptionsError) throw new CliError(EXIT.usage, e.message, { cause: e });
        throw e;
      }
      const out = resolve(ctx.cwd, raw.out);
      const started = performance.now();
      let lastProgress = started;
      const demo = raw.profile === 'demo';
      let result: Awaited<ReturnType<typeof writeGeneration>>;
      try {
        result = await writeGeneration(gen, out, {
          force: raw.force === true,
          level,
          ...(demo ? { extraFiles: (g: Generation) => ({ 'README.md': demoReadme(g) }) } : {}),
          onObject: ({ records }) => {
            if (!ctx.isTTY) return;
            const now = performance.now();
            if (now - lastProgress < 500) return;
            lastProgress = now;
            const pct = Math.floor((100 * records) / options.events);
            ctx.stderr.write(
              `\rgenerate: ${records.toLocaleString('en-US')} / ${options.events.toLocaleString('en-US')} records (${pct}%)`,
            );
          },
        });
      } catch (e) {
        if (e instanceof GenerateOutputError) throw new CliError(EXIT.usage, e.message, { cause: e });
        const msg = e instanceof Error ? e.message : String(e);
        throw new CliError(EXIT.runtime, `generate: writing ${out} failed: ${msg}`, { cause: e });
      }
      const secs = (performance.now() - started) / 1000;
      const s = result.stats;
      if (ctx.isTTY) ctx.stderr.write('\r\x1b[K');
      ctx.stderr.write(
        `generate: ${s.records} records in ${s.objects} objects (${(result.bytesGzip / 1e6).toFixed(1)} MB gzip, ` +
          `${(result.bytesRaw / 1e6).toFixed(1)} MB raw) in ${secs.toFixed(1)} s, ${Math.round(s.records / secs)} records/s\n` +
          `generate: ${result.files.cloudtrail}\ngenerate: ${result.files.baseline}\n` +
          `generate: ${result.files.scenarios} (${gen.scenarios.length} planted scenarios)\n`,
      );
    });
}
