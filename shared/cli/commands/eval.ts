/**
 * `iamwatch eval`: replays the labelled public datasets in test/datasets through the rule catalogue and
 * prints recall and false positives (see tools/eval). The table on stdout is deterministic and kept
 * as test/eval/eval-output.golden.txt; `--update-golden` rewrites that file. Timings go to stderr.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EvalDatasetError } from '../../../tools/eval/labels.js';
import { renderEvalReport } from '../../../tools/eval/render.js';
import { type DatasetReader, runEval } from '../../../tools/eval/run.js';
import { readCloudTrail } from '../../adapters/cloudtrail-files/read.js';
import { formatIssue, parseBaseline } from '../../core/baseline/parse.js';
import type { Baseline } from '../../core/baseline/types.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { findUp } from '../find-up.js';

/** Where the datasets live in the repository, and the golden copy of the table. */
export const DATASETS_REL = path.join('test', 'datasets');
export const GOLDEN_REL = path.join('test', 'eval', 'eval-output.golden.txt');
/** Optional baseline the datasets meet, inside the datasets folder; without it the baseline is empty. */
export const EVAL_BASELINE_FILE = 'eval-baseline.yaml';

const EMPTY_BASELINE = 'version: 1\nidentities: []\n';

interface EvalOptions {
  datasets?: string;
  updateGolden?: boolean;
  golden?: string;
  format: string;
}

/**
 * The repository root: the nearest directory holding package.json and test/datasets, searched upwards
 * from the working directory, then from this module (dist/ in the build, shared/cli/commands in source).
 */
export function findRepoRoot(cwd: string, moduleUrl: string = import.meta.url): string | null {
  return findUp(cwd, moduleUrl, (dir) =>
    existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, DATASETS_REL)) ? dir : null,
  );
}

/** A DatasetReader over a directory: labels through readFile, records through the CloudTrail file reader. */
export function fileDatasetReader(root: string): DatasetReader {
  const abs = (rel: string) => path.join(root, ...rel.split('/'));
  return {
    async readJson(rel) {
      let text: string;
      try {
        text = await readFile(abs(rel), 'utf8');
      } catch (err) {
        throw new EvalDatasetError(`${rel}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, {
          cause: err,
        });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new EvalDatasetError(`${rel}: not JSON (${err instanceof Error ? err.message : err})`, {
          cause: err,
        });
      }
    },
    async *records(rel, onProblem) {
      for await (const batch of readCloudTrail([abs(rel)], { onProblem: (p) => onProblem(p) }))
        yield batch.map((r) => ({ raw: r.raw, path: rel, line: r.line }));
    },
  };
}

async function loadBaseline(datasets: string): Promise<{ name: string; baseline: Baseline }> {
  const file = path.join(datasets, EVAL_BASELINE_FILE);
  const exists = existsSync(file);
  const text = exists ? await readFile(file, 'utf8') : EMPTY_BASELINE;
  const shown = exists
    ? `${EVAL_BASELINE_FILE} (in the datasets folder)`
    : 'empty (no identities, no accounts)';
  const { baseline, issues } = parseBaseline(text, exists ? file : '(empty baseline)');
  if (!baseline) {
    throw new CliError(
      EXIT.usage,
      `the eval baseline is invalid:\n${issues
        .filter((i) => i.level === 'error')
        .map(formatIssue)
        .join('\n')}`,
    );
  }
  return { name: shown, baseline };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('Replay the labelled public datasets (test/datasets) and print recall and false positives')
    .option('--datasets <dir>', 'datasets folder (default: test/datasets of the repository)')
    .option('--update-golden', 'rewrite the golden copy of the table (test/eval/eval-output.golden.txt)')
    .option('--golden <file>', 'golden file to rewrite with --update-golden (default: the repository one)')
    .option('--format <fmt>', 'table|json', 'table')
    .action(async (opts: EvalOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json')
        throw new CliError(EXIT.usage, `--format must be table or json (got "${opts.format.slice(0, 40)}")`);
      if (opts.updateGolden && opts.format !== 'table')
        throw new CliError(
          EXIT.usage,
          '--update-golden writes the table: do not combine it with --format json',
        );
      const root = findRepoRoot(ctx.cwd);
      const datasets = opts.datasets
        ? path.resolve(ctx.cwd, opts.datasets)
        : root
          ? path.join(root, DATASETS_REL)
          : null;
      if (!datasets || !existsSync(datasets))
        throw new CliError(
          EXIT.usage,
          datasets
            ? `datasets folder ${datasets} does not exist`
            : 'cannot find test/datasets: run from the iamwatch repository or pass --datasets DIR',
        );
      const started = performance.now();
      let report: Awaited<ReturnType<typeof runEval>>;
      try {
        report = await runEval({
          reader: fileDatasetReader(datasets),
          baseline: await loadBaseline(datasets),
        });
      } catch (err) {
        if (err instanceof EvalDatasetError) throw new CliError(EXIT.usage, err.message, { cause: err });
        throw err;
      }
      const text = opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderEvalReport(report);
      ctx.stdout.write(text);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      ctx.stderr.write(`eval: ${report.rules.length} rules over the datasets in ${seconds} s\n`);
      if (opts.updateGolden) {
        const golden = opts.golden
          ? path.resolve(ctx.cwd, opts.golden)
          : root
            ? path.join(root, GOLDEN_REL)
            : null;
        if (!golden) throw new CliError(EXIT.usage, 'cannot find the repository: pass --golden FILE');
        try {
          await mkdir(path.dirname(golden), { recursive: true });
          await writeFile(golden, text);
        } catch (err) {
          throw new CliError(
            EXIT.runtime,
            `cannot write ${golden}: ${err instanceof Error ? err.message : err}`,
            {
              cause: err,
            },
          );
        }
        ctx.stderr.write(`eval: golden updated: ${golden}\n`);
      }
    });
}
