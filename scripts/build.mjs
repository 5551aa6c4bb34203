// Bundles the CLI (split into chunks) and the ingest worker with esbuild into dist/ (well under a second).
// The options are in cli-build.mjs (shared with the tests that build the CLI).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CHUNK_FILE, cliOptions, workerOptions } from './cli-build.mjs';

// `prepare` also runs when the packed tarball is installed with install scripts allowed: esbuild is a
// dev dependency and absent there, and dist/ ships in the tarball, so there is nothing to build.
let build;
try {
  ({ build } = await import('esbuild'));
} catch (err) {
  if (existsSync(new URL('../dist/iamwatch.mjs', import.meta.url))) process.exit(0);
  throw err;
}

const root = new URL('..', import.meta.url).pathname;
const dist = path.join(root, 'dist');
const extra = { sourcemap: 'linked', logLevel: 'warning' };

const [cli] = await Promise.all([
  build({ ...cliOptions(root, 'dist'), ...extra }),
  existsSync(path.join(root, 'shared/adapters/cloudtrail-files/worker.ts'))
    ? build({ ...workerOptions(root, 'dist'), ...extra })
    : null,
]);
// Chunk names are content hashes, so a new build does not overwrite the old ones: remove those it did not write.
const written = new Set(Object.keys(cli.metafile.outputs).map((o) => path.basename(o)));
for (const f of readdirSync(dist)) if (CHUNK_FILE.test(f) && !written.has(f)) rmSync(path.join(dist, f));
