// The gunzip + JSON.parse floor for the replay bench, as its own process (1 core): every object read,
// inflated and parsed whole, nothing else. Usage: node bench/replay-floor.mjs <cloudtrail-dir>
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { listGz } from './replay-shapes.mjs';

let records = 0;
for (const f of listGz(process.argv[2]))
  records += JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records.length;
process.stdout.write(`${records}\n`);
