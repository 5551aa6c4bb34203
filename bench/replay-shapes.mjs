// Corpus shapes for the replay bench: the same records re-packed into many small or few large S3 objects,
// under the CloudTrail key layout. Deterministic (records in the order of the generated organisation's
// sorted objects, fixed names, gzip level 6) and cached under bench/out/shape-<objects>x<records>.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The `.json.gz` files under `dir`, sorted by path. */
export function listGz(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json.gz')) files.push(p);
    }
  };
  walk(dir);
  return files;
}

/**
 * `objects` objects of `perObject` records each, cut from the records of `sourceDir` (a generated
 * organisation); its baseline.yaml is copied beside them. Returns the shape's directory.
 */
export function ensureShape(out, sourceDir, objects, perObject, log) {
  const dir = path.join(out, `shape-${objects}x${perObject}`);
  const marker = path.join(dir, '.bench-complete');
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  log(`packing ${objects} objects of ${perObject} records into ${path.basename(dir)} …`);
  const need = objects * perObject;
  const records = [];
  for (const f of listGz(path.join(sourceDir, 'cloudtrail'))) {
    for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) records.push(r);
    if (records.length >= need) break;
  }
  if (records.length < need) throw new Error(`${sourceDir} holds ${records.length} records, ${need} needed`);
  const base = path.join(dir, 'cloudtrail/AWSLogs/999988887777/CloudTrail/us-east-1/2026/03/01');
  mkdirSync(base, { recursive: true });
  for (let k = 0; k < objects; k++) {
    const body = JSON.stringify({ Records: records.slice(k * perObject, (k + 1) * perObject) });
    const name = `999988887777_CloudTrail_us-east-1_20260301T${String(k).padStart(5, '0')}Z_bench.json.gz`;
    writeFileSync(path.join(base, name), gzipSync(body, { level: 6 }));
  }
  writeFileSync(path.join(dir, 'baseline.yaml'), readFileSync(path.join(sourceDir, 'baseline.yaml')));
  writeFileSync(marker, new Date(0).toISOString());
  return dir;
}
