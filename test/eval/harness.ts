import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('./eval-output.golden.txt', import.meta.url));

/** Runs `iamwatch eval ARGS` in-process through the real CLI entry. */
export async function runEvalCli(
  args: string[],
  cwd = REPO_ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['eval', ...args], { cwd });
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
