/**
 * Issue 12 part B: baseline keys for passing roles to compute (`passed_by`, `passed_to`), tuning without code
 * (`rules:`), `protected_rules` and `trail_buckets`, judged through the same Engine the Lambda and replay use.
 */
import { describe, expect, it } from 'vitest';
import { passExpected } from '../../shared/core/baseline/expected.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { Engine } from '../../shared/core/detection/engine.js';
import { RULES } from '../../shared/core/rules/index.js';
import { fixturesOf } from '../helpers/rule-fixtures.js';

const IDS = RULES.map((r) => r.meta.id);

function parse(yaml: string) {
  return parseBaseline(yaml, 'b.yaml', { ruleIds: IDS });
}

function ok(yaml: string) {
  const { baseline, issues } = parse(yaml);
  const errors = issues.filter((i) => i.level === 'error');
  if (!baseline || errors.length > 0) throw new Error(JSON.stringify(errors));
  return baseline;
}

function errorsOf(yaml: string): string[] {
  return parse(yaml)
    .issues.filter((i) => i.level === 'error')
    .map((i) => `${i.line}: ${i.field}: ${i.message}`);
}

function fixture(rule: string, name: string) {
  const f = fixturesOf(rule).find((x) => x.file === `${rule}/fixtures/${name}.json`);
  if (!f) throw new Error(`no fixture ${name}`);
  const n = normaliseRecord(structuredClone(f.record));
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

const PASS_BASELINE = `version: 1
identities:
  - arn: arn:aws:iam::111122223333:role/app-lambda
    kind: workload
    owner: platform
    purpose: execution role of the api Lambda functions
    environment: production
    passed_by: ["arn:aws:iam::*:role/terraform-apply"]
    passed_to: [lambda]
`;

/** Rule ids an event raises under a baseline, with severities. */
function raised(yaml: string, rule: string, name: string): string[] {
  const { findings } = new Engine(RULES).evaluate(fixture(rule, name), buildIndex(ok(yaml)));
  return findings.map((f) => `${f.rule.meta.id}:${f.hit.severity}`);
}

describe('baseline: passed_by / passed_to', () => {
  it('parses both keys into the identity', () => {
    const b = ok(PASS_BASELINE);
    expect(b.identities[0]?.passedBy).toEqual(['arn:aws:iam::*:role/terraform-apply']);
    expect(b.identities[0]?.passedTo).toEqual(['lambda']);
  });

  it('rejects an unknown compute service and a passer that is not an ARN, naming line and field', () => {
    const errs = errorsOf(
      PASS_BASELINE.replace('passed_to: [lambda]', 'passed_to: [lamda]').replace(
        '"arn:aws:iam::*:role/terraform-apply"',
        'terraform-apply',
      ),
    );
    expect(errs.some((e) => e.startsWith('8: identities[0].passed_by[0]'))).toBe(true);
    expect(errs.some((e) => e.startsWith('9: identities[0].passed_to[0]'))).toBe(true);
  });

  it('passExpected: listed passer and service → expected; other service or passer → not, with reasons', () => {
    const id = ok(PASS_BASELINE).identities[0]!;
    const tf = 'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-1';
    expect(passExpected(id, tf, 'lambda').expected).toBe(true);
    const ecs = passExpected(id, tf, 'ecs');
    expect(ecs.expected).toBe(false);
    expect(ecs.reasons.join(' ')).toContain('not to ecs');
    const user = passExpected(id, 'arn:aws:iam::111122223333:user/christophe', 'lambda');
    expect(user.expected).toBe(false);
    expect(user.reasons.join(' ')).toContain('not among the 1 passed_by pattern');
    expect(passExpected({ ...id, passedBy: undefined, passedTo: undefined }, tf, 'ec2').expected).toBeNull();
    expect(passExpected(null, tf, 'ec2').expected).toBeNull();
  });
});

describe('baseline: rules: tuning (applied once, in the Engine)', () => {
  const base = `${PASS_BASELINE}protected_rules: ["guardduty-findings-*"]
trail_buckets: [example-org-cloudtrail]
`;

  it('without tuning the rule fires at its severity', () => {
    expect(raised(base, 'role-passed-to-compute', 'lambda-create-function-unexpected-passer')).toEqual([
      'role-passed-to-compute:critical',
    ]);
  });

  it('enabled: false turns a rule off', () => {
    const yaml = `${base}rules:\n  - { rule: role-passed-to-compute, enabled: false }\n`;
    expect(raised(yaml, 'role-passed-to-compute', 'lambda-create-function-unexpected-passer')).toEqual([]);
  });

  it('severity overrides by environment apply only where the target or actor is in that environment', () => {
    const prod = `${base}rules:\n  - { rule: role-passed-to-compute, severity: low, environment: production }\n`;
    expect(raised(prod, 'role-passed-to-compute', 'lambda-create-function-unexpected-passer')).toEqual([
      'role-passed-to-compute:low',
    ]);
    const staging = `${base}rules:\n  - { rule: role-passed-to-compute, severity: low, environment: staging }\n`;
    expect(raised(staging, 'role-passed-to-compute', 'lambda-create-function-unexpected-passer')).toEqual([
      'role-passed-to-compute:critical',
    ]);
  });

  it('identity patterns match the actor (baselined or not); later entries win', () => {
    const yaml = `${base}rules:
  - { rule: security-tooling-disabled, enabled: false, identity: "arn:aws:iam::111122223333:user/*" }
  - { rule: security-tooling-disabled, enabled: true, severity: critical, identity: "arn:aws:iam::111122223333:user/christophe" }
`;
    expect(raised(yaml, 'security-tooling-disabled', 'config-recorder-stopped')).toEqual([
      'security-tooling-disabled:critical',
    ]);
    const off = `${base}rules:\n  - { rule: security-tooling-disabled, enabled: false, identity: "arn:aws:iam::*:user/*" }\n`;
    expect(raised(off, 'security-tooling-disabled', 'config-recorder-stopped')).toEqual([]);
    const other = `${base}rules:\n  - { rule: security-tooling-disabled, enabled: false, identity: "arn:aws:iam::*:user/alice" }\n`;
    expect(raised(other, 'security-tooling-disabled', 'config-recorder-stopped')).toEqual([
      'security-tooling-disabled:high',
    ]);
  });

  it('is validated strictly: unknown rule ids with "did you mean", unknown keys, empty entries, bad severities', () => {
    // Catalogue ids are checked once the file is schema-valid (as for suppressions).
    const unknown = errorsOf(`${base}rules:\n  - { rule: role-passed-to-compte, enabled: false }\n`).join(
      '\n',
    );
    expect(unknown).toContain('rules[0].rule: unknown rule "role-passed-to-compte"');
    expect(unknown).toContain('did you mean "role-passed-to-compute"?');
    const errs = errorsOf(`${base}rules:
  - { rule: logging-disabled, enabled: false }
  - { rule: logging-disabled, severty: low }
  - { rule: logging-disabled }
  - { rule: logging-disabled, severity: urgent }
`);
    expect(errs.some((e) => e.includes('rules[1]') && e.includes('severty'))).toBe(true);
    expect(
      errs.some((e) => e.includes('rules[2]') && e.includes('enabled, severity or count_thresholds')),
    ).toBe(true);
    expect(errs.some((e) => e.includes('rules[3].severity'))).toBe(true);
  });

  it('rejects a trail bucket that is not a bucket name and unknown top-level keys', () => {
    const errs = errorsOf(`${PASS_BASELINE}trail_buckets: ["s3://Example"]\nprotected_rule: [x]\n`);
    expect(errs.some((e) => e.includes('trail_buckets[0]'))).toBe(true);
    expect(errs.some((e) => e.includes('protected_rule'))).toBe(true);
  });
});
