import {
  advancedEventSelectors,
  eventBridgeRuleName,
  eventSelectors,
  guardDutyDetectorEnable,
  guardDutyDetectorId,
  trailName,
} from '../../cloudtrail/accessors.js';
import { isObj } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, CLOUDTRAIL, EVENTS, GUARDDUTY, quoted } from '../_common.js';

const TRAIL_EVENTS = [
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'PutAdvancedEventSelectors',
];
const BUS_EVENTS = ['DisableRule', 'DeleteRule', 'RemoveTargets'];
const DETECTOR_EVENTS = ['DeleteDetector', 'UpdateDetector'];

/** Names of the EventBridge rules iamwatch deploys start with its service name (`iamwatch-<stage>-…`). */
const OWN_RULE_PREFIX = 'iamwatch';

function isOwnRule(name: string | null): boolean {
  return name?.toLowerCase().startsWith(OWN_RULE_PREFIX) === true;
}

/**
 * True when the submitted selectors still log every management event, read and write, from every source: a
 * change of data-event selection that leaves iamwatch's input intact. Anything unreadable counts as reduced.
 */
function keepsAllManagementEvents(e: NormalisedEvent): boolean {
  const basic = eventSelectors(e);
  if (basic !== null) {
    return basic.some(
      (s) =>
        isObj(s) &&
        s.includeManagementEvents !== false &&
        (s.readWriteType === undefined || s.readWriteType === 'All') &&
        (s.excludeManagementEventSources === undefined ||
          (Array.isArray(s.excludeManagementEventSources) && s.excludeManagementEventSources.length === 0)),
    );
  }
  const advanced = advancedEventSelectors(e);
  if (advanced === null) return false;
  // Full management coverage is a selector whose only field selector is eventCategory = Management.
  return advanced.some((s) => {
    if (!isObj(s) || !Array.isArray(s.fieldSelectors) || s.fieldSelectors.length !== 1) return false;
    const f = s.fieldSelectors[0];
    return (
      isObj(f) &&
      f.field === 'eventCategory' &&
      Array.isArray(f.equals) &&
      f.equals.length === 1 &&
      f.equals[0] === 'Management'
    );
  });
}

/** UpdateTrail flags whose `true` only adds coverage or integrity; `false` narrows or weakens the trail. */
const TRAIL_FLAGS: Record<string, string> = {
  enableLogFileValidation:
    'log-file validation is switched off: tampering with delivered files is no longer detectable',
  isMultiRegionTrail: 'the trail no longer records every region',
  includeGlobalServiceEvents:
    'the trail no longer records global services (IAM, STS global endpoint, sign-in)',
  isOrganizationTrail: 'the trail no longer records the organisation’s member accounts',
};
/** UpdateTrail parameters that move where the trail delivers or how it is encrypted. */
const TRAIL_DESTINATION = [
  's3BucketName',
  's3KeyPrefix',
  'snsTopicName',
  'cloudWatchLogsLogGroupArn',
  'cloudWatchLogsRoleArn',
  'kmsKeyId',
];

/**
 * What an UpdateTrail does, judged from the parameters it sends (only what is sent changes): each weakening,
 * destination change or unknown parameter gives one sentence; enabling validation, multi-region, global
 * events or organisation coverage gives none. Empty: the update only adds coverage.
 */
export function trailUpdateEffects(e: NormalisedEvent): string[] {
  const req = e.requestParameters;
  if (!isObj(req)) return ['the update’s parameters are not in the record: its effect is unknown'];
  const out: string[] = [];
  for (const [key, value] of Object.entries(req)) {
    if (key === 'name') continue;
    const flag = TRAIL_FLAGS[key];
    if (flag !== undefined) {
      if (value !== true) out.push(flag);
      continue;
    }
    if (TRAIL_DESTINATION.includes(key)) {
      out.push(
        `the trail’s ${key} changes to ${quoted(typeof value === 'string' ? value : JSON.stringify(value))}`,
      );
      continue;
    }
    out.push(`parameter ${quoted(key)} changes, with an effect iamwatch does not judge`);
  }
  return out;
}

/** A change that can only add coverage: selectors that keep every management event, an UpdateTrail that widens. */
function onlyAddsCoverage(e: NormalisedEvent): boolean {
  if (e.eventSource !== CLOUDTRAIL) return false;
  if (isSelectorChange(e)) return keepsAllManagementEvents(e);
  if (e.eventName === 'UpdateTrail') return trailUpdateEffects(e).length === 0;
  return false;
}

