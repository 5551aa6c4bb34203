/**
 * What each command makes node compile at start-up (issue 14). The CLI is split into chunks
 * (scripts/cli-build.mjs) and main.ts imports a command's module only when it runs; these tests read
 * esbuild's metafile of the real build, and the files a real `replay --baseline` process loads, so that
 * a static import of the AWS SDK, the DynamoDB store or another command's code on those paths fails here
 * instead of silently adding to every run's start-up. No timing: the module graph is the contract.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltCli, bareEnv, buildCli, type ProcRun, runBuilt } from '../helpers/built-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = path.join(root, 'examples/demo');

/** Source modules that a command which opens no store and delivers nowhere must never compile. */
const HEAVY: Array<[string, RegExp]> = [
  ['the AWS SDK', /node_modules\/@(aws-sdk|smithy)\//],
  ['the DynamoDB store', /shared\/adapters\/(dynamodb\/|embedded-store)/],
  ['alert delivery', /shared\/adapters\/(slack-webhook|sns-alerts|eventbridge-alerts|sqs-dlq)\.ts$/],
  ['the generator', /tools\/generate\//],
  ['the eval tooling', /tools\/eval\//],
];

let cli: BuiltCli;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli.cleanup());

/** The output file built from `entry` (the CLI's entry, or a module main.ts imports with import()). */
function outputOf(meta: Metafile, entry: string): string {
  const found = Object.entries(meta.outputs).find(([, o]) => o.entryPoint?.endsWith(entry));
  if (!found) throw new Error(`no output built from ${entry}`);
  return found[0];
}

/** Output files loaded, before any of their code runs, when `outputs` are imported: their static closure. */
function staticClosure(meta: Metafile, outputs: string[]): Set<string> {
  const seen = new Set(outputs);
  const queue = [...outputs];
  for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
    for (const im of meta.outputs[o]?.imports ?? []) {
      if (im.kind !== 'import-statement' || im.external || seen.has(im.path)) continue;
      seen.add(im.path);
      queue.push(im.path);
    }
  }
  return seen;
}

/** The heavy areas (HEAVY) whose source modules are bundled into any of `outputs`, with one module each. */
function heavyIn(meta: Metafile, outputs: Iterable<string>): string[] {
  const found = new Map<string, string>();
  for (const o of outputs) {
    for (const input of Object.keys(meta.outputs[o]?.inputs ?? {})) {
      for (const [what, re] of HEAVY) if (re.test(input) && !found.has(what)) found.set(what, input);
    }
  }
  return [...found].map(([what, input]) => `${what} (${input})`);
}

/** Source modules bundled into `outputs` whose path matches `re`. */
function inputsIn(meta: Metafile, outputs: Iterable<string>, re: RegExp): string[] {
  return [...outputs].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}).filter((i) => re.test(i)));
}

