import { describe, expect, it } from 'vitest';
import { ruleApplies } from '../../shared/core/detection/rule.js';
import { matchesPattern, validatePattern } from '../../shared/core/eventbridge/match.js';
import {
  type DeployedRule,
  deployedPatterns,
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
      for (const eventSource of rule.meta.appliesTo.eventSources) {
        for (const eventName of rule.meta.appliesTo.eventNames) {
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
