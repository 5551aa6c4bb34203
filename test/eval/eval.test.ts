import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../shared/app/replay.js';
import { findRepoRoot } from '../../shared/cli/commands/eval.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { EvalDatasetError } from '../../tools/eval/labels.js';
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
      if (p.verdict === 'n/a' || p.verdict === 'unreadable')
        expect(p.why, `${p.rule}:${p.line}`).toBeTruthy();
      else expect(p.why).toBeNull();
    }
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
