// DuckDB reference for the replay bench, run as its own process (so its time and peak RSS are its own):
// read_json over the gzip objects, unnest Records, keep the events the rules read, select the fields they read.
// Usage: node bench/replay-duckdb.mjs <cloudtrail-dir> <threads> <pairs.json>
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, threads, pairsFile] = process.argv.slice(2);
const pairs = JSON.parse(readFileSync(pairsFile, 'utf8'));
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const fields = [
  'eventVersion VARCHAR',
  'eventTime VARCHAR',
  'eventSource VARCHAR',
  'eventName VARCHAR',
  'eventType VARCHAR',
  'awsRegion VARCHAR',
  'sourceIPAddress VARCHAR',
  'userAgent VARCHAR',
  'errorCode VARCHAR',
  'recipientAccountId VARCHAR',
  'eventID VARCHAR',
  'userIdentity JSON',
  'requestParameters JSON',
  'responseElements JSON',
  'additionalEventData JSON',
];
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const sql = `
  WITH r AS (
    SELECT unnest(Records) AS r
    FROM read_json(${q(`${dir}/**/*.json.gz`)}, format = 'auto', compression = 'gzip',
      maximum_object_size = 268435456,
      columns = {Records: 'STRUCT(${fields.join(', ')})[]'})
  )
  SELECT count(*) AS n,
    sum(length(CAST(r.userIdentity AS VARCHAR)) + length(coalesce(CAST(r.requestParameters AS VARCHAR), ''))
      + length(coalesce(CAST(r.responseElements AS VARCHAR), '')) + length(r.eventTime)) AS bytes
  FROM r
  WHERE r.eventSource || '|' || r.eventName IN (${pairs.map(q).join(', ')})`;
const t = performance.now();
const rows = (await con.runAndReadAll(sql)).getRows();
const seconds = (performance.now() - t) / 1000;
process.stdout.write(`${JSON.stringify({ selected: Number(rows[0][0]), seconds })}\n`);
