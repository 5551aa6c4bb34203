/**
 * The real records the fuzz tests mutate: every public sample in test/fixtures/cloudtrail-public and every
 * record of the evaluation datasets in test/datasets (see the READMEs there for origin and licence).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CorpusRecord {
  /** Where the record came from (path relative to the repository, with line or position). */
  source: string;
  record: Record<string, unknown>;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if ((name.endsWith('.json') || name.endsWith('.jsonl')) && name !== 'labels.json') out.push(p);
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function recordsOf(file: string): CorpusRecord[] {
  const rel = path.relative(ROOT, file);
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    return text
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, i }) => ({
        source: `${rel}:${i + 1}`,
        record: JSON.parse(line) as Record<string, unknown>,
      }))
      .filter((r) => isObj(r.record));
  }
  const doc = JSON.parse(text) as unknown;
  const list = Array.isArray(doc) ? doc : isObj(doc) && Array.isArray(doc.Records) ? doc.Records : [doc];
  return list.filter(isObj).map((record, i) => ({ source: `${rel}#${i + 1}`, record }));
}

/** Every real record, in a stable order. */
export function loadCorpus(): CorpusRecord[] {
  const files = [
    ...walk(path.join(ROOT, 'test', 'fixtures', 'cloudtrail-public')),
    ...walk(path.join(ROOT, 'test', 'datasets')),
  ];
  return files.flatMap(recordsOf);
}
