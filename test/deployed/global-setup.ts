/**
 * vitest globalSetup: `npm run package` (osls package, offline) once per test run, then each function's
 * zip unpacked under .serverless/run/<function>/ (next to the worktree's node_modules, so the AWS SDK the
 * Lambda runtime provides resolves from there). Tests read the result through ./template.ts. When the
 * package step fails, its output is kept in .serverless/PACKAGE_FAILED and the deployed tests fail with it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readZip } from '../deploy/zip.js';
import { PACKAGE_DIR, ROOT, TEMPLATE_FILE } from './template.js';

export const FAILED_FILE = join(PACKAGE_DIR, 'PACKAGE_FAILED');
export const RUN_DIR = join(PACKAGE_DIR, 'run');
/** The stack is packaged in S3 mode (`ingestMode=both`) with this trail, so the ingest role is the real one. */
export const TRAIL_BUCKET = 'iamwatch-test-trail';
export const TRAIL_PREFIX = 'trail/';
export const PACKAGE_PARAMS = [
  '--param=ingestMode=both',
  `--param=trailBucket=${TRAIL_BUCKET}`,
  `--param=trailPrefix=${TRAIL_PREFIX}`,
];

export default function setup(): void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
  };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[k];
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', ...PACKAGE_PARAMS],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  mkdirSync(PACKAGE_DIR, { recursive: true });
  if (r.status !== 0) {
    writeFileSync(FAILED_FILE, `osls package failed (exit ${r.status}):\n${output.slice(-4000)}`);
    return;
  }
  const template = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties?: { FunctionName?: string; Code?: { S3Key?: string } } }
    >;
  };
  for (const res of Object.values(template.Resources)) {
    if (res.Type !== 'AWS::Lambda::Function') continue;
    const short = String(res.Properties?.FunctionName).replace(/^iamwatch-[^-]+-/, '');
    const zip = join(PACKAGE_DIR, String(res.Properties?.Code?.S3Key).split('/').pop() ?? '');
    const dir = join(RUN_DIR, short);
    for (const e of readZip(readFileSync(zip))) {
      if (e.name.endsWith('/')) continue;
      mkdirSync(dirname(join(dir, e.name)), { recursive: true });
      writeFileSync(join(dir, e.name), e.read());
    }
  }
}
