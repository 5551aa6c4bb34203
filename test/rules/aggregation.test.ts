import { describe, expect, it } from 'vitest';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, replay } from '../../shared/app/replay.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import { fixtureBaseline, fixturesOf } from '../helpers/rule-fixtures.js';

function fixtureRecord(rule: string, file: string): Record<string, unknown> {
  const f = fixturesOf(rule).find((x) => x.file === `${rule}/fixtures/${file}.json`);
  if (!f) throw new Error(`no fixture ${rule}/${file}`);
  return f.record;
}

/** Copies of a record `minutesApart` from each other, each with its own eventID. */
function repeats(record: Record<string, unknown>, n: number, minutesApart: number, startIso: string) {
  const start = Date.parse(startIso);
  return Array.from({ length: n }, (_, i) => ({
    ...structuredClone(record),
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    eventTime: new Date(start + i * minutesApart * 60_000).toISOString().replace('.000Z', 'Z'),
  }));
}

/** A baseline written in the test (YAML text); it must be valid. */
function inlineBaseline(text: string): Baseline {
  const { baseline, issues } = parseBaseline(text, 'test.yaml');
  if (!baseline) throw new Error(`test baseline invalid: ${JSON.stringify(issues)}`);
  return baseline;
}

/** `baseline`: a fixture baseline's file name, or YAML text. */
async function replayRecords(records: Record<string, unknown>[], baseline: string): Promise<Alert[]> {
  const items: RawItem[] = records.map((raw, i) => ({ raw, path: 'memory', line: i + 1 }));
  async function* source() {
    yield items;
  }
  const alerts: Alert[] = [];
  await replay({
    source: source(),
    view: buildIndex(baseline.includes('\n') ? inlineBaseline(baseline) : fixtureBaseline(baseline)),
    pipeline: new DetectionPipeline(),
    dedupe: true,
    emit: (a) => {
      alerts.push(a);
    },
    onProblem: (p) => {
      throw new Error(`unexpected problem ${p.reason}`);
    },
  });
  return alerts;
}

describe('oidc-assume-failed aggregation', () => {
  const failed = fixtureRecord('oidc-assume-failed', 'unknown-org-probes-without-role-arn');

  it('folds 12 retries of one failing job (roleArn null) into one alert with count 12', async () => {
    // Prepare: a failing job retries about a dozen times within a few minutes
    const records = repeats(failed, 12, 0.5, '2025-04-16T02:46:56Z');
    // Act
    const alerts = (await replayRecords(records, 'org.yaml')).filter((a) => a.rule === 'oidc-assume-failed');
    // Assess
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(12);
    expect(alerts[0]?.severity).toBe('high');
    expect(alerts[0]?.eventId).toBe('00000000-0000-4000-8000-000000000000');
    expect(alerts[0]?.actor.subject).toBe('repo:unknown-org/probe:ref:refs/heads/main');
  });

  it('keeps subjects apart and starts a new alert after the 60-minute window', async () => {
    const other = structuredClone(failed);
    const ui = other.userIdentity as Record<string, unknown>;
    ui.userName = 'repo:unknown-org/other:ref:refs/heads/main';
    ui.principalId = `arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:${ui.userName}`;
    const records = [
      ...repeats(failed, 3, 1, '2025-04-16T02:00:00Z'),
      ...repeats(other, 2, 1, '2025-04-16T02:10:00Z'),
      ...repeats(failed, 2, 1, '2025-04-16T04:00:00Z'),
    ].sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    const alerts = (await replayRecords(records, 'org.yaml')).filter((a) => a.rule === 'oidc-assume-failed');
    expect(alerts.map((a) => [a.actor.subject, a.count])).toEqual([
      ['repo:unknown-org/probe:ref:refs/heads/main', 3],
      ['repo:unknown-org/other:ref:refs/heads/main', 2],
      ['repo:unknown-org/probe:ref:refs/heads/main', 2],
    ]);
  });

  it('keys on provider + subject, so retries against different roles still fold', async () => {
    const a = structuredClone(failed);
    const b = structuredClone(failed);
    (a.requestParameters as Record<string, unknown>).roleArn = 'arn:aws:iam::111122223333:role/gha-deploy';
    (b.requestParameters as Record<string, unknown>).roleArn = 'arn:aws:iam::111122223333:role/gha-plan';
    const records = [
      ...repeats(a, 1, 1, '2025-04-16T02:00:00Z'),
      ...repeats(b, 1, 1, '2025-04-16T02:01:00Z'),
    ];
    records[1]!.eventID = 'second';
    const alerts = (await replayRecords(records, 'org.yaml')).filter((x) => x.rule === 'oidc-assume-failed');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(2);
  });
});

describe('baseline-review-overdue aggregation', () => {
  it('reports an overdue identity once per day however often it is assumed', async () => {
    const ok = fixtureRecord('baseline-review-overdue', 'github-role-review-overdue');
    const records = [
      ...repeats(ok, 5, 60, '2025-04-16T02:00:00Z'),
      ...repeats(ok, 2, 60, '2025-04-17T06:00:00Z').map((r, i) => ({ ...r, eventID: `next-day-${i}` })),
    ];
    const alerts = (await replayRecords(records, 'callers.yaml')).filter(
      (a) => a.rule === 'baseline-review-overdue',
    );
    expect(alerts.map((a) => a.count)).toEqual([5, 2]);
    expect(new Set(alerts.map((a) => a.dedupeKey)).size).toBe(1);
  });
});