function isSelectorChange(e: NormalisedEvent): boolean {
  return e.eventName === 'PutEventSelectors' || e.eventName === 'PutAdvancedEventSelectors';
}

function applies(e: NormalisedEvent): boolean {
  if (e.eventSource === CLOUDTRAIL) return TRAIL_EVENTS.includes(e.eventName);
  if (e.eventSource === EVENTS) return BUS_EVENTS.includes(e.eventName) && isOwnRule(eventBridgeRuleName(e));
  if (e.eventSource === GUARDDUTY) {
    if (e.eventName === 'DeleteDetector') return true;
    return e.eventName === 'UpdateDetector' && guardDutyDetectorEnable(e) === false;
  }
  return false;
}

function what(e: NormalisedEvent): string {
  if (e.eventSource === CLOUDTRAIL) return `trail ${quoted(trailName(e), '(unnamed)')}`;
  if (e.eventSource === EVENTS) return `iamwatch EventBridge rule ${quoted(eventBridgeRuleName(e))}`;
  return `GuardDuty detector ${quoted(guardDutyDetectorId(e), '(unnamed)')}`;
}

const EFFECT: Record<string, string> = {
  StopLogging: 'the trail records nothing until logging is started again',
  DeleteTrail: 'the trail and its delivery are gone',
  UpdateTrail: 'where and how the trail delivers may have changed (bucket, regions, validation, encryption)',
  DisableRule: 'iamwatch no longer receives the events this rule selects',
  DeleteRule: 'iamwatch no longer receives the events this rule selected',
  RemoveTargets: 'the rule no longer delivers to iamwatch',
  DeleteDetector: 'GuardDuty findings stop for this region',
  UpdateDetector: 'GuardDuty is suspended for this region',
};

export default defineRule({
  meta: {
    id: 'logging-disabled',
    title: 'Audit logging or iamwatch delivery disabled',
    description:
      'CloudTrail logging was stopped, deleted, redirected or narrowed (UpdateTrail is judged by what it sends: ' +
      'enabling log-file validation or multi-region is not reported, disabling it or moving the destination is; ' +
      'selectors that keep every management event are not reported), one of iamwatch’s own EventBridge rules ' +
      'was disabled, deleted or lost its targets, or GuardDuty was turned off. Attackers blind the defenders ' +
      'before they act; every later alert may be missing.',
    severity: 'critical',
    // One selector per rule: sources × names is a superset; match() checks the real pairing.
    appliesTo: {
      eventSources: [CLOUDTRAIL, EVENTS, GUARDDUTY],
      eventNames: [...TRAIL_EVENTS, ...BUS_EVENTS, ...DETECTOR_EVENTS],
    },
    attack: ['T1562.008', 'T1562.001'],
    emulatedBy: [
      'aws.defense-evasion.cloudtrail-stop',
      'aws.defense-evasion.cloudtrail-delete',
      'aws.defense-evasion.cloudtrail-event-selectors',
    ],
    falsePositives: [
      'Decommissioning or re-creating a trail, or redeploying iamwatch itself (its rules are replaced).',
      'A trail migration to a new bucket or KMS key (the destination change is still reported).',
    ],
    runbook:
      'iamwatch doctor to check iamwatch’s rules and targets; restart logging (aws cloudtrail start-logging); iamwatch replay the S3 archive for the gap and iamwatch baseline seen <actor> --since 1d.',
    dedupWindowMinutes: 60,
  },
  // Selectors that keep every management event (adding data events) and UpdateTrail calls that only switch
  // coverage on (log-file validation, multi-region, global events) are not alerts: iamwatch still sees IAM.
  match: (e) => e.success && applies(e) && !onlyAddsCoverage(e),
  reasons: (e) => {
    const out = [`${actorLabel(e)} called ${e.eventName} on ${what(e)}`];
    if (isSelectorChange(e)) {
      out.push('the new selectors no longer log every management event (read and write, all sources)');
    } else if (e.eventName === 'UpdateTrail') {
      out.push(...trailUpdateEffects(e));
    } else {
      const effect = EFFECT[e.eventName];
      if (effect) out.push(effect);
    }
    return out;
  },
  dedupeKey: (e) =>
    `${e.eventSource}|${e.account}|${trailName(e) ?? eventBridgeRuleName(e) ?? guardDutyDetectorId(e) ?? ''}`,
});
