import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every file under `dir` (recursively), as relative paths, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** sha256 of every file under `dir`, keyed by relative path. */
export function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(dir))
    out[f] = createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  return out;
}

export interface ReadObject {
  key: string;
  text: string;
  records: Array<Record<string, unknown>>;
}

/** Read every `.json.gz` object under `<dir>/cloudtrail`. */
export function readObjects(dir: string): ReadObject[] {
  const root = join(dir, 'cloudtrail');
  return listFiles(root)
    .filter((f) => f.endsWith('.json.gz'))
    .map((key) => {
      const text = gunzipSync(readFileSync(join(root, key))).toString('utf8');
      const parsed = JSON.parse(text) as { Records: Array<Record<string, unknown>> };
      return { key, text, records: parsed.Records };
    });
}
