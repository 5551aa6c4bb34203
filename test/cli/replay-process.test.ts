/**
 * Replay as a process (the bundled CLI, as users run it): a closed stdout, Ctrl-C, worker threads,
 * and AWS sinks without credentials. Records derive from test/fixtures/cloudtrail-public (MIT).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltCli, bareEnv, buildCli, runBuilt } from '../helpers/built-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const samples = path.join(root, 'test/fixtures/cloudtrail-public');
const baseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');
const assume = JSON.parse(
  readFileSync(
    path.join(samples, 'AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json'),
    'utf8',
  ),
) as Record<string, unknown>;

let cli: BuiltCli;
let dir: string;
beforeAll(async () => {
  cli = await buildCli();
  dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-process-'));
});
afterAll(() => cli.cleanup());

const line = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...assume, eventID: `p-${i}`, ...extra });
const deep = (r: string, depth: number) =>
  r.replace(
    /"requestParameters":\{[^}]*\}/,
    `"requestParameters":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

describe('a closed stdout (| head -1)', () => {
  it('ends replay quietly with exit 0, no EPIPE stack', async () => {
    // Streamed input (stdin), so that the read yields to the event loop while alerts are written.
    const child = spawn(process.execPath, [cli.bin, 'replay', '-', '--baseline', baseline, '--no-dedupe'], {
      cwd: dir,
      env: bareEnv(dir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    // Like head -1: read the first chunk, then close the pipe while the writer has megabytes to go.
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.on('error', () => {});
    child.stdin.end(`${Array.from({ length: 4000 }, (_, i) => line(i)).join('\n')}\n`);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});

describe('Ctrl-C', () => {
  it('prints "interrupted after N records" and the partial summary, and exits 130', async () => {
    const child = spawn(process.execPath, [cli.bin, 'replay', '-', '--baseline', baseline, '--no-dedupe'], {
      cwd: dir,
      env: bareEnv(dir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    // Stdin stays open (a slow producer); the first batch of 512 is evaluated and printed.
    child.stdin.write(`${Array.from({ length: 600 }, (_, i) => line(i)).join('\n')}\n`);
    let stdout = '';
    child.stdout.setEncoding('utf8').once('data', () => child.kill('SIGINT'));
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    child.stdin.destroy();
    expect(code).toBe(130);
    // How much of the pipe was read before the signal depends on scheduling; what is printed must agree
    // with itself: the interrupted count is the summary's, and no more alerts than records read.
    const n = Number(/^interrupted after (\d+) records$/m.exec(stderr)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(600);
    expect(stderr).toContain(`replay: ${n} records from 1 files`);
    expect(stdout.split('\n').filter(Boolean).length).toBeLessThanOrEqual(n);
  });
});

describe('worker threads and the calling thread', () => {
  it('give identical alerts and identical problem lists on a corpus of bad inputs', async () => {
    const corpus = path.join(dir, 'corpus');
    mkdirSync(corpus, { recursive: true });
    let n = 0;
    const rec = (extra: Record<string, unknown> = {}) => line(n++, extra);
    // A 300-record object whose record 51 is 3,000 levels deep (cannot be received by the main thread).
    const many = Array.from({ length: 300 }, (_, i) => (i === 50 ? deep(rec(), 3000) : rec()));
    writeFileSync(path.join(corpus, 'a.json'), `{"Records":[${many.join(',')}]}`);
    // 20,000 levels deep (cannot even be posted), gzip; and a deep record without eventID.
    writeFileSync(path.join(corpus, 'b.json.gz'), gzipSync(`{"Records":[${rec()},${deep(rec(), 20_000)}]}`));
    const noId = JSON.parse(rec()) as Record<string, unknown>;
    delete noId.eventID;
    writeFileSync(path.join(corpus, 'c.jsonl'), `${rec()}\n${deep(JSON.stringify(noId), 20_000)}\n`);
    // Huge strings, invalid UTF-8, bad event times, a duplicate, junk.
    writeFileSync(path.join(corpus, 'd.json'), `{"Records":[${rec({ userAgent: 'x'.repeat(2 << 20) })}]}`);
    const bad = Buffer.from(`{"Records":[${rec({ userAgent: 'BAD' })},${rec()}]}`);
    bad[bad.indexOf('BAD')] = 0xff;
    writeFileSync(path.join(corpus, 'e.json'), bad);
    const times = ['yesterday', '1', '2026-13-45T00:00:00Z', '', 'Tue, 01 Dec 2026 10:00:00 GMT'];
    writeFileSync(
      path.join(corpus, 'f.json'),
      `{"Records":[${times.map((t) => rec({ eventTime: t })).join(',')}]}`,
    );
    writeFileSync(path.join(corpus, 'g.json'), `{"Records":[${line(1)},${line(2)}]}`);
    writeFileSync(
      path.join(corpus, 'h.jsonl'),
      `not json\n${rec({ userIdentity: { type: 'WebIdentityUser', userName: 'repo:o/r:pull_request' } })}\n`,
    );
    const args = ['replay', corpus, '--baseline', baseline, '--format', 'json'];
    const inThread = await runBuilt(cli, [...args, '--workers', '0'], { cwd: dir, env: bareEnv(dir) });
    const threaded = await runBuilt(cli, [...args, '--workers', '2'], { cwd: dir, env: bareEnv(dir) });
    expect(inThread.code, inThread.stderr).toBe(0);
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(JSON.parse(threaded.stdout)).toEqual(JSON.parse(inThread.stdout));
    const problems = (s: string) => s.split('\n').filter((l) => l.startsWith('corpus/'));
    expect(problems(threaded.stderr)).toEqual(problems(inThread.stderr));
    expect(problems(inThread.stderr).join('\n')).toMatch(/invalid UTF-8 in userAgent/);
    expect(problems(inThread.stderr).join('\n')).toMatch(/nested too deeply/);
    expect(problems(inThread.stderr).filter((l) => /eventTime/.test(l))).toHaveLength(5);
    // Every record is evaluated, a duplicate, or reported: 300 + 2 + 2 + 1 + 2 + 5 + 2 + 1 written.
    const summary = (s: string) => s.split('\n').find((l) => l.startsWith('  evaluated'));
    expect(summary(threaded.stderr)).toBe(summary(inThread.stderr));
    const m = /evaluated (\d+), not read by any rule (\d+), duplicates (\d+), unusable (\d+)/.exec(
      summary(inThread.stderr) ?? '',
    );
    const utf8 = problems(inThread.stderr).filter((l) => /invalid UTF-8/.test(l)).length;
    const counted = (m ?? [])
      .slice(1)
      .map(Number)
      .reduce((a, b) => a + b, 0);
    expect(counted + utf8).toBe(315);
  });
});

describe('--sns-topic and --event-bus without AWS configuration', () => {
  it('fail once, up front, with exit 2 and the fix', async () => {
    const sns = await runBuilt(
      cli,
      ['replay', samples, '--baseline', baseline, '--sns-topic', 'arn:aws:sns:us-east-1:111122223333:alerts'],
      { cwd: dir, env: bareEnv(dir) },
    );
    expect(sns.code).toBe(2);
    expect(sns.stdout).toBe('');
    expect(sns.stderr.match(/--sns-topic needs AWS credentials/g)).toHaveLength(1);
    expect(sns.stderr).toMatch(/AWS_PROFILE/);
    const bus = await runBuilt(cli, ['replay', samples, '--baseline', baseline, '--event-bus', 'default'], {
      cwd: dir,
      env: bareEnv(dir),
    });
    expect(bus.code).toBe(2);
    expect(bus.stderr.match(/--event-bus needs an AWS region/g)).toHaveLength(1);
  });
});
