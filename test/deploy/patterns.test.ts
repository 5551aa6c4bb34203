import { describe, expect, it } from 'vitest';
import { appliesPairs, ruleApplies } from '../../shared/core/detection/rule.js';
import { matchesPattern, validatePattern } from '../../shared/core/eventbridge/match.js';
import {
  type DeployedRule,
  deployedPatterns,
  EVENT_PATTERN_MAX_CHARS,
  patternLength,
  SIGN_IN_DETAIL_TYPES,
  sampleEnvelope,
  sampleFor,
} from '../../shared/core/eventbridge/patterns.js';
import { catalogueSelectors, RULES } from '../../shared/core/rules/index.js';
import { envelope, fixture } from './envelope.js';

const deployed = deployedPatterns();
const matching = (rules: DeployedRule[], event: unknown) =>
  rules.filter((r) => matchesPattern(r.pattern, event));

describe('deployed EventBridge patterns (from the rule catalogue)', () => {
  it('are valid event patterns', () => {
    for (const r of deployed) expect(() => validatePattern(r.pattern), r.key).not.toThrow();
  });

  it('carry every (eventSource, eventName) some rule reads', () => {
    const missing: string[] = [];
    for (const rule of RULES) {
      if (rule.meta.appliesTo === 'any') continue;
      for (const { eventSource, eventNames } of appliesPairs(rule.meta.appliesTo)) {
        for (const eventName of eventNames) {
          const hits = matching(deployed, sampleEnvelope({ eventSource, eventName }));
          if (hits.length === 0) missing.push(`${rule.meta.id}: ${eventSource} ${eventName}`);
        }
      }
    }
    expect(missing, 'events read by a rule but not selected by any deployed pattern').toEqual([]);
  });

  it('deliver read-only STS calls (AssumeRole*) through a rule that receives read-only events', () => {
    const sts = catalogueSelectors().find((s) => s.eventSource === 'sts.amazonaws.com');
    expect(sts, 'the catalogue reads STS events').toBeDefined();
    for (const eventName of sts!.eventNames) {
      const hits = matching(
        deployed,
        sampleEnvelope({ eventSource: 'sts.amazonaws.com', eventName, readOnly: true }),
      );
      expect(hits.map((r) => r.state)).toContain('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    }
  });

  it.each([
    ['S3 GetObject', 's3.amazonaws.com', 'GetObject'],
    ['EC2 DescribeInstances', 'ec2.amazonaws.com', 'DescribeInstances'],
    ['KMS Decrypt', 'kms.amazonaws.com', 'Decrypt'],
    ['STS GetCallerIdentity', 'sts.amazonaws.com', 'GetCallerIdentity'],
    ['IAM ListRoles', 'iam.amazonaws.com', 'ListRoles'],
    ['IAM GetRole', 'iam.amazonaws.com', 'GetRole'],
    // Identity Center's portal and directory reads are high-volume and read by no rule.
    ['SSO portal GetRoleCredentials', 'sso.amazonaws.com', 'GetRoleCredentials'],
    ['SSO ListAccountAssignments', 'sso.amazonaws.com', 'ListAccountAssignments'],
    ['SSO OIDC RegisterClient', 'sso-oauth.amazonaws.com', 'RegisterClient'],
    ['Identity store ListUsers', 'sso-directory.amazonaws.com', 'SearchUsers'],
    ['STS GetSessionToken under another source', 'signin.amazonaws.com', 'GetSessionToken'],
  ])('do not select irrelevant CloudTrail: %s', (_name, eventSource, eventName) => {
    expect(matching(deployed, sampleEnvelope({ eventSource, eventName, readOnly: true }))).toEqual([]);
  });

  it('select every call by a root user (root-activity), read-only ones included', () => {
    const rootList = sampleEnvelope({
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      userIdentityType: 'Root',
      readOnly: true,
    });
    const hits = matching(deployed, rootList);
    expect(hits.map((r) => r.key)).toEqual(['root']);
    expect(hits[0]!.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  it('select a root console sign-in under both detail-type spellings', () => {
    const rec = fixture('ConsoleLogin__awsdocs-cloudtrail-user-guide__root-no-mfa.json');
    for (const dt of SIGN_IN_DETAIL_TYPES) {
      expect(matching(deployed, envelope(rec, dt)).map((r) => r.key)).toContain('root');
    }
  });

  it.each([
    'CreateAccessKey__stratus-red-team.json',
    'AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json',
    'AttachRolePolicy__stratus-red-team.json',
    'AssumeRole__awsdocs-iam-user-guide__role-chaining.json',
    'StopLogging__stratus-red-team.json',
    'ConsoleLogin__awsdocs-cloudtrail-user-guide__iam-user-no-mfa.json',
  ])('select a real record exactly when some rule reads it: %s', (name) => {
    const rec = fixture(name);
    const read = RULES.some(
      (r) =>
        r.meta.appliesTo !== 'any' && ruleApplies(r.meta, String(rec.eventSource), String(rec.eventName)),
    );
    expect(matching(deployed, envelope(rec)).length > 0).toBe(read);
  });

  it('give each rule a sample event that it matches (used by `iamwatch doctor` TestEventPattern)', () => {
    for (const r of deployed) expect(matchesPattern(r.pattern, sampleFor(r)), r.key).toBe(true);
  });
});

describe('pattern generation for sources the catalogue may add', () => {
  const rules = deployedPatterns([
    { eventSource: 'iam.amazonaws.com', eventNames: ['CreateAccessKey'] },
    { eventSource: 'signin.amazonaws.com', eventNames: ['ConsoleLogin'] },
    {
      eventSource: 'cloudtrail.amazonaws.com',
      eventNames: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
    },
    { eventSource: 'guardduty.amazonaws.com', eventNames: ['DeleteDetector'] },
    { eventSource: 'events.amazonaws.com', eventNames: ['DisableRule', 'DeleteRule', 'RemoveTargets'] },
  ]);
  const keys = (event: unknown) => matching(rules, event).map((r) => r.key);

  it('one rule per kind, IAM delivered in us-east-1 only', () => {
    expect(rules.map((r) => [r.key, r.delivery])).toEqual([
      ['iam', 'us-east-1'],
      ['signin', 'every-region'],
      ['services', 'every-region'],
      ['root', 'every-region'],
    ]);
  });

  it('sign-in: source aws.signin under both detail-type spellings', () => {
    const rec = fixture('ConsoleLogin__awsdocs-cloudtrail-user-guide__iam-user-no-mfa.json');
    for (const dt of SIGN_IN_DETAIL_TYPES) expect(keys(envelope(rec, dt))).toEqual(['signin']);
    expect(keys(envelope(rec, 'AWS Service Event via CloudTrail'))).toEqual([]);
  });

  it('tampering: a real StopLogging is selected', () => {
    expect(keys(envelope(fixture('StopLogging__stratus-red-team.json')))).toEqual(['services']);
  });

  it.each([
    ['events', 'events.amazonaws.com', 'DeleteRule', ['services']],
    ['guardduty', 'guardduty.amazonaws.com', 'DeleteDetector', ['services']],
    ['cloudtrail', 'cloudtrail.amazonaws.com', 'DeleteTrail', ['services']],
    ['an eventName of another service', 'guardduty.amazonaws.com', 'DeleteRule', []],
    ['another call of the same service', 'cloudtrail.amazonaws.com', 'LookupEvents', []],
  ])('tampering, per service: %s', (_n, eventSource, eventName, expected) => {
    expect(keys(sampleEnvelope({ eventSource, eventName }))).toEqual(expected);
  });
});

describe('patterns stay selective as the catalogue grows (issue 12)', () => {
  it(`every deployed pattern is under EventBridge's ${EVENT_PATTERN_MAX_CHARS}-character limit`, () => {
    const over = deployed.filter((r) => patternLength(r.pattern) > EVENT_PATTERN_MAX_CHARS);
    expect(over.map((r) => `${r.key}: ${patternLength(r.pattern)}`)).toEqual([]);
  });

  it('splits the services rule when one pattern would exceed the limit, losing no event', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      eventSource: `svc${i}.amazonaws.com`,
      eventNames: Array.from({ length: 30 }, (_, j) => `DeleteSomethingQuiteLongNamed${j}`),
    }));
    const rules = deployedPatterns(many);
    const services = rules.filter((r) => r.key.startsWith('services'));
    expect(services.length).toBeGreaterThan(1);
    expect(new Set(services.map((r) => r.logicalId)).size).toBe(services.length);
    for (const r of services) expect(patternLength(r.pattern)).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    for (const s of many) {
      for (const eventName of s.eventNames) {
        const hits = matching(rules, sampleEnvelope({ eventSource: s.eventSource, eventName }));
        expect(hits.length, `${s.eventSource} ${eventName}`).toBe(1);
      }
    }
  });

  it.each([
    ['Lambda CreateFunction', 'lambda.amazonaws.com', 'CreateFunction20150331', true],
    ['EC2 RunInstances', 'ec2.amazonaws.com', 'RunInstances', true],
    ['ECS RegisterTaskDefinition', 'ecs.amazonaws.com', 'RegisterTaskDefinition', true],
    ['Config StopConfigurationRecorder', 'config.amazonaws.com', 'StopConfigurationRecorder', true],
    ['CloudWatch DeleteAlarms', 'monitoring.amazonaws.com', 'DeleteAlarms', true],
    ['S3 PutBucketLifecycle', 's3.amazonaws.com', 'PutBucketLifecycle', true],
    // Data plane and reads of the same services stay out.
    ['Lambda Invoke', 'lambda.amazonaws.com', 'Invoke', false],
    ['Lambda UpdateFunctionCode', 'lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', false],
    ['EC2 DescribeInstances', 'ec2.amazonaws.com', 'DescribeInstances', false],
    ['ECS UpdateService', 'ecs.amazonaws.com', 'UpdateService', false],
    ['CloudWatch PutMetricData', 'monitoring.amazonaws.com', 'PutMetricData', false],
    ['Logs CreateLogStream', 'logs.amazonaws.com', 'CreateLogStream', false],
    ['S3 PutObject', 's3.amazonaws.com', 'PutObject', false],
    // A name one service reads does not select it from another (exact pairs, not sources × names).
    ['EC2 CreateProject', 'ec2.amazonaws.com', 'CreateProject', false],
    ['S3 CreateTrail', 's3.amazonaws.com', 'CreateTrail', false],
    ['Config DeleteAlarms', 'config.amazonaws.com', 'DeleteAlarms', false],
  ])('%s selected: %s', (_n, eventSource, eventName, selected) => {
    expect(matching(deployed, sampleEnvelope({ eventSource, eventName })).length > 0).toBe(selected);
  });
});
