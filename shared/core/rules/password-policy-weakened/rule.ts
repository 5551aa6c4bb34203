import { bool } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import type { Severity } from '../../severity.js';
import { actorLabel, IAM } from '../_common.js';

/** Below these (CIS AWS Foundations 1.8/1.9) a password policy is weak. */
const MIN_LENGTH = 14;
const MIN_REUSE_PREVENTION = 24;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * What is weak in the policy UpdateAccountPasswordPolicy sets. The call replaces the whole policy and every
 * parameter left out takes its default (length 8, no character classes, no expiry, reuse allowed), so the
 * request alone says what the account now enforces; the previous policy is not in the record.
 */
export function weaknesses(e: NormalisedEvent): string[] {
  const p = e.requestParameters ?? {};
  const out: string[] = [];
  const length = num(p.minimumPasswordLength) ?? 8;
  if (length < MIN_LENGTH) out.push(`minimum length ${length} (below ${MIN_LENGTH})`);
  const classes: Array<[string, string]> = [
    ['requireSymbols', 'symbols'],
    ['requireNumbers', 'numbers'],
    ['requireUppercaseCharacters', 'upper-case letters'],
    ['requireLowercaseCharacters', 'lower-case letters'],
  ];
  const missing = classes.filter(([k]) => bool(p[k]) !== true).map(([, label]) => label);
  if (missing.length > 0) out.push(`does not require ${missing.join(', ')}`);
  const reuse = num(p.passwordReusePrevention) ?? 0;
  if (reuse < MIN_REUSE_PREVENTION)
    out.push(reuse === 0 ? 'old passwords may be reused' : `only the last ${reuse} passwords are remembered`);
  return out;
}

/** High when the policy is effectively the AWS default (length ≤ 8 and no character class required). */
function severityOf(e: NormalisedEvent): Severity {
  if (e.eventName === 'DeleteAccountPasswordPolicy') return 'high';
  const p = e.requestParameters ?? {};
  const length = num(p.minimumPasswordLength) ?? 8;
  const anyClass = [
    'requireSymbols',
    'requireNumbers',
    'requireUppercaseCharacters',
    'requireLowercaseCharacters',
  ].some((k) => bool(p[k]) === true);
  return length <= 8 && !anyClass ? 'high' : 'medium';
}

export default defineRule({
  meta: {
    id: 'password-policy-weakened',
    title: 'Account password policy removed or weak',
    description:
      'The account password policy was deleted, or replaced by one below CIS (length 14, all character classes, ' +
      'no reuse of the last 24). UpdateAccountPasswordPolicy replaces the whole policy, so the request shows what ' +
      'is now enforced. A weaker policy makes guessing and spraying IAM user passwords easier. High when deleted ' +
      'or back to the AWS default (length 8, no classes); medium otherwise.',
    severity: 'high',
    appliesTo: {
      eventSources: [IAM],
      eventNames: ['DeleteAccountPasswordPolicy', 'UpdateAccountPasswordPolicy'],
    },
    attack: ['T1556', 'T1201'],
    emulatedBy: [],
    falsePositives: [
      'An account whose people all sign in through SSO, where IAM user passwords do not exist (suppress it).',
    ],
    runbook:
      'iamwatch baseline show <actor>; restore the policy (aws iam update-account-password-policy) and ask the actor why.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success && (e.eventName === 'DeleteAccountPasswordPolicy' || weaknesses(e).length > 0),
  severity: severityOf,
  reasons: (e) =>
    e.eventName === 'DeleteAccountPasswordPolicy'
      ? [`${actorLabel(e)} deleted the account password policy: IAM passwords now only need AWS’s minimum`]
      : [`${actorLabel(e)} set an account password policy that is weak: ${weaknesses(e).join('; ')}`],
  dedupeKey: (e) => `${e.account}`,
});
