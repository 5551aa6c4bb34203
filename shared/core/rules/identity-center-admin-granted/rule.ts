import { requestString } from '../../cloudtrail/accessors.js';
import { nstr, path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule, type RuleHit } from '../../detection/rule.js';
import { analysePolicy, managedPolicyRisk, parsePolicyDocument } from '../../policy/index.js';
import type { Severity } from '../../severity.js';
import { actorLabel, bySomeone, quoted, SSO } from '../_common.js';

const EVENTS = [
  'AttachManagedPolicyToPermissionSet',
  'PutInlinePolicyToPermissionSet',
  'AttachCustomerManagedPolicyReferenceToPermissionSet',
];

function permissionSet(e: NormalisedEvent): string {
  return quoted(requestString(e, 'permissionSetArn'), '(permission set not recorded)');
}

/** What the change grants, or null when it grants nothing alarming. */
function verdict(e: NormalisedEvent): { severity: Severity; reasons: string[] } | null {
  if (e.eventName === 'AttachManagedPolicyToPermissionSet') {
    const arn = requestString(e, 'managedPolicyArn');
    const risk = arn ? managedPolicyRisk(arn) : null;
    if (!risk) return null;
    const admin = risk.level === 'admin' || risk.level === 'iam-admin';
    return {
      severity: admin ? 'critical' : 'high',
      reasons: [
        `AWS managed policy ${risk.name} is ${admin ? 'admin-equivalent' : `a ${risk.level} policy`}; everyone assigned the set gets it in every assigned account`,
      ],
    };
  }
  if (e.eventName === 'PutInlinePolicyToPermissionSet') {
    const doc = parsePolicyDocument(e.requestParameters?.inlinePolicy ?? null);
    if (doc === null)
      return {
        severity: 'medium',
        reasons: [
          'the inline policy is not readable in the record: it may grant anything (unknown, so suspect)',
        ],
      };
    const a = analysePolicy(doc);
    if (a.adminEquivalent || a.iamAdmin)
      return {
        severity: 'critical',
        reasons: [
          a.adminEquivalent
            ? 'the inline policy is admin-equivalent'
            : 'the inline policy grants every IAM action',
          ...a.reasons.slice(0, 4),
        ],
      };
    if (a.escalation.length > 0)
      return {
        severity: 'high',
        reasons: [
          `the inline policy grants ${a.escalation.length} privilege-escalation path(s)`,
          ...a.reasons.slice(0, 4),
        ],
      };
    return null;
  }
  const ref = quoted(
    nstr(path(e.requestParameters, 'customerManagedPolicyReference', 'name')),
    '(unnamed policy)',
  );
  return {
    severity: 'low',
    reasons: [
      `customer managed policy ${ref} is referenced by name: it grants whatever the policy of that name says in each account, which the record does not show`,
    ],
  };
}

export default defineRule({
  meta: {
    id: 'identity-center-admin-granted',
    title: 'Identity Center permission set given admin-equivalent access',
    description:
      'An IAM Identity Center permission set was given an admin-equivalent or escalation-capable AWS managed ' +
      'policy, or an inline policy that is one (or that the record does not show). Every user or group assigned ' +
      'the set gets it in every assigned account, so one change grants wide access. A customer managed policy ' +
      'reference is recorded low: its document lives in each account and is not in the record. CreateAccountAssignment ' +
      'is not judged: its record names the set, not the policies the set holds.',
    severity: 'critical',
    appliesTo: { eventSources: [SSO], eventNames: EVENTS },
    attack: ['T1098.003', 'T1484'],
    emulatedBy: [],
    falsePositives: [
      'Creating the organisation’s administrator permission set through a reviewed change.',
      'IaC that manages permission sets (baseline its role as iac and suppress by actor).',
    ],
    runbook:
      'iamwatch baseline show <actor>; list who is assigned the permission set (aws sso-admin list-account-assignments); revert unless a reviewed change explains it.',
    dedupWindowMinutes: 15,
  },
  evaluate(e): RuleHit | null {
    if (!e.success || !bySomeone(e) || !EVENTS.includes(e.eventName)) return null;
    const v = verdict(e);
    if (v === null) return null;
    return {
      severity: v.severity,
      reasons: [`${actorLabel(e)} called ${e.eventName} on permission set ${permissionSet(e)}`, ...v.reasons],
      dedupeKey: `${requestString(e, 'permissionSetArn') ?? ''}|${e.actor.arn ?? ''}`,
    };
  },
});
