/**
 * A real S3 API server for tests: s3rver on 127.0.0.1, an ephemeral port, a fresh directory.
 * Upload a local tree as objects with {@link uploadTree}.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { runCli } from '../helpers/cli.js';

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  /** Credentials s3rver accepts (it checks signatures against these). */
  env: Record<string, string>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3(buckets: string[]): Promise<LocalS3> {
  const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const addr = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  return {
    endpoint,
    client,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    close: async () => {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `root` (dotfiles skipped) as an object `prefix + relative path`; returns the keys. */
export async function uploadTree(s3: LocalS3, bucket: string, root: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.name.startsWith('.') ? [] : e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  for (const file of walk(root)) {
    const key = prefix + path.relative(root, file).split(path.sep).join('/');
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }));
    keys.push(key);
  }
  return keys.sort();
}

/**
 * The small generated organisation every S3 test serves (4,000 records over 3 days, every planted
 * attack once, fixed seed): its directory, holding cloudtrail/, baseline.yaml and scenarios.json.
 */
export async function generateOrg(tmpPrefix: string): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), tmpPrefix));
  const args = ['generate', '--out', out, '--events', '4000', '--days', '3', '--attacks', 'all'];
  const gen = await runCli([...args, '--occurrences', '1', '--seed', 's3'], { cwd: out, env: {} });
  if (gen.code !== 0) throw new Error(`iamwatch generate failed: ${gen.stderr}`);
  return out;
}
