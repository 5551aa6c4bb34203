import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { generateOrg, type LocalS3, startS3, uploadTree } from './server.js';

const BUCKET = 'org-trail';
let s3: LocalS3;
let out: string;
let keys: string[];

beforeAll(async () => {
  out = await generateOrg('iamwatch-s3-org-');
  s3 = await startS3([BUCKET]);
  keys = await uploadTree(s3, BUCKET, path.join(out, 'cloudtrail'), 'trail/');
}, 60_000);

afterAll(async () => {
  await s3?.close();
});

const replayArgs = () => ['--baseline', path.join(out, 'baseline.yaml'), '--format', 'jsonl'];
const s3Args = () => ['--s3-endpoint', s3.endpoint];

function filesRead(stderr: string): number {
  const m = /records from ([\d,]+) files/.exec(stderr);
  if (!m) throw new Error(`no summary in: ${stderr}`);
  return Number((m[1] as string).replaceAll(',', ''));
}

describe('replay s3://', { timeout: 120_000 }, () => {
  it('gives byte-identical alerts to replay DIR on the same archive', async () => {
    const dir = await runCli(['replay', path.join(out, 'cloudtrail'), ...replayArgs()], { env: s3.env });
    const remote = await runCli(['replay', `s3://${BUCKET}/trail/`, ...replayArgs(), ...s3Args()], {
      env: s3.env,
    });
    expect(dir.code, dir.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    expect(dir.stdout.split('\n').length).toBeGreaterThan(5);
    expect(remote.stdout).toBe(dir.stdout);
    expect(filesRead(remote.stderr)).toBe(keys.length);
  });

  it('prunes by account and region before reading, in a bucket and in a local tree alike', async () => {
    const account = (/AWSLogs\/(\d{12})\//.exec(keys[0] as string) as RegExpExecArray)[1] as string;
    const region = (/CloudTrail\/([a-z0-9-]+)\//.exec(keys[0] as string) as RegExpExecArray)[1] as string;
    const expected = keys.filter((k) => k.includes(`/${account}/CloudTrail/${region}/`)).length;
    expect(expected).toBeLessThan(keys.length);
    const filters = ['--account', account, '--region', region];
    const remote = await runCli(
      ['replay', `s3://${BUCKET}/trail`, ...replayArgs(), ...s3Args(), ...filters],
      { env: s3.env },
    );
    const dir = await runCli(['replay', path.join(out, 'cloudtrail'), ...replayArgs(), ...filters], {
      env: s3.env,
    });
    expect(remote.code, remote.stderr).toBe(0);
    expect(filesRead(remote.stderr)).toBe(expected);
    expect(filesRead(dir.stderr)).toBe(expected);
    expect(remote.stdout).toBe(dir.stdout);
    for (const line of remote.stdout.trim().split('\n').filter(Boolean)) {
      const a = JSON.parse(line) as { account?: string };
      expect(a.account).toBe(account);
    }
  });

  it('prunes day directories outside --since/--until and drops records outside them', async () => {
    const days = [
      ...new Set(keys.map((k) => (/\/(\d{4}\/\d{2}\/\d{2})\//.exec(k) as RegExpExecArray)[1])),
    ].sort();
    expect(days.length).toBeGreaterThanOrEqual(3);
    const last = (days[days.length - 1] as string).replaceAll('/', '-');
    const onLastDay = keys.filter((k) => k.includes(`/${days[days.length - 1]}/`)).length;
    const remote = await runCli(
      ['replay', `s3://${BUCKET}/trail/`, ...replayArgs(), ...s3Args(), '--since', last],
      { env: s3.env },
    );
    const dir = await runCli(['replay', path.join(out, 'cloudtrail'), ...replayArgs(), '--since', last], {
      env: s3.env,
    });
    expect(remote.code, remote.stderr).toBe(0);
    expect(filesRead(remote.stderr)).toBe(onLastDay);
    expect(remote.stdout).toBe(dir.stdout);
    for (const line of remote.stdout.trim().split('\n').filter(Boolean)) {
      const a = JSON.parse(line) as { firstSeen?: string; eventTime?: string };
      const t = a.firstSeen ?? a.eventTime;
      if (t) expect(Date.parse(t)).toBeGreaterThanOrEqual(Date.parse(`${last}T00:00:00Z`));
    }
  });

  it('reports a missing bucket as a problem naming it, and exits 3', async () => {
    const r = await runCli(['replay', 's3://no-such-bucket/x/', ...replayArgs(), ...s3Args()], {
      env: s3.env,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('s3://no-such-bucket/x/: listing failed');
  });

  it('rejects a malformed s3 URL and bad filters as usage errors', async () => {
    expect((await runCli(['replay', 's3://', ...replayArgs()])).code).toBe(2);
    const bad = await runCli(['replay', `s3://${BUCKET}/`, ...replayArgs(), '--account', '12']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--account must be a 12-digit account id');
    const since = await runCli(['replay', `s3://${BUCKET}/`, ...replayArgs(), '--since', 'yesterday']);
    expect(since.code).toBe(2);
  });

  it('baseline learn s3:// proposes the same baseline as baseline learn DIR', async () => {
    const dir = await runCli(['baseline', 'learn', path.join(out, 'cloudtrail')], { env: s3.env });
    const remote = await runCli(['baseline', 'learn', `s3://${BUCKET}/trail/`, ...s3Args()], { env: s3.env });
    expect(dir.code, dir.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    expect(dir.stdout.length).toBeGreaterThan(50);
    expect(remote.stdout).toBe(dir.stdout);
  });

  it('trace --from s3:// prints the same chain, calls and alerts as trace --from DIR', async () => {
    // The key of a session some alert names in its runbook (`iamwatch trace <key>`).
    const alerts = await runCli(['replay', path.join(out, 'cloudtrail'), ...replayArgs()], { env: s3.env });
    const keys = [...alerts.stdout.matchAll(/iamwatch trace (ASIA[A-Z0-9]{16})/g)].map((m) => m[1] as string);
    expect(keys.length).toBeGreaterThan(0);
    const key = keys[0] as string;
    const args = ['--baseline', path.join(out, 'baseline.yaml'), '--format', 'json'];
    const dir = await runCli(['trace', key, '--from', path.join(out, 'cloudtrail'), ...args], {
      env: s3.env,
    });
    const remote = await runCli(['trace', key, '--from', `s3://${BUCKET}/trail/`, ...args, ...s3Args()], {
      env: s3.env,
    });
    expect(dir.code, dir.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    expect((JSON.parse(dir.stdout) as { key: string }).key).toBe(key);
    expect(remote.stdout).toBe(dir.stdout);
  });
});
