import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  emptyStats,
  type ReadOptions,
  type ReadStats,
  readCloudTrail,
  type SourceProblem,
  type SourceRecord,
} from '../../shared/adapters/cloudtrail-files/read.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/cloudtrail-public/', import.meta.url));

export interface Collected {
  records: SourceRecord[];
  problems: SourceProblem[];
  /** `path:line: reason`, as callers render problems. */
  rendered: string[];
  stats: ReadStats;
  batchSizes: number[];
}

export async function collect(inputs: string[], opts: Partial<ReadOptions> = {}): Promise<Collected> {
  const problems: SourceProblem[] = [];
  const stats = emptyStats();
  const records: SourceRecord[] = [];
  const batchSizes: number[] = [];
  for await (const batch of readCloudTrail(inputs, { ...opts, stats, onProblem: (p) => problems.push(p) })) {
    batchSizes.push(batch.length);
    records.push(...batch);
  }
  const rendered = problems.map((p) =>
    p.line === null ? `${p.path}: ${p.reason}` : `${p.path}:${p.line}: ${p.reason}`,
  );
  return { records, problems, rendered, stats, batchSizes };
}

export async function tempDir(
  prefix = 'iamwatch-ingest-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const gzip = (text: string): Buffer => gzipSync(Buffer.from(text));

/** The public sample records (one per fixture file), by file name. */
export async function sampleRecords(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const name of (await readdir(FIXTURES)).sort()) {
    if (!name.endsWith('.json')) continue;
    out.set(name, JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as Record<string, unknown>);
  }
  return out;
}

/** A record from a public sample, re-identified. */
export function recordLike(base: Record<string, unknown>, eventId: string): Record<string, unknown> {
  return { ...base, eventID: eventId };
}

export function envelope(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: '111122223333',
    time: '2026-11-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: record,
  };
}

export const eventIds = (c: Collected): unknown[] => c.records.map((r) => r.raw.eventID);
