import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../shared/app/replay.js';
import { findRepoRoot } from '../../shared/cli/commands/eval.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { EvalDatasetError, parseDisagreements } from '../../tools/eval/labels.js';
import { renderEvalReport } from '../../tools/eval/render.js';
import { type DatasetReader, runEval } from '../../tools/eval/run.js';
import { STRATUS_TECHNIQUES } from '../../tools/eval/scope.js';
import type { EvalReport } from '../../tools/eval/types.js';
import { GOLDEN, lineDiff, REPO_ROOT, runEvalCli } from './harness.js';

describe('iamwatch eval on test/datasets', () => {
  it('prints the table kept in eval-output.golden.txt', async () => {
    // Prepare
    const golden = readFileSync(GOLDEN, 'utf8');
    // Act
    const run = await runEvalCli([]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    if (run.stdout !== golden) {
      expect.fail(
        `eval output differs from test/eval/eval-output.golden.txt (- golden, + now):\n${lineDiff(golden, run.stdout)}\n\n` +
          'If the change in detection is intended, run `npm run generate` and review the diff.',
      );
    }
  });

  it('classifies every Stratus technique and keeps out-of-scope ones with a reason', async () => {
    const run = await runEvalCli(['--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as EvalReport;
    expect(report.stratus).toHaveLength(35);
    expect(report.stratus.filter((s) => s.scope === 'unclassified')).toEqual([]);
    expect(report.stratus.filter((s) => s.scope === 'in').map((s) => s.technique)).toHaveLength(12);
    for (const s of report.stratus.filter((x) => x.scope === 'out'))
      expect(s.reason, s.technique).toBeTruthy();
    for (const s of report.stratus.filter((x) => x.scope === 'in'))
      expect(s.intended, s.technique).toEqual(
        (STRATUS_TECHNIQUES[s.technique] as { intended: string[] }).intended,
      );
    // Every Panther test of an in-scope rule has a row; every disagreement is MISS/FP or carries a why.
    for (const p of report.panther.rows) {
      if (['n/a', 'unreadable', 'contested', 'disagreement'].includes(p.verdict))
        expect(p.why, `${p.rule}:${p.line}`).toBeTruthy();
      else if (p.verdict !== 'FP') expect(p.why).toBeNull();
    }
    // Issue 12: no Panther negative alerts at >= medium without a contest or a listed reason, and the
    // list holds nothing that is not needed.
    expect(report.totals.pantherNegatives.unexplained).toBe(0);
    expect(report.panther.staleDisagreements).toEqual([]);
    expect(report.totals.pantherNegatives.contested).toBeGreaterThan(0);
    expect(report.totals.ruleFailures).toBe(0);
  });

  it('--update-golden writes exactly the printed table; json cannot be written as golden', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-eval-'));
    const target = path.join(dir, 'golden.txt');
    const run = await runEvalCli(['--update-golden', '--golden', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(run.stdout);
    expect(run.stderr).toMatch(/golden updated/);
    const bad = await runEvalCli(['--update-golden', '--format', 'json', '--golden', target]);
    expect(bad.code).toBe(2);
  });

  it('finds the repository from a subdirectory and rejects a missing datasets folder', async () => {
    expect(findRepoRoot(path.join(REPO_ROOT, 'test', 'eval'), 'data:,')).toBe(path.resolve(REPO_ROOT));
    const run = await runEvalCli(['--datasets', 'no/such/dir']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not exist/);
  });
});

/** An in-memory dataset tree: labels as objects, data files as arrays of records. */
function memoryReader(files: Record<string, unknown>): DatasetReader {
  return {
    async readJson(rel) {
      if (!(rel in files)) throw new Error(`no ${rel}`);
      return files[rel];
    },
    async *records(rel): AsyncGenerator<RawItem[]> {
      const recs = (files[rel] ?? []) as Array<Record<string, unknown>>;
      yield recs.map((raw, i) => ({ raw, path: rel, line: i + 1 }));
    },
  };
}

const empty = () => {
  const { baseline } = parseBaseline('version: 1\nidentities: []\n', 'empty');
  if (!baseline) throw new Error('empty baseline invalid');
  return { name: 'empty', baseline };
};

const rec = (over: Record<string, unknown>) => ({
  eventVersion: '1.08',
  eventTime: '2024-07-30T10:00:00Z',
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  userIdentity: {
    type: 'IAMUser',
    arn: 'arn:aws:iam::111122223333:user/alice',
    accountId: '111122223333',
    userName: 'alice',
  },
  ...over,
});

const keyForBob = rec({
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateAccessKey',
  requestParameters: { userName: 'bob' },
  responseElements: { accessKey: { userName: 'bob', status: 'Active', accessKeyId: 'AKIAEXAMPLE' } },
});
const listBuckets = rec({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets' });

function tree(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'stratus-red-team-detonations/labels.json': {
      files: {
        'logs/a.json': {
          stratus_technique: 'aws.persistence.iam-backdoor-user',
          title: 't',
          expected_event_names: ['CreateAccessKey'],
          record_count: 1,
        },
        'logs/b.json': {
          stratus_technique: 'aws.made-up.new-technique',
          title: 't',
          expected_event_names: [],
          record_count: 1,
        },
      },
    },
    'stratus-red-team-detonations/logs/a.json': [keyForBob],
    'stratus-red-team-detonations/logs/b.json': [listBuckets],
    'panther-rule-tests/labels.json': {
      files: {
        'events/AWS.IAM.Backdoor.User.Keys.jsonl': {
          rule_id: 'AWS.IAM.Backdoor.User.Keys',
          display_name: 'd',
          tests: [
            { line: 1, test_name: 'key for bob', expected_alert: true },
            { line: 2, test_name: 'negative that alerts', expected_alert: false },
          ],
        },
        'events/AWS.S3.Thing.jsonl': {
          rule_id: 'AWS.S3.Thing',
          display_name: 'd',
          tests: [{ line: 1, test_name: 's3', expected_alert: true }],
        },
      },
    },
    'panther-rule-tests/events/AWS.IAM.Backdoor.User.Keys.jsonl': [keyForBob, keyForBob],
    'panther-rule-tests/events/AWS.S3.Thing.jsonl': [listBuckets],
    'panther-test-scenarios/labels.json': {
      files: { 'x.json': { scenario: 's', label: 'malicious', record_count: 2 } },
    },
    'panther-test-scenarios/x.json': [keyForBob, listBuckets],
    'otrf-cloud-breach-s3/labels.json': {
      files: { 'y.jsonl': { scenario: 's', malicious_lines: [2], record_count: 2 } },
    },
    'otrf-cloud-breach-s3/y.jsonl': [keyForBob, listBuckets],
    ...over,
  };
}

describe('runEval over an in-memory dataset tree', () => {
  it('judges techniques, Panther cases and labelled records, and never drops a case silently', async () => {
    const report = await runEval({ reader: memoryReader(tree()), baseline: empty() });

    const [made, backdoor] = report.stratus;
    expect(backdoor?.technique).toBe('aws.persistence.iam-backdoor-user');
    expect(backdoor?.verdict).toBe('PASS');
    expect(backdoor?.raised).toEqual(['access-key-created:critical']);
    expect(made?.verdict).toBe('unclassified');
    expect(made?.reason).toMatch(/scope\.ts/);

    const verdicts = report.panther.rows.map((r) => `${r.line}:${r.verdict}`);
    // Line 2 is the same key for another user labelled "no alert" and this line has no why: an FP.
    expect(verdicts).toEqual(['1:ok', '2:FP']);
    expect(report.panther.outOfScope).toEqual([
      {
        rule: 'AWS.S3.Thing',
        sources: ['s3.amazonaws.com'],
        tests: 1,
        reason: 'service not watched by iamwatch',
      },
    ]);

    expect(report.scenarios[0]?.malicious).toEqual({ total: 2, inScope: 1, caught: 1 });
    expect(report.otrf[0]?.malicious).toEqual({ total: 1, inScope: 0, caught: 0 });
    expect(report.otrf[0]?.benign).toEqual({ total: 1, inScope: 1, alerting: 1, explained: 0 });
    expect(report.totals.unexplainedFalsePositives).toBe(2);
    expect(report.totals.recall).toEqual({ hit: 3, of: 3 });

    const text = renderEvalReport(report);
    expect(text).toContain('unclassified: technique not in STRATUS_TECHNIQUES');
    expect(text).toContain('benign, alerting: otrf-cloud-breach-s3/y.jsonl:1 CreateAccessKey');
    expect(text).not.toMatch(/\d+\.\d+ s\b/); // no timings in the deterministic part
  });

  it('calls a negative contested when another Panther rule labels the same content positive', async () => {
    // Prepare: the same key for bob, a positive of rule A at line 1, a negative of rule B at line 1 (with
    // another time and address: not part of the content), and a negative of B with other parameters.
    const later = { ...keyForBob, eventTime: '2025-01-01T00:00:00Z', sourceIPAddress: '192.0.2.9' };
    const keyForCarol = {
      ...keyForBob,
      requestParameters: { userName: 'carol' },
      responseElements: { accessKey: { userName: 'carol', status: 'Active', accessKeyId: 'AKIAEXAMPLE2' } },
    };
    const files = tree({
      'panther-rule-tests/labels.json': {
        files: {
          'events/A.jsonl': {
            rule_id: 'AWS.IAM.Backdoor.User.Keys',
            display_name: 'd',
            tests: [{ line: 1, test_name: 'key for bob', expected_alert: true }],
          },
          'events/B.jsonl': {
            rule_id: 'AWS.IAM.CreateUser',
            display_name: 'd',
            tests: [
              { line: 1, test_name: 'not a CreateUser', expected_alert: false },
              { line: 2, test_name: 'not a CreateUser either', expected_alert: false },
            ],
          },
        },
      },
      'panther-rule-tests/events/A.jsonl': [keyForBob],
      'panther-rule-tests/events/B.jsonl': [later, keyForCarol],
    });
    // Act
    const report = await runEval({ reader: memoryReader(files), baseline: empty(), disagreements: [] });
    // Assess
    const b = report.panther.rows.filter((r) => r.rule === 'AWS.IAM.CreateUser');
    expect(b.map((r) => [r.line, r.verdict, r.contestedBy])).toEqual([
      [1, 'contested', ['AWS.IAM.Backdoor.User.Keys:1']],
      [2, 'FP', []],
    ]);
    expect(report.totals.pantherNegatives).toMatchObject({ alerting: 2, contested: 1, unexplained: 1 });
    expect(renderEvalReport(report)).toContain(
      'AWS.IAM.CreateUser:1 -> access-key-created:critical; positive for AWS.IAM.Backdoor.User.Keys:1',
    );
  });

  it('explains a listed negative with its reason, and reports stale or too-narrow entries', async () => {
    const reason = 'a key for another user is persistence whatever the label';
    const report = await runEval({
      reader: memoryReader(tree()),
      baseline: empty(),
      disagreements: [
        { test: 'AWS.IAM.Backdoor.User.Keys:2', iamwatch: ['access-key-created'], reason },
        { test: 'AWS.IAM.Backdoor.User.Keys:1', iamwatch: ['access-key-created'], reason },
      ],
    });
    const line2 = report.panther.rows.find((r) => r.line === 2);
    expect([line2?.verdict, line2?.why]).toEqual(['disagreement', reason]);
    expect(report.panther.staleDisagreements).toEqual(['AWS.IAM.Backdoor.User.Keys:1']);
    expect(report.totals.pantherNegatives).toMatchObject({ disagreements: 1, unexplained: 0, stale: 1 });
    const text = renderEvalReport(report);
    expect(text).toContain(`AWS.IAM.Backdoor.User.Keys:2 -> access-key-created:critical; ${reason}`);
    expect(text).toContain('stale: AWS.IAM.Backdoor.User.Keys:1 is listed');

    // An entry that does not name every rule raised does not explain the alert.
    const narrow = await runEval({
      reader: memoryReader(tree()),
      baseline: empty(),
      disagreements: [{ test: 'AWS.IAM.Backdoor.User.Keys:2', iamwatch: ['policy-modified'], reason }],
    });
    const row = narrow.panther.rows.find((r) => r.line === 2);
    expect(row?.verdict).toBe('FP');
    expect(row?.why).toMatch(/lists policy-modified for this test, not access-key-created/);
  });

  it('rejects a malformed or duplicated disagreement entry naming the field', () => {
    expect(() =>
      parseDisagreements(
        { disagreements: [{ test: 'X', iamwatch: ['a'], reason: 'long enough reason' }] },
        'd.json',
      ),
    ).toThrow(/d\.json: disagreements\.0\.test: expected "PantherRuleId:line"/);
    const e = { test: 'X:1', iamwatch: ['a'], reason: 'long enough reason' };
    expect(() => parseDisagreements({ disagreements: [e, e] }, 'd.json')).toThrow(
      /disagreements\.1\.test: X:1 listed twice/,
    );
  });

  it('names the labels file and field when a label is malformed', async () => {
    const files = tree({ 'panther-test-scenarios/labels.json': { files: { 'x.json': { label: 'evil' } } } });
    await expect(runEval({ reader: memoryReader(files), baseline: empty() })).rejects.toThrow(
      EvalDatasetError,
    );
    await expect(runEval({ reader: memoryReader(files), baseline: empty() })).rejects.toThrow(
      /panther-test-scenarios\/labels\.json: files\.x\.json\.scenario/,
    );
  });
});
