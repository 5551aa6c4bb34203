import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const samples = path.join(root, 'test/fixtures/cloudtrail-public');
const orgBaseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');

function parseLines(s: string): Alert[] {
  return s
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Alert);
}

describe('iamwatch replay', () => {
  it('replays the public samples into contract alerts on stdout, summary on stderr', async () => {
    // Prepare / Act
    const run = await runCli(['replay', samples, '--baseline', orgBaseline]);
    // Assess
    expect(run.code).toBe(0);
    const alerts = parseLines(run.stdout);
    const rules = new Set(alerts.map((a) => a.rule));
    for (const id of [
      'access-key-created',
      'root-activity',
      'oidc-role-without-baseline',
      'policy-modified',
    ]) {
      expect(rules).toContain(id);
    }
    for (const a of alerts) {
      expect(Object.keys(a).slice(0, 14)).toEqual([
        'id',
        'rule',
        'severity',
        'title',
        'reasons',
        'eventId',
        'eventName',
        'eventTime',
        'account',
        'region',
        'actor',
        'target',
        'baseline',
        'team',
      ]);
      expect(a.id).toMatch(/^[0-9a-f]{32}$/);
      expect(a.count).toBeGreaterThanOrEqual(1);
    }
    expect(run.stderr).toMatch(/replay: \d+ records from \d+ files/);
  });

  it('gives byte-identical stdout on a second run', async () => {
    const a = await runCli(['replay', samples, '--baseline', orgBaseline, '--no-dedupe']);
    const b = await runCli(['replay', samples, '--baseline', orgBaseline, '--no-dedupe']);
    expect(a.stdout.length).toBeGreaterThan(100);
    expect(b.stdout).toBe(a.stdout);
    const c = await runCli(['replay', samples, '--baseline', orgBaseline]);
    const d = await runCli(['replay', samples, '--baseline', orgBaseline]);
    expect(d.stdout).toBe(c.stdout);
  });

  it('filters by --min-severity and exits 1 on --fail-on', async () => {
    const all = parseLines(
      (await runCli(['replay', samples, '--baseline', orgBaseline, '--min-severity', 'info'])).stdout,
    );
    const high = await runCli([
      'replay',
      samples,
      '--baseline',
      orgBaseline,
      '--min-severity',
      'high',
      '--fail-on',
      'critical',
    ]);
    const highAlerts = parseLines(high.stdout);
    expect(highAlerts.length).toBeGreaterThan(0);
    expect(highAlerts.length).toBeLessThan(all.length);
    expect(highAlerts.every((a) => a.severity === 'high' || a.severity === 'critical')).toBe(true);
    expect(high.code).toBe(1);
  });

  it('prints json and table formats', async () => {
    const json = await runCli(['replay', samples, '--baseline', orgBaseline, '--format', 'json', '--quiet']);
    expect(Array.isArray(JSON.parse(json.stdout))).toBe(true);
    expect(json.stderr).toBe('');
    const table = await runCli([
      'replay',
      samples,
      '--baseline',
      orgBaseline,
      '--format',
      'table',
      '--quiet',
    ]);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+SEVERITY\s+RULE\s+ACTOR\s+TARGET\s+N$/);
  });

  it('names each bad input as path:line: reason, keeps evaluating good records, and prints no stack', async () => {
    // Prepare: one directory with every kind of bad input next to a good record.
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-bad-'));
    const good = JSON.parse(
      readFileSync(path.join(samples, 'CreateAccessKey__stratus-red-team.json'), 'utf8'),
    ) as Record<string, unknown>;
    const lines = [
      JSON.stringify(good),
      '{"eventName": "CreateAccessKey", oops',
      JSON.stringify({ ...good, eventID: 'wrong-types', eventName: 42 }),
      JSON.stringify({ ...good, eventID: 'huge-agent', userAgent: 'A'.repeat(1_000_000) }),
      `{"junk": "${'x'.repeat(1_000_000)}`,
    ];
    writeFileSync(path.join(dir, 'a-mixed.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'b-empty.json'), '');
    const gz = gzipSync(Buffer.from(JSON.stringify({ Records: [good, good, good] })));
    writeFileSync(path.join(dir, 'c-truncated.json.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    // Act
    const run = await runCli(['replay', dir, '--baseline', orgBaseline, '--no-dedupe'], { cwd: dir });
    // Assess
    expect(run.code).toBe(0);
    const alerts = parseLines(run.stdout);
    const ids = alerts.filter((a) => a.rule === 'access-key-created').map((a) => a.eventId);
    expect(ids).toContain(good.eventID);
    expect(ids).toContain('huge-agent');
    const err = run.stderr.split('\n');
    expect(err.some((l) => /^a-mixed\.jsonl:2: /.test(l))).toBe(true);
    expect(err.some((l) => /^a-mixed\.jsonl:3: .*eventName/.test(l))).toBe(true);
    expect(err.some((l) => /^a-mixed\.jsonl:5: /.test(l))).toBe(true);
    expect(err.some((l) => /^b-empty\.json.*empty/.test(l))).toBe(true);
    expect(err.some((l) => /^c-truncated\.json\.gz.*truncated/.test(l))).toBe(true);
    for (const l of err) expect(l.length).toBeLessThan(1000);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a missing path and for an invalid baseline, naming file and line', async () => {
    const missing = await runCli(['replay', '/nonexistent/trail', '--baseline', orgBaseline]);
    expect(missing.code).toBe(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-bl-'));
    const bad = path.join(dir, 'baseline.yaml');
    writeFileSync(
      bad,
      'version: 1\nidentities:\n  - arn: arn:aws:iam::111122223333:role/x\n    kind: ci\n    owner: a\n    purpose: b\n    subject: oops\n',
    );
    const run = await runCli(['replay', samples, '--baseline', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/baseline\.yaml:7/);
    expect(run.stdout).toBe('');
  });

  it('reads records from stdin with -', async () => {
    const rec = readFileSync(path.join(samples, 'CreateAccessKey__stratus-red-team.json'), 'utf8');
    const run = await runCli(['replay', '-', '--baseline', orgBaseline, '--quiet'], { stdin: rec });
    expect(run.code).toBe(0);
    expect(parseLines(run.stdout).map((a) => a.rule)).toContain('access-key-created');
  });
});
