/**
 * EventBridge rules generated from the rule catalogue: the detect Lambda is invoked only for
 * events some rule reads (DESIGN.md, "Scale and cost"). `test/deploy/patterns.test.ts` proves
 * with {@link matchesPattern} that every (eventSource, eventName) of the catalogue reaches a
 * deployed pattern and that unrelated CloudTrail does not.
 */
import { catalogueSelectors } from '../rules/index.js';
import type { EventPattern } from './match.js';

/** detail-type of CloudTrail management events delivered to EventBridge. */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** Both spellings of the console sign-in detail-type are seen in the wild. */
export const SIGN_IN_DETAIL_TYPES = [
  'AWS Console Sign In via CloudTrail',
  'AWS Console Sign-In via CloudTrail',
] as const;

/** `ENABLED` rules may not receive read-only management events (AssumeRole* are logged readOnly). */
export type RuleState = 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export type DeployedRuleKey = 'iam' | 'sts' | 'signin' | 'services' | `services-${number}` | 'root';

/**
 * Longest event pattern EventBridge accepts (PutRule `EventPattern`: at most 4096 characters). Rules whose
 * pattern would be longer are split (the services rule; see {@link deployedPatterns}); a test keeps every
 * generated pattern under it.
 */
export const EVENT_PATTERN_MAX_CHARS = 4096;

export interface Selector {
  eventSource: string;
  eventNames: string[];
}

/** One EventBridge rule iamwatch deploys on the default bus of its home region. */
export interface DeployedRule {
  key: DeployedRuleKey;
  /** CloudFormation logical id in serverless.yml. */
  logicalId: string;
  /** Suffix of the physical rule name: `<service>-<stage>-<nameSuffix>`. */
  nameSuffix: string;
  description: string;
  state: RuleState;
  pattern: EventPattern;
  /** The catalogue selectors this rule carries ([] for the root-activity rule). */
  selects: Selector[];
  /** Where CloudTrail delivers these events: IAM only in us-east-1; the others where they were served. */
  delivery: 'us-east-1' | 'every-region';
}

/** A deployed rule as the self-check and `doctor` know it: its name and what it must look like. */
export interface DeployedRuleRef {
  name: string;
  key: DeployedRuleKey;
  state: RuleState;
  pattern: EventPattern;
}

/** A deployed rule as DescribeRule reports it (the self-check compares it with {@link DeployedRuleRef}). */
export interface RuleDescription {
  name: string;
  arn?: string;
  state: string;
  /** Parsed EventPattern; null when the rule has none (a schedule rule). */
  pattern: EventPattern | null;
}

/** A target as ListTargetsByRule reports it. */
export interface RuleTarget {
  id: string;
  arn: string;
}

/** EventBridge `source` for a CloudTrail eventSource: `iam.amazonaws.com` → `aws.iam`. */
export function eventBridgeSource(eventSource: string): string {
  const host = eventSource.split('.')[0] ?? eventSource;
  return SOURCE_OVERRIDES[host] ?? `aws.${host}`;
}

const SOURCE_OVERRIDES: Record<string, string> = { monitoring: 'aws.cloudwatch' };

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** A rule of its own for one event source's catalogue events (its name suffix is its key). */
interface SourceRule extends Pick<DeployedRule, 'logicalId' | 'description' | 'state' | 'delivery'> {
  key: 'iam' | 'sts' | 'signin';
  eventSource: string;
  pattern(eventNames: string[]): EventPattern;
}

