import { matchPattern } from '../../baseline/patterns.js';
import { requestString } from '../../cloudtrail/accessors.js';
import { nstr, path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule, type RuleContext, type RuleHit } from '../../detection/rule.js';
import { analysePolicy, managedPolicyRisk, parsePolicyDocument } from '../../policy/index.js';
import type { Severity } from '../../severity.js';
import { actorLabel, bySomeone, quoted, SSO } from '../_common.js';

const EVENTS = [
  'AttachManagedPolicyToPermissionSet',
  'PutInlinePolicyToPermissionSet',
  'AttachCustomerManagedPolicyReferenceToPermissionSet',
  'CreateAccountAssignment',
];

/**
 * CreateAccountAssignment of a permission set the baseline declares admin-equivalent (`admin_permission_sets`):
 * the record names the set only by ARN, not the policies it holds, so the baseline says which sets are
 * admin. An undeclared set is not judged (null). By the baselined IaC identity: medium, still recorded.
 */
function assignment(e: NormalisedEvent, ctx: RuleContext): { severity: Severity; reasons: string[] } | null {
  const set = requestString(e, 'permissionSetArn');
  if (set === null) return null;
  const declared = ctx.baseline.adminPermissionSets().find((p) => matchPattern(p, set));
  if (declared === undefined) return null;
  const account = requestString(e, 'targetId');
  const name = account ? ctx.baseline.accounts()[account]?.name : undefined;
  const principal = `${(requestString(e, 'principalType') ?? 'principal').toLowerCase()} ${quoted(requestString(e, 'principalId'))}`;
  return {
    severity: ctx.actor?.kind === 'iac' ? 'medium' : 'critical',
    reasons: [
      `${actorLabel(e)} assigned permission set ${quoted(set)} to ${principal} in account ${quoted(account)}${name ? ` (${quoted(name)})` : ''}`,
      `the baseline declares the set admin-equivalent (admin_permission_sets: ${quoted(declared)}): that ${principal.split(' ')[0]} now has administrator access to the account`,
      ...(ctx.actor?.kind === 'iac'
        ? [`by the baselined iac identity (owner ${quoted(ctx.actor.owner)}): recorded at medium`]
        : []),
    ],
  };
}

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
    title: 'Identity Center permission set given or assigned admin-equivalent access',
    description:
      'An IAM Identity Center permission set was given an admin-equivalent or escalation-capable AWS managed ' +
      'policy, or an inline policy that is one (or that the record does not show). Every user or group assigned ' +
      'the set gets it in every assigned account, so one change grants wide access. A customer managed policy ' +
      'reference is recorded low: its document lives in each account and is not in the record. CreateAccountAssignment ' +
      'of a set the baseline declares admin-equivalent (`admin_permission_sets`) is critical (medium by the ' +
      'baselined IaC identity); its record names the set, not its policies, so undeclared sets are not judged.',
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
  evaluate(e, ctx): RuleHit | null {
    if (!e.success || !bySomeone(e) || !EVENTS.includes(e.eventName)) return null;
    if (e.eventName === 'CreateAccountAssignment') {
      const a = assignment(e, ctx);
      if (a === null) return null;
      return {
        ...a,
        dedupeKey: `${requestString(e, 'permissionSetArn') ?? ''}|${requestString(e, 'targetId') ?? ''}|${requestString(e, 'principalId') ?? ''}`,
      };
    }
    const v = verdict(e);
    if (v === null) return null;
    return {
      severity: v.severity,
      reasons: [`${actorLabel(e)} called ${e.eventName} on permission set ${permissionSet(e)}`, ...v.reasons],
      dedupeKey: `${requestString(e, 'permissionSetArn') ?? ''}|${e.actor.arn ?? ''}`,
    };
  },
});
