/** Finding the project's own files from a CLI that runs from a checkout, an installed package or dist/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory, searched upwards from `cwd` and then from the directory of `moduleUrl`, for which
 * `found(dir)` returns a path; that path, or null when no directory up to the root qualifies.
 */
export function findUp(cwd: string, moduleUrl: string, found: (dir: string) => string | null): string | null {
  const starts = [cwd];
  try {
    starts.push(path.dirname(fileURLToPath(moduleUrl)));
  } catch {
    // not a file: URL (bundled into something else): the working directory is enough
  }
  for (const start of starts) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const hit = found(dir);
      if (hit !== null) return hit;
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}
