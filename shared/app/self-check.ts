/**
 * Use case: verify that iamwatch's own EventBridge rules are still there, in the right state, with
 * the generated pattern, and still targeting the detect function. `logging-disabled` sees the
 * DisableRule/RemoveTargets calls; this check sees the result, including changes CloudTrail missed.
 * Run daily by the digest function and on demand by `iamwatch doctor`.
 */
import type { Alert } from '../core/alert/alert.js';
import { type EventPattern, matchesPattern } from '../core/eventbridge/match.js';
import {
  type DeployedRule,
  type DeployedRuleRef,
  type RuleDescription,
  type RuleTarget,
  type Selector,
  sampleEnvelope,
} from '../core/eventbridge/patterns.js';
import { stableHash } from '../core/hash.js';
import type { Severity } from '../core/severity.js';

export type { RuleDescription, RuleTarget };

export type DriftKind =
  | 'missing'
  | 'state'
  | 'pattern'
  | 'target-missing'
  | 'extra-target'
  | 'sample-not-matched'
  | 'check-failed';

/** One way a deployed rule differs from what iamwatch expects. */
export interface Drift {
  /** Physical rule name. */
  rule: string;
  kind: DriftKind;
  /** One sentence for a human; names expected and actual values. */
  message: string;
}

export interface SelfCheckDeps {
  rules: readonly DeployedRuleRef[];
  /** ARN of the detect function every rule must target (read after each rule's DescribeRule). */
  detectArn: string;
  /** DescribeRule; resolves null when the rule does not exist. */
  describe: (name: string) => Promise<RuleDescription | null>;
  listTargets: (name: string) => Promise<RuleTarget[]>;
  /** TestEventPattern; when given with `sample`, each deployed pattern must match its sample event. */
  testPattern?: (pattern: EventPattern, event: Record<string, unknown>) => Promise<boolean>;
  /** A sample event per rule (see `sampleFor` in core/eventbridge/patterns). */
  sample?: (rule: DeployedRuleRef) => Record<string, unknown>;
}

const errorText = (err: unknown): string =>
  (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).replace(/\s+/g, ' ').slice(0, 300);

/** Canonical JSON of a pattern: object keys sorted, leaf lists sorted (EventBridge treats them as sets). */
export function canonicalPattern(p: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v))
      return v.map(norm).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(p));
}

/**
 * Checks every rule; never throws for one rule's failure (it becomes a `check-failed` drift, e.g.
 * AccessDenied), so one broken call does not hide the others.
 */
export async function selfCheck(deps: SelfCheckDeps): Promise<Drift[]> {
  const drifts: Drift[] = [];
  for (const ref of deps.rules) {
    const add = (kind: DriftKind, message: string) => drifts.push({ rule: ref.name, kind, message });
    let d: RuleDescription | null;
    try {
      d = await deps.describe(ref.name);
    } catch (err) {
      add('check-failed', `DescribeRule failed: ${errorText(err)}`);
      continue;
    }
    if (!d) {
      add('missing', `rule ${ref.name} does not exist: its events no longer reach iamwatch`);
      continue;
    }
    if (d.state !== ref.state) {
      add('state', `rule ${ref.name} is ${d.state}, expected ${ref.state}`);
    }
    if (!d.pattern || canonicalPattern(d.pattern) !== canonicalPattern(ref.pattern)) {
      add('pattern', `rule ${ref.name} has a pattern other than the one generated from the rule catalogue`);
    }
    try {
      const targets = await deps.listTargets(ref.name);
      if (!targets.some((t) => t.arn === deps.detectArn)) {
        add('target-missing', `rule ${ref.name} no longer targets the detect function ${deps.detectArn}`);
      }
      for (const t of targets) {
        if (t.arn !== deps.detectArn)
          add('extra-target', `rule ${ref.name} also sends events to ${t.arn} (target ${t.id})`);
      }
    } catch (err) {
      add('check-failed', `ListTargetsByRule failed: ${errorText(err)}`);
    }
    if (deps.testPattern && deps.sample && d.pattern) {
      const event = deps.sample(ref);
      try {
        if (!(await deps.testPattern(d.pattern, event))) {
          add('sample-not-matched', `rule ${ref.name} does not match its sample ${describeSample(event)}`);
        }
      } catch (err) {
        add('check-failed', `TestEventPattern failed: ${errorText(err)}`);
      }
    }
  }
  return drifts;
}

function describeSample(event: Record<string, unknown>): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  return `${String(detail.eventSource ?? event.source)} ${String(detail.eventName ?? '')}`.trim();
}

/** `testPattern` without AWS: the project's matcher (tests, and `doctor --offline`). */
export const localTestPattern = async (
  pattern: EventPattern,
  event: Record<string, unknown>,
): Promise<boolean> => matchesPattern(pattern, event);

const DRIFT_SEVERITY: Record<DriftKind, Severity> = {
  missing: 'critical',
  state: 'critical',
  'target-missing': 'critical',
  pattern: 'high',
  'sample-not-matched': 'high',
  'extra-target': 'medium',
  'check-failed': 'medium',
};

