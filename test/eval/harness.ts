import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register } from '../../shared/cli/commands/eval.js';
import { exitCodeFor } from '../../shared/cli/main.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('./eval-output.golden.txt', import.meta.url));

class Capture extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs `iamwatch eval ARGS` in-process on a program holding only the eval command (independent of
 * whether main.ts registers it yet), with the CLI's own exit-code mapping.
 */
export async function runEvalCli(
  args: string[],
  cwd = REPO_ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx = { stdout, stderr, stdin: Readable.from([]), env: {}, cwd, isTTY: false };
  const program = new Command('iamwatch')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  register(program, ctx);
  let code = 0;
  try {
    await program.parseAsync(['eval', ...args], { from: 'user' });
  } catch (err) {
    code = exitCodeFor(err, ctx);
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A short line diff: the first differing lines with their numbers, for a readable failure. */
export function lineDiff(expected: string, actual: string, max = 40): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] !== undefined) out.push(`-${i + 1}: ${a[i]}`);
    if (b[i] !== undefined) out.push(`+${i + 1}: ${b[i]}`);
  }
  return out.join('\n');
}