/** The event sources with a rule of their own, in deployment order. */
const SOURCE_RULES: readonly SourceRule[] = [
  {
    key: 'iam',
    eventSource: 'iam.amazonaws.com',
    logicalId: 'IamEventsRule',
    description:
      'iamwatch: IAM API calls read by the rule catalogue (IAM events reach EventBridge in us-east-1 only)',
    state: 'ENABLED',
    pattern: (names) => apiCallPattern('iam.amazonaws.com', names),
    delivery: 'us-east-1',
  },
  {
    key: 'sts',
    eventSource: 'sts.amazonaws.com',
    logicalId: 'StsEventsRule',
    description: 'iamwatch: STS calls read by the rule catalogue (AssumeRole* are read-only events)',
    state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    pattern: (names) => apiCallPattern('sts.amazonaws.com', names),
    delivery: 'every-region',
  },
  {
    key: 'signin',
    eventSource: 'signin.amazonaws.com',
    logicalId: 'SignInEventsRule',
    description: 'iamwatch: console sign-in events read by the rule catalogue',
    state: 'ENABLED',
    pattern: (names) => ({
      source: ['aws.signin'],
      // GetSigninToken (session-to-console) is logged as an API call (eventType AwsApiCall), not a sign-in.
      'detail-type': names.includes('GetSigninToken')
        ? [...SIGN_IN_DETAIL_TYPES, API_CALL_DETAIL_TYPE]
        : [...SIGN_IN_DETAIL_TYPES],
      detail: { eventSource: ['signin.amazonaws.com'], eventName: names },
    }),
    delivery: 'every-region',
  },
];

/**
 * The rules to deploy for the given catalogue selectors (default: the whole catalogue).
 * IAM, STS and sign-in events get a rule each; every other service's events share one rule
 * (`$or` per source keeps eventName lists from leaking across services); root activity gets
 * its own rule because `root-activity` reads every event a root user makes.
 */
export function deployedPatterns(selectors: readonly Selector[] = catalogueSelectors()): DeployedRule[] {
  const bySource = new Map<string, Set<string>>();
  for (const s of selectors) {
    const set = bySource.get(s.eventSource) ?? new Set<string>();
    for (const n of s.eventNames) set.add(n);
    bySource.set(s.eventSource, set);
  }
  const take = (src: string): string[] | null => {
    const names = bySource.get(src);
    if (!names || names.size === 0) return null;
    bySource.delete(src);
    return sorted(names);
  };
  const out: DeployedRule[] = [];

  for (const r of SOURCE_RULES) {
    const names = take(r.eventSource);
    if (!names) continue;
    out.push({
      key: r.key,
      logicalId: r.logicalId,
      nameSuffix: r.key,
      description: r.description,
      state: r.state,
      pattern: r.pattern(names),
      selects: [{ eventSource: r.eventSource, eventNames: names }],
      delivery: r.delivery,
    });
  }

  const rest = [...bySource.keys()].sort().flatMap((src) => {
    const names = take(src);
    return names ? [{ eventSource: src, eventNames: names }] : [];
  });
  // Services share one rule while the pattern fits; beyond EVENT_PATTERN_MAX_CHARS they are split into
  // `services`, `services-2`, … (whole services per rule, in source order).
  const groups: Selector[][] = [];
  for (const sel of rest) {
    const last = groups[groups.length - 1];
    if (last !== undefined && patternLength(servicesPattern([...last, sel])) <= EVENT_PATTERN_MAX_CHARS) {
      last.push(sel);
    } else {
      groups.push([sel]);
    }
  }
  groups.forEach((group, i) => {
    const n = i + 1;
    out.push({
      key: n === 1 ? 'services' : `services-${n}`,
      logicalId: n === 1 ? 'ServiceEventsRule' : `ServiceEventsRule${n}`,
      nameSuffix: n === 1 ? 'services' : `services-${n}`,
      description: `iamwatch: ${group.map((s) => s.eventSource.split('.')[0]).join(', ')} calls read by the rule catalogue (tampering with logging and detection, roles passed to compute)`,
      state: 'ENABLED',
      pattern: servicesPattern(group),
      selects: group,
      delivery: 'every-region',
    });
  });

  out.push({
    key: 'root',
    logicalId: 'RootActivityRule',
    nameSuffix: 'root',
    description: 'iamwatch: every API call and console sign-in by a root user (root-activity)',
    state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    pattern: {
      'detail-type': [API_CALL_DETAIL_TYPE, ...SIGN_IN_DETAIL_TYPES],
      detail: { userIdentity: { type: ['Root'] } },
    },
    selects: [],
    delivery: 'every-region',
  });
  return out;
}