describe('console-login-failures aggregation', () => {
  const failed = fixtureRecord('console-login-failures', 'iam-user-wrong-password');

  it('folds a password spray (many users, one address) into one alert per address with the count', async () => {
    // Prepare: 20 user names tried from one address a minute apart, 5 from another address
    const spray = repeats(failed, 20, 1, '2026-11-02T09:00:00Z').map((r, i) => {
      const rec = r as Record<string, unknown>;
      return {
        ...rec,
        userIdentity: { ...(rec.userIdentity as Record<string, unknown>), userName: `user${i}` },
      };
    });
    const other = repeats(failed, 5, 1, '2026-11-02T09:00:30Z').map((r, i) => ({
      ...r,
      eventID: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      sourceIPAddress: '203.0.113.99',
    }));
    // Act
    const alerts = (await replayRecords([...spray, ...other], 'empty.yaml')).filter(
      (a) => a.rule === 'console-login-failures',
    );
    // Assess
    expect(alerts.map((a) => [a.actor.sourceIp, a.count])).toEqual([
      [(failed.sourceIPAddress as string) ?? null, 20],
      ['203.0.113.99', 5],
    ]);
    // The count raises the alert: 20 from one address reach the high threshold, 5 the medium one.
    expect(alerts.map((a) => a.severity)).toEqual(['high', 'medium']);
    expect(alerts[0]?.reasons.at(-1)).toBe(
      '20 events folded into this alert within 30 minutes reach the count threshold of 20: raised to high',
    );
  });

  it('stays low below the first count threshold (4 failures from one address)', async () => {
    const alerts = (await replayRecords(repeats(failed, 4, 1, '2026-11-02T09:00:00Z'), 'empty.yaml')).filter(
      (a) => a.rule === 'console-login-failures',
    );
    expect(alerts.map((a) => [a.count, a.severity])).toEqual([[4, 'low']]);
    expect(alerts[0]?.reasons.join(' ')).not.toMatch(/threshold/);
  });

  it('raises one user guessing from one address at 5 failures: the count, not the number of users, decides', async () => {
    const alerts = (await replayRecords(repeats(failed, 5, 2, '2026-11-02T09:00:00Z'), 'empty.yaml')).filter(
      (a) => a.rule === 'console-login-failures',
    );
    expect(alerts.map((a) => [a.count, a.severity])).toEqual([[5, 'medium']]);
  });

  it('takes the thresholds from the baseline rules: section, and [] turns them off', async () => {
    const base = `version: 1
identities: []
rules:
  - rule: console-login-failures
    count_thresholds: [{ at_least: 3, severity: critical }]
`;
    const off = `version: 1
identities: []
rules:
  - rule: console-login-failures
    count_thresholds: []
`;
    const records = repeats(failed, 25, 1, '2026-11-02T09:00:00Z');
    const tuned = (await replayRecords(records, base)).filter((a) => a.rule === 'console-login-failures');
    expect(tuned.map((a) => [a.count, a.severity])).toEqual([[25, 'critical']]);
    const none = (await replayRecords(records, off)).filter((a) => a.rule === 'console-login-failures');
    expect(none.map((a) => [a.count, a.severity])).toEqual([[25, 'low']]);
  });

  it('keeps the highest severity of the burst: one failure after the right password makes it high', async () => {
    const records = repeats(failed, 4, 1, '2026-11-02T09:00:00Z');
    const last = records[3] as unknown as Record<string, unknown>;
    last.additionalEventData = { ...(last.additionalEventData as Record<string, unknown>), MFAUsed: 'Yes' };
    const alerts = (await replayRecords(records, 'empty.yaml')).filter(
      (a) => a.rule === 'console-login-failures',
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(4);
    expect(alerts[0]?.severity).toBe('high');
  });

  it('starts a new alert once the 30-minute window has passed', async () => {
    const records = repeats(failed, 2, 45, '2026-11-02T09:00:00Z');
    const alerts = (await replayRecords(records, 'empty.yaml')).filter(
      (a) => a.rule === 'console-login-failures',
    );
    expect(alerts.map((a) => a.count)).toEqual([1, 1]);
  });
});

describe('baseline rules: count_thresholds validation', () => {
  const errors = (text: string) =>
    parseBaseline(text, 'b.yaml')
      .issues.filter((i) => i.level === 'error')
      .map((i) => `${i.field}: ${i.message}`);

  it('rejects a threshold below 2 and one scoped to an environment or identity, naming the field', () => {
    const low = errors(
      'version: 1\nidentities: []\nrules:\n  - rule: console-login-failures\n    count_thresholds: [{ at_least: 1, severity: high }]\n',
    );
    expect(low.join('\n')).toMatch(/rules\[0\]\.count_thresholds\[0\]\.at_least/);
    const scoped = errors(
      'version: 1\nidentities: []\nrules:\n  - rule: console-login-failures\n    environment: production\n    count_thresholds: [{ at_least: 5, severity: high }]\n',
    );
    expect(scoped.join('\n')).toMatch(/count_thresholds apply to the rule as a whole/);
  });

  it('accepts an entry that sets only count_thresholds', () => {
    expect(
      errors(
        'version: 1\nidentities: []\nrules:\n  - rule: console-login-failures\n    count_thresholds: [{ at_least: 10, severity: medium }]\n',
      ),
    ).toEqual([]);
  });
});
