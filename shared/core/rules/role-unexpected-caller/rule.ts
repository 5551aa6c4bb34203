import { matchCaller } from '../../baseline/oidc-match.js';
import { matchPattern } from '../../baseline/patterns.js';
import type { BaselineIdentity } from '../../baseline/types.js';
import { assumeCaller } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { quoted, STS, shortName } from '../_common.js';

const ACCOUNT_ONLY = /^\d{12}$/;

/** Who called: role (session issuer) or user ARN, SAML provider, the account alone, or the AWS service. */
function callerOf(e: NormalisedEvent): string | null {
  return assumeCaller(e) ?? (e.actor.type === 'AWSService' ? e.actor.invokedBy : null);
}

/** Account field of a caller pattern (`arn:aws:iam::ACCOUNT:…`), or the pattern itself when it is an account. */
function accountField(pattern: string): string | null {
  if (ACCOUNT_ONLY.test(pattern) || pattern === '*') return pattern;
  const parts = pattern.split(':');
  return parts[0] === 'arn' && parts.length >= 6 ? (parts[4] ?? null) : null;
}

/**
 * A cross-account record in the role's account shows only the caller's account (userIdentity.type
 * AWSAccount): any listed caller in that account could have made it, so the account is what we can check.
 */
function accountListed(patterns: readonly string[], account: string): boolean {
  return patterns.some((p) => {
    const acct = accountField(p);
    return acct !== null && matchPattern(acct, account);
  });
}

function expected(target: BaselineIdentity, caller: string | null): boolean {
  if (caller === null) return false;
  if (matchCaller(target.callers, caller)) return true;
  return ACCOUNT_ONLY.test(caller) && accountListed(target.callers, caller);
}

export default defineRule({
  meta: {
    id: 'role-unexpected-caller',
    title: 'Role assumed by a caller its baseline does not list',
    description:
      'A role whose baseline lists its expected callers was assumed (AssumeRole or AssumeRoleWithSAML) by ' +
      'another principal: a different role or user, a SAML provider, or an account none of the listed callers ' +
      'belongs to. Lateral movement through over-broad trust policies looks exactly like this.',
    severity: 'high',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRole', 'AssumeRoleWithSAML'] },
    attack: ['T1078.004', 'T1550.001'],
    emulatedBy: [],
    falsePositives: [
      'A new automation or team member legitimately given access before the baseline callers were updated.',
      'An AWS service assuming the role on your behalf when the role trusts that service.',
    ],
    runbook:
      'iamwatch baseline show <role>; iamwatch baseline seen <role> --since 7d to list its callers; confirm with the owner, then add the caller or tighten the trust policy.',
    dedupWindowMinutes: 60,
  },
  match: (e, { target }) => {
    if (!e.success || !target || target.callers.length === 0) return false;
    return !expected(target, callerOf(e));
  },
  reasons: (e, { target }) => {
    const caller = callerOf(e);
    const role = shortName(e.target?.arn ?? target?.arn);
    const n = target?.callers.length ?? 0;
    const listed = `the callers listed for ${role} (${n} pattern${n === 1 ? '' : 's'})`;
    if (caller === null)
      return [`${e.eventName} of ${role} by a caller the record does not show; ${listed} cannot be checked`];
    if (ACCOUNT_ONLY.test(caller)) {
      return [
        `${role} was assumed from account ${caller}; only the account is visible in the role's account`,
        `account ${caller} is not the account of any of ${listed}`,
      ];
    }
    return [`${quoted(caller)} assumed ${role} through ${e.eventName} and is not among ${listed}`];
  },
  dedupeKey: (e) => `${e.target?.arn}|${callerOf(e) ?? ''}`,
});
