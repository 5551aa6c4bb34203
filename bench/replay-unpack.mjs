// Bundles bench/replay-unpack.ts and runs it: replay's main-thread work with workers, in one thread (issue 14).
// Usage: node bench/replay-unpack.mjs prepare|run <corpus-dir> <pieces-file> [bundle-path]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAndImport } from './bundle.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const [mode, dir, pieces, out = path.join(root, 'bench/out/replay-unpack.mjs')] = process.argv.slice(2);
if (!mode || !dir || !pieces) {
  process.stderr.write(
    'usage: node bench/replay-unpack.mjs prepare|run <corpus-dir> <pieces-file> [bundle]\n',
  );
  process.exit(2);
}
const m = await bundleAndImport(path.join(root, 'bench/replay-unpack.ts'), out);
await m.main(mode, dir, pieces);
