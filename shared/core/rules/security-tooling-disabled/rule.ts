import { matchPattern } from '../../baseline/patterns.js';
import { eventBridgeRuleName, logGroupName, retentionInDays } from '../../cloudtrail/accessors.js';
import { isObj, path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { appliesToPairs, defineRule, type RuleContext, type RuleHit } from '../../detection/rule.js';
import type { Severity } from '../../severity.js';
import { actorLabel, EVENTS, GUARDDUTY, quoted } from '../_common.js';

const CONFIG = 'config.amazonaws.com';
const SECURITYHUB = 'securityhub.amazonaws.com';
const ACCESS_ANALYZER = 'access-analyzer.amazonaws.com';
const CLOUDWATCH = 'monitoring.amazonaws.com';
const LOGS = 'logs.amazonaws.com';

/** What a call did to the security tooling, or null when this call leaves it intact. */
interface Effect {
  severity: Severity;
  what: string;
}

type Check = (e: NormalisedEvent, ctx: RuleContext) => Effect | null;

const always =
  (severity: Severity, what: string): Check =>
  () => ({ severity, what });

/** Log groups whose loss blinds the defenders: a trail's, GuardDuty's, Security Hub's or iamwatch's. */
const SECURITY_LOG_GROUP = /cloudtrail|guardduty|securityhub|iamwatch/i;
/** Retention at or under this many days on a security log group counts as deleting it soon. */
const SHORT_RETENTION_DAYS = 7;

function recorderNarrowed(e: NormalisedEvent): Effect | null {
  const group = path(e.requestParameters, 'configurationRecorder', 'recordingGroup');
  if (!isObj(group)) return null;
  const strategy = path(group, 'recordingStrategy', 'useOnly');
  if (group.allSupported === false || strategy === 'EXCLUSION_BY_RESOURCE_TYPES') {
    return {
      severity: 'high',
      what: 'the AWS Config recorder no longer records every supported resource type',
    };
  }
  return null;
}

function archives(e: NormalisedEvent): Effect | null {
  if (e.requestParameters?.action !== 'ARCHIVE') return null;
  return {
    severity: 'high',
    what: `GuardDuty filter ${quoted(String(e.requestParameters?.name ?? ''), '(unnamed)')} archives matching findings as they arrive`,
  };
}

function protectedRule(e: NormalisedEvent, ctx: RuleContext): Effect | null {
  const name = eventBridgeRuleName(e);
  if (name === null || name.toLowerCase().startsWith('iamwatch')) return null; // logging-disabled's
  if (!ctx.baseline.protectedRules().some((p) => matchPattern(p, name))) return null;
  return {
    severity: 'high',
    what: `EventBridge rule ${quoted(name)} (declared in protected_rules) no longer routes security findings`,
  };
}

function securityLogGroup(e: NormalisedEvent): Effect | null {
  const name = logGroupName(e);
  if (name === null || !SECURITY_LOG_GROUP.test(name)) return null;
  if (e.eventName === 'DeleteLogGroup') {
    return { severity: 'high', what: `log group ${quoted(name)} and every event in it were deleted` };
  }
  const days = retentionInDays(e);
  if (days === null || days > SHORT_RETENTION_DAYS) return null;
  return {
    severity: 'medium',
    what: `log group ${quoted(name)} now keeps events ${days} day${days === 1 ? '' : 's'} only`,
  };
}

/** eventSource → eventName → check. */
const CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  [CONFIG]: {
    StopConfigurationRecorder: always('high', 'AWS Config stopped recording configuration changes'),
    DeleteConfigurationRecorder: always('high', 'the AWS Config recorder was deleted'),
    DeleteDeliveryChannel: always('high', 'AWS Config no longer delivers configuration history'),
    DeleteConfigRule: always('medium', 'an AWS Config rule no longer evaluates resources'),
    PutConfigurationRecorder: recorderNarrowed,
  },
  [GUARDDUTY]: {
    CreateIPSet: always('high', 'a GuardDuty trusted IP list: no findings for traffic from those addresses'),
    UpdateIPSet: always(
      'high',
      'a GuardDuty trusted IP list changed: no findings for traffic from those addresses',
    ),
    CreateFilter: archives,
    UpdateFilter: archives,
    DisassociateFromAdministratorAccount: always(
      'critical',
      'this account left its GuardDuty administrator: findings no longer reach the security account',
    ),
    DisassociateFromMasterAccount: always(
      'critical',
      'this account left its GuardDuty administrator: findings no longer reach the security account',
    ),
    DisassociateMembers: always(
      'high',
      'GuardDuty member accounts were disassociated from the administrator',
    ),
    DeleteMembers: always('high', 'GuardDuty member accounts were removed from the administrator'),
    StopMonitoringMembers: always('high', 'GuardDuty stopped monitoring member accounts'),
    DeletePublishingDestination: always('medium', 'GuardDuty no longer exports findings to S3'),
    DeleteThreatIntelSet: always(
      'medium',
      'a GuardDuty threat intelligence list was deleted: traffic to or from its addresses no longer raises findings',
    ),
  },
  [SECURITYHUB]: {
    DisableSecurityHub: always('critical', 'Security Hub was disabled in this account and region'),
    BatchDisableStandards: always('high', 'Security Hub standards were disabled'),
    DisassociateFromAdministratorAccount: always(
      'critical',
      'this account left its Security Hub administrator: findings no longer reach the security account',
    ),
    DisassociateFromMasterAccount: always(
      'critical',
      'this account left its Security Hub administrator: findings no longer reach the security account',
    ),
    DisableImportFindingsForProduct: always('medium', 'Security Hub stopped importing a product’s findings'),
  },
  [ACCESS_ANALYZER]: {
    DeleteAnalyzer: always('high', 'an IAM Access Analyzer analyzer was deleted'),
    CreateArchiveRule: always('medium', 'an Access Analyzer archive rule hides matching findings'),
    UpdateArchiveRule: always('medium', 'an Access Analyzer archive rule changed what it hides'),
  },
  [CLOUDWATCH]: {
    DeleteAlarms: always('medium', 'CloudWatch alarms were deleted'),
    DisableAlarmActions: always('medium', 'CloudWatch alarms no longer notify anyone'),
  },
  [LOGS]: { DeleteLogGroup: securityLogGroup, PutRetentionPolicy: securityLogGroup },
  [EVENTS]: { DisableRule: protectedRule, DeleteRule: protectedRule, RemoveTargets: protectedRule },
};

