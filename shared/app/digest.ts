/**
 * Use case: the daily digest — alerts of the last period per team and rule (from AlertHistory), identities
 * past their review date (from the baseline store), and, when wired, findings of the rule self-check.
 * Time comes from the injected clock.
 */
import type { Alert } from '../core/alert/alert.js';
import type { DigestOverdue, DigestRuleLine, TeamDigest } from '../core/alert/render-slack.js';
import { maxSeverity, severityRank } from '../core/severity.js';
import type { AlertHistory, BaselineStore, Clock, Log } from '../ports.js';

export interface DigestDeps {
  history: AlertHistory;
  /** For overdue reviews and the default team. Absent: no review section. */
  baseline?: Pick<BaselineStore, 'listIdentities' | 'teams'>;
  clock: Clock;
  /** Period in hours (default 24). */
  periodHours?: number;
  /**
   * Hook for the rule self-check (deployed rules enabled, targets intact): findings to include, routed by
   * their `team` (or the default team). A failing self-check is reported in `errors`, not thrown.
   */
  selfCheck?: () => Promise<Alert[]>;
  log?: Log;
}

export interface Digest {
  from: string;
  to: string;
  teams: TeamDigest[];
  /** Parts that could not be built (the rest still is). */
  errors: string[];
}

/** Team name for things with no team and no default team. */
export const UNROUTED = 'unrouted';
const DAY_MS = 86_400_000;

export async function buildDigest(deps: DigestDeps): Promise<Digest> {
  const now = deps.clock.nowMs();
  const sinceMs = now - (deps.periodHours ?? 24) * 3_600_000;
  const errors: string[] = [];
  const alerts = await deps.history.since(sinceMs);

  let defaultTeam: string | undefined;
  let overdue: Array<DigestOverdue & { team: string | undefined }> = [];
  if (deps.baseline) {
    try {
      defaultTeam = (await deps.baseline.teams()).defaultTeam;
    } catch (err) {
      errors.push(`baseline teams: ${String(err).slice(0, 200)}`);
    }
    try {
      const today = new Date(now).toISOString().slice(0, 10);
      const todayMs = Date.parse(today);
      overdue = (await deps.baseline.listIdentities())
        .filter((i) => typeof i.reviewAfter === 'string' && i.reviewAfter < today)
        .map((i) => ({
          arn: i.arn,
          owner: i.owner,
          reviewAfter: i.reviewAfter!,
          daysOverdue: Math.max(1, Math.floor((todayMs - Date.parse(i.reviewAfter!)) / DAY_MS)),
          team: i.team,
        }))
        .sort((a, b) => b.daysOverdue - a.daysOverdue || a.arn.localeCompare(b.arn));
    } catch (err) {
      errors.push(`baseline identities: ${String(err).slice(0, 200)}`);
    }
  }

  let selfCheck: Alert[] = [];
  if (deps.selfCheck) {
    try {
      selfCheck = await deps.selfCheck();
    } catch (err) {
      errors.push(`self-check: ${String(err).slice(0, 200)}`);
    }
  }
  for (const e of errors) deps.log?.warn('digest part unavailable', { error: e });

  const teamOf = (t: string | null | undefined) => t ?? defaultTeam ?? UNROUTED;
  const from = new Date(sinceMs).toISOString();
  const to = new Date(now).toISOString();
  const byTeam = new Map<string, TeamDigest>();
  const get = (team: string) => {
    let d = byTeam.get(team);
    if (!d) {
      d = { team, from, to, rules: [], overdue: [], selfCheck: [] };
      byTeam.set(team, d);
    }
    return d;
  };

  const ruleLines = new Map<string, DigestRuleLine>();
  for (const a of alerts) {
    const team = teamOf(a.team);
    const key = `${team}\u0000${a.rule}`;
    const line = ruleLines.get(key);
    if (line) {
      line.alerts++;
      line.events += a.count;
      line.severity = maxSeverity(line.severity, a.severity);
    } else {
      const l: DigestRuleLine = { rule: a.rule, severity: a.severity, alerts: 1, events: a.count };
      ruleLines.set(key, l);
      get(team).rules.push(l);
    }
  }
  for (const d of byTeam.values()) {
    d.rules.sort(
      (x, y) =>
        severityRank(y.severity) - severityRank(x.severity) ||
        y.alerts - x.alerts ||
        x.rule.localeCompare(y.rule),
    );
  }
  for (const o of overdue) {
    const { team, ...line } = o;
    get(teamOf(team)).overdue.push(line);
  }
  for (const a of selfCheck) get(teamOf(a.team)).selfCheck.push(a);

  const teams = [...byTeam.values()].sort((a, b) => a.team.localeCompare(b.team));
  return { from, to, teams, errors };
}