describe('the split CLI bundle (metafile)', () => {
  it('the entry itself holds no command: --version and each command load only what they need', () => {
    const meta = cli.metafile;
    const entry = staticClosure(meta, [outputOf(meta, 'shared/cli/run.ts')]);
    expect(inputsIn(meta, entry, /shared\/cli\/commands\//)).toEqual([]);
    expect(heavyIn(meta, entry)).toEqual([]);
  });

  it('replay and baseline (validate) compile neither the SDK, the DynamoDB store, delivery nor tools', () => {
    const meta = cli.metafile;
    const entry = outputOf(meta, 'shared/cli/run.ts');
    for (const command of ['replay', 'baseline']) {
      const loaded = staticClosure(meta, [entry, outputOf(meta, `shared/cli/commands/${command}.ts`)]);
      expect({ command, heavy: heavyIn(meta, loaded) }).toEqual({ command, heavy: [] });
      // The command's own module is on that path (this test is not vacuous).
      expect(inputsIn(meta, loaded, new RegExp(`shared/cli/commands/${command}\\.ts$`))).toHaveLength(1);
    }
  });

  it('replay and baseline load the yaml package only behind import(), for a file the subset reader declines', () => {
    const meta = cli.metafile;
    const entry = outputOf(meta, 'shared/cli/run.ts');
    for (const command of ['replay', 'baseline']) {
      const loaded = staticClosure(meta, [entry, outputOf(meta, `shared/cli/commands/${command}.ts`)]);
      expect({ command, yaml: inputsIn(meta, loaded, /node_modules\/yaml\//) }).toEqual({
        command,
        yaml: [],
      });
      expect(inputsIn(meta, loaded, /shared\/core\/baseline\/yaml-subset\.ts$/)).toHaveLength(1);
    }
    const all = Object.keys(meta.outputs).filter((o) => o.endsWith('.mjs'));
    expect(inputsIn(meta, all, /shared\/core\/baseline\/parse\.ts$/)).toHaveLength(1);
  });

  it('the SDK-backed store and delivery are still in the build, behind import()', () => {
    const meta = cli.metafile;
    const all = Object.keys(meta.outputs).filter((o) => o.endsWith('.mjs'));
    expect(inputsIn(meta, all, /shared\/adapters\/dynamodb\/open-store\.ts$/)).toHaveLength(1);
    expect(inputsIn(meta, all, /shared\/adapters\/slack-webhook\.ts$/)).toHaveLength(1);
  });
});

/**
 * Runs `replay --baseline` over the demo through `bin` (the built entry, or a link to it) in `cwd`, with a
 * module loader hook (node:module register) that lists every file the process and its workers load.
 */
async function tracedReplay(bin: string, cwd: string): Promise<{ run: ProcRun; loaded: string[] }> {
  const log = path.join(cwd, 'loaded.txt');
  const hooks = path.join(cwd, 'hooks.mjs');
  const register = path.join(cwd, 'register.mjs');
  writeFileSync(log, '');
  writeFileSync(
    hooks,
    [
      "import { appendFileSync } from 'node:fs';",
      'export async function load(url, context, next) {',
      `  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');`,
      '  return next(url, context);',
      '}',
    ].join('\n'),
  );
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const args = ['replay', path.join(demo, 'cloudtrail'), '--baseline', path.join(demo, 'baseline.yaml')];
  const run = await runBuilt({ ...cli, bin }, [...args, '--workers', '2', '--quiet'], {
    cwd,
    env: bareEnv(cwd),
    nodeArgs: ['--import', register],
  });
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => path.relative(root, fileURLToPath(u)));
  return { run, loaded };
}

describe('a replay --baseline process', () => {
  it('loads no chunk holding the SDK, the DynamoDB store, delivery or tools, and still finds the worker', async () => {
    const dir = path.dirname(cli.bin);
    const { run, loaded } = await tracedReplay(cli.bin, dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').length).toBeGreaterThan(5);
    const chunks = loaded.filter((f) => f in cli.metafile.outputs);
    expect(chunks).toContain(path.relative(root, cli.bin));
    expect(heavyIn(cli.metafile, chunks)).toEqual([]);
    // The demo's baseline is in the YAML subset: the yaml package's chunk is not even loaded.
    expect(inputsIn(cli.metafile, chunks, /node_modules\/yaml\//)).toEqual([]);
    // The worker threads found ingest-worker.mjs beside the chunks (not parsing in the main thread).
    expect(loaded).toContain(path.relative(root, path.join(dir, 'ingest-worker.mjs')));
  });

  it('runs through a symlink (an npm bin) from another working directory, chunks and worker found', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'iamwatch-bin-'));
    try {
      const link = path.join(elsewhere, 'iamwatch');
      symlinkSync(cli.bin, link);
      const { run, loaded } = await tracedReplay(link, elsewhere);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.trim().split('\n').length).toBeGreaterThan(5);
      expect(loaded).toContain(path.relative(root, path.join(path.dirname(cli.bin), 'ingest-worker.mjs')));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