export default defineRule({
  meta: {
    id: 'security-tooling-disabled',
    title: 'Security tooling disabled or muted',
    description:
      'AWS Config recording was stopped or narrowed, GuardDuty was given a trusted IP list or an archiving ' +
      'filter, lost a threat list or its findings export, or left its administrator, Security Hub or Access Analyzer was disabled, CloudWatch alarms or a ' +
      'security log group were deleted, or an EventBridge rule declared in protected_rules was disabled. ' +
      'CloudTrail itself, GuardDuty detectors and iamwatch’s own rules are logging-disabled’s.',
    severity: 'high',
    appliesTo: appliesToPairs(
      Object.fromEntries(Object.entries(CHECKS).map(([src, checks]) => [src, Object.keys(checks)])),
    ),
    attack: ['T1562.001', 'T1562.008'],
    // No Stratus Red Team technique exercises these calls (2026); see the fixtures.
    emulatedBy: [],
    falsePositives: [
      'Decommissioning a region or account, or a planned migration of Config or GuardDuty administration.',
      'Teams deleting their own CloudWatch alarms when tearing down a service.',
      'A reviewed GuardDuty suppression rule for known-benign findings (tune with a suppression).',
    ],
    runbook:
      'iamwatch baseline seen <actor> --since 1d for what else the actor did; re-enable the tool, then iamwatch replay the CloudTrail archive for the blind period.',
    dedupWindowMinutes: 60,
  },
  evaluate(e: NormalisedEvent, ctx: RuleContext): RuleHit | null {
    if (!e.success) return null;
    const check = CHECKS[e.eventSource]?.[e.eventName];
    const effect = check?.(e, ctx) ?? null;
    if (effect === null) return null;
    return {
      severity: effect.severity,
      reasons: [`${actorLabel(e)} called ${e.eventName}`, effect.what],
      dedupeKey: `security-tooling-disabled|${e.account}|${e.region}|${e.eventSource}|${e.eventName}`,
    };
  },
});
