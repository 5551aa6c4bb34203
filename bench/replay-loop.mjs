// Bundles bench/replay-loop.ts and runs it: the replay loop's main-thread CPU per record (issue 14).
// Usage: node bench/replay-loop.mjs <corpus-dir> [runs=7] [bundle-path]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAndImport } from './bundle.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const [dir, runs = '7', out = path.join(root, 'bench/out/replay-loop.mjs')] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node bench/replay-loop.mjs <corpus-dir> [runs] [bundle-path]\n');
  process.exit(2);
}
const m = await bundleAndImport(path.join(root, 'bench/replay-loop.ts'), out);
await m.main(dir, Number.parseInt(runs, 10));