function servicesPattern(sels: readonly Selector[]): EventPattern {
  const branches = sels.map((s) => ({ eventSource: [s.eventSource], eventName: s.eventNames }));
  return {
    source: sorted(sels.map((s) => eventBridgeSource(s.eventSource))),
    'detail-type': [API_CALL_DETAIL_TYPE],
    // One branch per service keeps DeleteRule of events from matching some other service's DeleteRule.
    detail: branches.length === 1 ? branches[0]! : { $or: branches },
  };
}

/** Length of a pattern as PutRule receives it (compact JSON). */
export function patternLength(pattern: EventPattern): number {
  return JSON.stringify(pattern).length;
}

function apiCallPattern(eventSource: string, eventNames: string[]): EventPattern {
  return {
    source: [eventBridgeSource(eventSource)],
    'detail-type': [API_CALL_DETAIL_TYPE],
    detail: { eventSource: [eventSource], eventName: eventNames },
  };
}

/** Physical rule names for a deployment (`<service>-<stage>-<suffix>`), as the self-check expects them. */
export function deployedRuleRefs(
  prefix: string,
  rules: readonly DeployedRule[] = deployedPatterns(),
): DeployedRuleRef[] {
  return rules.map((r) => ({
    name: `${prefix}-${r.nameSuffix}`,
    key: r.key,
    state: r.state,
    pattern: r.pattern,
  }));
}

/**
 * A CloudTrail-via-EventBridge envelope for one call, with documentation values, for tests
 * and for `TestEventPattern` in `iamwatch doctor`.
 */
export function sampleEnvelope(opts: {
  eventSource: string;
  eventName: string;
  account?: string;
  region?: string;
  userIdentityType?: string;
  readOnly?: boolean;
}): Record<string, unknown> {
  const account = opts.account ?? '111122223333';
  const region = opts.region ?? 'us-east-1';
  const signIn = opts.eventName === 'ConsoleLogin';
  const type = opts.userIdentityType ?? 'IAMUser';
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': signIn ? SIGN_IN_DETAIL_TYPES[0] : API_CALL_DETAIL_TYPE,
    source: eventBridgeSource(opts.eventSource),
    account,
    time: '2026-01-15T10:00:00Z',
    region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity:
        type === 'Root'
          ? { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account }
          : {
              type,
              principalId: 'AIDACKCEVSQ6C2EXAMPLE',
              arn: `arn:aws:iam::${account}:user/alice`,
              accountId: account,
              userName: 'alice',
            },
      eventTime: '2026-01-15T10:00:00Z',
      eventSource: opts.eventSource,
      eventName: opts.eventName,
      awsRegion: region,
      sourceIPAddress: '192.0.2.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: null,
      responseElements: null,
      requestID: 'f8e7d6c5-0000-4000-8000-000000000001',
      eventID: 'e1f2a3b4-0000-4000-8000-000000000001',
      readOnly: opts.readOnly ?? false,
      eventType: signIn ? 'AwsConsoleSignIn' : 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    },
  };
}

/** One sample envelope per deployed rule (its first selector; a root call for the root rule). */
export function sampleFor(rule: DeployedRule, account?: string, region?: string): Record<string, unknown> {
  const first = rule.selects[0];
  if (!first || first.eventNames.length === 0) {
    return sampleEnvelope({
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      userIdentityType: 'Root',
      account,
      region,
      readOnly: true,
    });
  }
  return sampleEnvelope({ eventSource: first.eventSource, eventName: first.eventNames[0]!, account, region });
}
