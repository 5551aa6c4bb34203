/**
 * The CLI as users run it: run.ts (split into chunks) and the ingest worker bundled with the options of
 * scripts/build.mjs into a fresh directory under the repository's ignored tmp/, run as a child process.
 * For behaviour that lives in the process entry (EPIPE, SIGINT), needs worker threads, or depends on how
 * the bundle is split.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { cliOptions, workerOptions } from '../../scripts/cli-build.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BuiltCli {
  /** The entry, iamwatch.mjs, beside its chunks and ingest-worker.mjs. */
  bin: string;
  /** esbuild's metafile of the CLI build (paths relative to the repository root). */
  metafile: Metafile;
  cleanup(): void;
}

/** Builds the CLI as scripts/build.mjs does (same options, cli-build.mjs), without source maps. */
export async function buildCli(): Promise<BuiltCli> {
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'tmp', 'cli-'));
  const quiet = { logLevel: 'silent' as const };
  const [cli] = await Promise.all([
    build({ ...cliOptions(root, dir), ...quiet }),
    build({ ...workerOptions(root, dir), ...quiet }),
  ]);
  return {
    bin: path.join(dir, 'iamwatch.mjs'),
    metafile: cli.metafile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ProcRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** An environment with no AWS configuration at all (no credentials, region, profile or IMDS). */
export function bareEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Runs the built CLI to completion. */
export function runBuilt(
  cli: BuiltCli,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; nodeArgs?: string[] } = {},
): Promise<ProcRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), cli.bin, ...args], {
      cwd: opts.cwd ?? root,
      env: opts.env ?? bareEnv(root),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