/**
 * Drifts as alerts of the `logging-disabled` rule (iamwatch's own detection was switched off or
 * bent), for the digest and the alerts topic. Stable ids per rule, kind and UTC day.
 */
export function driftAlerts(
  drifts: readonly Drift[],
  ctx: { account: string; region: string; nowMs: number; team?: string | null },
): Alert[] {
  const now = new Date(ctx.nowMs).toISOString();
  const day = now.slice(0, 10);
  return drifts.map((d) => {
    const eventId = `self-check:${d.rule}:${d.kind}:${day}`;
    const dedupeKey = `logging-disabled:self-check:${d.rule}:${d.kind}`;
    return {
      id: stableHash('logging-disabled', eventId),
      rule: 'logging-disabled',
      severity: DRIFT_SEVERITY[d.kind],
      title: `iamwatch rule ${d.rule} drifted (${d.kind})`,
      reasons: [d.message],
      eventId,
      eventName: 'SelfCheck',
      eventTime: now,
      account: ctx.account,
      region: ctx.region,
      actor: { type: 'iamwatch', arn: null, sourceIp: null, userAgent: null },
      target: { type: 'other', arn: null, name: d.rule },
      baseline: null,
      team: ctx.team ?? null,
      attack: ['T1562.008'],
      dedupeKey,
      count: 1,
      runbook:
        'iamwatch doctor; redeploy with `npx osls deploy` if a rule was disabled, changed or lost its target.',
    };
  });
}

/** One EventBridge rule as written in a CloudFormation template (infra/generated/eventbridge-rules.yml). */
export interface TemplateRule {
  /** CloudFormation logical id. */
  logicalId: string;
  state: string | null;
  pattern: EventPattern | null;
}

/** What `doctor --offline` found: problems, and what it checked, in words. */
export interface OfflineCheck {
  problems: Drift[];
  /** Sentences: what was checked and how much. */
  checked: string[];
}

/**
 * Checks EventBridge rules of a template against the rule catalogue without AWS: each generated rule is
 * present with the generated state and pattern, every (eventSource, eventName) a rule reads reaches one of
 * the template's patterns under the project's matcher, root activity reaches one, and an event no rule reads
 * (S3 GetObject by an IAM user) reaches none. Drifts are keyed by logical id.
 */
export function checkTemplateRules(
  template: readonly TemplateRule[],
  expected: readonly DeployedRule[],
  selectors: readonly Selector[],
): OfflineCheck {
  const problems: Drift[] = [];
  const add = (rule: string, kind: DriftKind, message: string) => problems.push({ rule, kind, message });
  const byId = new Map(template.map((t) => [t.logicalId, t]));
  for (const r of expected) {
    const t = byId.get(r.logicalId);
    if (!t) {
      add(
        r.logicalId,
        'missing',
        `rule ${r.logicalId} is not in the template: regenerate infra/ (npm run generate:infra)`,
      );
      continue;
    }
    if (t.state !== r.state)
      add(r.logicalId, 'state', `rule ${r.logicalId} is ${t.state ?? 'without State'}, expected ${r.state}`);
    if (!t.pattern || canonicalPattern(t.pattern) !== canonicalPattern(r.pattern)) {
      add(
        r.logicalId,
        'pattern',
        `rule ${r.logicalId} has a pattern other than the one generated from the rule catalogue`,
      );
    }
  }
  for (const t of template) {
    if (!expected.some((r) => r.logicalId === t.logicalId))
      add(
        t.logicalId,
        'extra-target',
        `rule ${t.logicalId} is in the template but not generated from the catalogue`,
      );
  }
  const patterns = template.flatMap((t) => (t.pattern ? [t] : []));
  const reaches = (event: Record<string, unknown>) =>
    patterns.filter((t) => matchesPattern(t.pattern!, event));
  let names = 0;
  for (const s of selectors) {
    for (const eventName of s.eventNames) {
      names++;
      const sample = sampleEnvelope({ eventSource: s.eventSource, eventName });
      if (reaches(sample).length === 0) {
        add(
          expected.find((r) => r.selects.some((x) => x.eventSource === s.eventSource))?.logicalId ??
            s.eventSource,
          'sample-not-matched',
          `no rule in the template matches ${s.eventSource} ${eventName}, which the rule catalogue reads`,
        );
      }
    }
  }
  const root = sampleEnvelope({
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    userIdentityType: 'Root',
    readOnly: true,
  });
  if (reaches(root).length === 0)
    add(
      'RootActivityRule',
      'sample-not-matched',
      'no rule in the template matches an API call by a root user',
    );
  const unrelated = sampleEnvelope({
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    readOnly: true,
  });
  for (const t of reaches(unrelated))
    add(
      t.logicalId,
      'pattern',
      `rule ${t.logicalId} matches s3.amazonaws.com GetObject, which no rule reads (cost)`,
    );
  return {
    problems,
    checked: [
      `${template.length} rule(s) of the template against the ${expected.length} generated from the rule catalogue (state and pattern)`,
      `${names} event name(s) the rule catalogue reads, root activity and one unrelated event, with the project's EventBridge matcher`,
    ],
  };
}
