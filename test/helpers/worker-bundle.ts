/**
 * The replay worker as the CLI ships it: shared/adapters/cloudtrail-files/worker.ts bundled to
 * `<dir>/ingest-worker.mjs`, for tests that start real worker threads from sources.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Bundles the ingest worker into `dir`; returns its file URL. */
export async function buildIngestWorker(dir: string): Promise<URL> {
  const outfile = join(dir, 'ingest-worker.mjs');
  await build({
    entryPoints: [new URL('../../shared/adapters/cloudtrail-files/worker.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  return pathToFileURL(outfile);
}
