/**
 * Issue 10 item 4, issue 11 items 5-6: replay is a faithful, isolated backtest that never loses a
 * record. In-process (runCli); what needs the process entry or worker threads is in replay-process.
 * Records derive from test/fixtures/cloudtrail-public (MIT, see its README).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../shared/cli/main.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const samples = path.join(root, 'test/fixtures/cloudtrail-public');
const baseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');
const assume = JSON.parse(
  readFileSync(
    path.join(samples, 'AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json'),
    'utf8',
  ),
) as Record<string, unknown>;

const tmp = () => mkdtempSync(path.join(tmpdir(), 'iamwatch-faithful-'));
const alertsOf = (stdout: string): Alert[] =>
  stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Alert);

/** The sample OIDC assumption with another subject, id and time. */
function assumption(
  subject: string,
  eventID: string,
  eventTime = '2025-04-16T02:46:56Z',
): Record<string, unknown> {
  const r = structuredClone(assume);
  const ui = r.userIdentity as Record<string, unknown>;
  ui.userName = subject;
  ui.principalId = `arn:aws:iam::774305579662:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:${subject}`;
  (r.responseElements as Record<string, unknown>).subjectFromWebIdentityToken = subject;
  return { ...r, eventID, eventTime };
}

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('replay --baseline FILE is hermetic', () => {
  it('never opens the store, even with --table or $IAMWATCH_TABLE set', async () => {
    const plain = await runCli(['replay', samples, '--baseline', baseline, '--quiet']);
    // An endpoint where nothing listens: any read or write of the table would fail the run.
    const dead = ['--endpoint', 'http://127.0.0.1:9', '--aws-region', 'us-east-1'];
    const withTable = await runCli([
      'replay',
      samples,
      '--baseline',
      baseline,
      '--quiet',
      '--table',
      't',
      ...dead,
    ]);
    const withEnv = await runCli(['replay', samples, '--baseline', baseline, '--quiet', ...dead], {
      env: { IAMWATCH_TABLE: 't' },
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(withTable.code, withTable.stderr).toBe(0);
    expect(withEnv.code, withEnv.stderr).toBe(0);
    expect(withTable.stdout).toBe(plain.stdout);
    expect(withEnv.stdout).toBe(plain.stdout);
  });
});

describe('duplicate records are evaluated once', () => {
  it('x.json beside x.json.gz, and the same file twice, give the counts of one copy', async () => {
    const dir = tmp();
    const records = [1, 2, 3].map((i) =>
      assumption('repo:ccbrown/cloud-snitch:ref:refs/heads/main', `dup-${i}`),
    );
    const text = JSON.stringify({ Records: records });
    writeFileSync(path.join(dir, 'x.json'), text);
    writeFileSync(path.join(dir, 'x.json.gz'), gzipSync(text));
    const once = await runCli(['replay', path.join(dir, 'x.json'), '--baseline', baseline]);
    const both = await runCli(['replay', dir, path.join(dir, 'x.json'), '--baseline', baseline]);
    expect(both.code, both.stderr).toBe(0);
    const counts = (s: string) => alertsOf(s).map((a) => [a.rule, a.count]);
    expect(counts(once.stdout)).toEqual([['oidc-role-without-baseline', 3]]);
    expect(counts(both.stdout)).toEqual(counts(once.stdout));
    expect(both.stderr).toMatch(/evaluated 3, .*duplicates 6/);
  });

  it('keeps records with the same eventID in different accounts apart', async () => {
    const a = assumption('repo:ccbrown/cloud-snitch:ref:refs/heads/main', 'same-id');
    const b = { ...a, recipientAccountId: '111122223333' };
    const run = await runCli(['replay', '-', '--baseline', baseline, '--no-dedupe'], {
      stdin: `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`,
    });
    expect(alertsOf(run.stdout)).toHaveLength(2);
  });
});

describe('an OIDC role without a baseline', () => {
  it('keeps a pull request and a foreign repository out of the main-branch alert, and flags the pull request', async () => {
    const main = assumption('repo:ccbrown/cloud-snitch:ref:refs/heads/main', 'o-1', '2025-04-16T02:00:00Z');
    const pr = assumption('repo:ccbrown/cloud-snitch:pull_request', 'o-2', '2025-04-16T02:05:00Z');
    const fork = assumption('repo:attacker/cloud-snitch:ref:refs/heads/main', 'o-3', '2025-04-16T02:10:00Z');
    const main2 = assumption('repo:ccbrown/cloud-snitch:ref:refs/heads/main', 'o-4', '2025-04-16T02:15:00Z');
    const run = await runCli(['replay', '-', '--baseline', baseline], {
      stdin: [main, pr, fork, main2].map((r) => JSON.stringify(r)).join('\n'),
    });
    expect(run.code, run.stderr).toBe(0);
    const got = alertsOf(run.stdout).map((a) => [a.rule, a.actor.subject, a.count]);
    expect(got).toEqual([
      ['oidc-role-without-baseline', 'repo:ccbrown/cloud-snitch:ref:refs/heads/main', 2],
      ['oidc-untrusted-context', 'repo:ccbrown/cloud-snitch:pull_request', 1],
      ['oidc-role-without-baseline', 'repo:ccbrown/cloud-snitch:pull_request', 1],
      ['oidc-role-without-baseline', 'repo:attacker/cloud-snitch:ref:refs/heads/main', 1],
    ]);
    const untrusted = alertsOf(run.stdout).find((a) => a.rule === 'oidc-untrusted-context');
    expect(untrusted?.severity).toBe('critical');
    expect(untrusted?.reasons[0]).toMatch(/has no baseline that allows pull requests/);
  });
});

describe('records that cannot be evaluated faithfully are reported, not guessed', () => {
  it('reports five different bad event times and evaluates none of them at epoch 0', async () => {
    const times = ['yesterday', '1', '2026-13-45T00:00:00Z', '', 'Tue, 01 Dec 2026 10:00:00 GMT'];
    const stdin = times
      .map((t, i) => JSON.stringify(assumption('repo:o/r:ref:refs/heads/main', `t-${i}`, t)))
      .join('\n');
    const run = await runCli(['replay', '-', '--baseline', baseline], { stdin });
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('<stdin>:'));
    expect(lines).toEqual([
      '<stdin>:1: eventTime is not an ISO-8601 time ("yesterday")',
      '<stdin>:2: eventTime is not an ISO-8601 time ("1")',
      '<stdin>:3: eventTime is not an ISO-8601 time ("2026-13-45T00:00:00Z")',
      '<stdin>:4: eventTime is not an ISO-8601 time ("")',
      '<stdin>:5: eventTime is not an ISO-8601 time ("Tue, 01 Dec 2026 10:00:00 GMT")',
    ]);
    expect(run.stderr).toMatch(/evaluated 0, .*unusable 5/);
  });

  it('reports a deeply nested record without eventID and goes on', async () => {
    const r = assumption('repo:o/r:ref:refs/heads/main', 'x');
    delete r.eventID;
    const deep = JSON.stringify({ ...r, requestParameters: 'DEEP' }).replace(
      '"DEEP"',
      `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
    );
    const good = JSON.stringify(assumption('repo:o/r:ref:refs/heads/main', 'good'));
    const run = await runCli(['replay', '-', '--baseline', baseline], { stdin: `${deep}\n${good}\n` });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('<stdin>:1: record has no eventID and is nested too deeply to identify');
    expect(alertsOf(run.stdout)).toHaveLength(1);
  });
});

describe('input with no usable record', () => {
  it('exits 3 with the problems for a README and for a corrupt gzip', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'README.md'), '# Notes\n\nNot a log.\n');
    const gz = gzipSync(JSON.stringify(assume));
    gz.fill(0x41, 10, 40);
    writeFileSync(path.join(dir, 'bad.json.gz'), gz);
    for (const f of ['README.md', 'bad.json.gz']) {
      const run = await runCli(['replay', path.join(dir, f), '--baseline', baseline]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain(`${path.join(dir, f)}`);
      expect(run.stderr).toMatch(/no usable records in the input: \d+ problems/);
    }
  });

  it('still exits 0 for input whose records no rule reads', async () => {
    const rec = { ...assume, eventSource: 's3.amazonaws.com', eventName: 'GetObject' };
    const run = await runCli(['replay', '-', '--baseline', baseline], { stdin: JSON.stringify(rec) });
    expect(run.code, run.stderr).toBe(0);
  });

  it('counts the problems a file did not show with a real number', async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'junk.jsonl'),
      `${'not json\n'.repeat(130)}${JSON.stringify(assumption('repo:o/r:ref:refs/heads/main', 'j'))}\n`,
    );
    const run = await runCli(['replay', path.join(dir, 'junk.jsonl'), '--baseline', baseline]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/problems: invalid JSON: 100; more in the same files, not shown: 30/);
    expect(run.stderr).toMatch(/input problems 130/);
  });
});

describe('Ctrl-C', () => {
  it('prints "interrupted after N records" and the partial summary, and exits 130', async () => {
    const stdin = new PassThrough();
    let out = '';
    let err = '';
    let sawAlert: () => void = () => {};
    const alertSeen = new Promise<void>((r) => {
      sawAlert = r;
    });
    const stdout = new Writable({
      write(chunk, _e, cb) {
        out += String(chunk);
        sawAlert();
        cb();
      },
    });
    const stderr = new Writable({
      write(chunk, _e, cb) {
        err += String(chunk);
        cb();
      },
    });
    const ac = new AbortController();
    const run = main(['replay', '-', '--baseline', baseline, '--no-dedupe'], {
      stdout,
      stderr,
      stdin,
      env: {},
      cwd: root,
      isTTY: false,
      signal: ac.signal,
    });
    // 600 records: one batch of 512 is evaluated; stdin stays open, as a pipe from a slow producer.
    stdin.write(
      Array.from({ length: 600 }, (_, i) =>
        JSON.stringify(assumption('repo:o/r:ref:refs/heads/main', `c-${i}`)),
      )
        .join('\n')
        .concat('\n'),
    );
    await alertSeen;
    ac.abort();
    const code = await run;
    stdin.end();
    expect(code).toBe(130);
    // The stop is seen before the next batch is asked for: the 88 records after the first batch are
    // never read (nothing more is read once Ctrl-C is pressed).
    expect(err).toMatch(/^interrupted after 512 records$/m);
    expect(err).toMatch(/replay: 512 records from 1 files/);
    expect(err).toMatch(/evaluated 512,/);
    expect(out.split('\n').filter(Boolean)).toHaveLength(512);
  });
});

describe('--slack-webhook from the environment', () => {
  it('takes IAMWATCH_SLACK_WEBHOOK so that the URL need not show in ps', async () => {
    const bodies: string[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const key = readFileSync(path.join(samples, 'CreateAccessKey__stratus-red-team.json'), 'utf8');
    const run = await runCli(['replay', '-', '--baseline', baseline, '--store-dir', tmp()], {
      stdin: key,
      env: { IAMWATCH_SLACK_WEBHOOK: `http://127.0.0.1:${port}/services/T0/B0/X` },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(bodies).toHaveLength(1);
    expect(run.stderr).toMatch(/delivered: 1 alerts to slack/);
  });
});
