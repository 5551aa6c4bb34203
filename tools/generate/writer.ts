/**
 * Writes a {@link Generation} to disk: `<out>/cloudtrail/AWSLogs/…/*.json.gz` (gzip, one
 * object per file, written as each fills), `<out>/baseline.yaml` and `<out>/scenarios.json`.
 * Gzip runs on libuv's thread pool, overlapping compression of one object with generation of
 * the next; output bytes do not depend on timing (objects are written in generation order,
 * gzip headers carry no time).
 */

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { ToolError } from '../errors.js';
import type { GenerateStats, Generation } from './generator.js';

const gzip = promisify(gzipCb);

/** Marker file that identifies a directory written by the generator (so --force may replace it). */
export const MARKER = '.iamwatch-generated';

/** Output directory already holds files and may not be replaced. */
export class GenerateOutputError extends ToolError {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'GenerateOutputError';
  }
}

export interface WriteOptions {
  /** Replace a previous generator output in `<out>/cloudtrail` (only if it carries the marker). */
  force?: boolean;
  /** gzip level (default 6, as CloudTrail-like objects). */
  level?: number;
  /** Extra files to write beside baseline.yaml once generation is complete (name → text), e.g. the demo's README.md. */
  extraFiles?: (gen: Generation) => Record<string, string>;
  /** Called after each object is written. */
  onObject?: (written: { objects: number; records: number }) => void;
}

export interface WriteResult {
  stats: GenerateStats;
  bytesRaw: number;
  bytesGzip: number;
  files: { cloudtrail: string; baseline: string; scenarios: string };
}

/** Write the generation under `out`; streams objects, at most two compressions in flight. */
export async function writeGeneration(
  gen: Generation,
  out: string,
  opts: WriteOptions = {},
): Promise<WriteResult> {
  const ctDir = join(out, 'cloudtrail');
  if (existsSync(ctDir)) {
    const entries = await readdir(ctDir);
    if (entries.length > 0) {
      if (!opts.force)
        throw new GenerateOutputError(
          `${ctDir} is not empty (use --force to replace a previous generator output)`,
        );
      if (!entries.includes(MARKER)) {
        throw new GenerateOutputError(
          `${ctDir} was not written by iamwatch generate (no ${MARKER}); refusing to delete it`,
        );
      }
      await rm(ctDir, { recursive: true, force: true });
    }
  }
  await mkdir(ctDir, { recursive: true });
  await writeFile(
    join(ctDir, MARKER),
    'written by iamwatch generate; `generate --force` may replace this directory\n',
  );

  const level = opts.level ?? 6;
  const made = new Set<string>();
  let bytesRaw = 0;
  let bytesGzip = 0;
  let objects = 0;
  let records = 0;
  let pending: Promise<void> | null = null;

  const writeOne = async (key: string, body: Buffer, n: number): Promise<void> => {
    const gz = await gzip(body, { level });
    const path = join(ctDir, key);
    const dir = dirname(path);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await writeFile(path, gz);
    bytesGzip += gz.length;
    objects++;
    records += n;
    opts.onObject?.({ objects, records });
  };

  for (const obj of gen.objects()) {
    bytesRaw += obj.body.length;
    const next = writeOne(obj.key, obj.body, obj.records);
    next.catch(() => {}); // observed below; avoids an unhandled rejection while awaiting the previous one
    if (pending) await pending;
    pending = next;
  }
  if (pending) await pending;

  const baseline = join(out, 'baseline.yaml');
  const scenarios = join(out, 'scenarios.json');
  await writeFile(baseline, gen.baselineYaml());
  await writeFile(scenarios, gen.scenariosJson());
  for (const [name, text] of Object.entries(opts.extraFiles?.(gen) ?? {}))
    await writeFile(join(out, name), text);
  return { stats: gen.stats, bytesRaw, bytesGzip, files: { cloudtrail: ctDir, baseline, scenarios } };
}
