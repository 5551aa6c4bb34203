import { consoleLoginResult, consoleMfaUsed } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, quoted, SIGNIN } from '../_common.js';

/** CloudTrail's stand-in for a user name that does not exist in the account. */
const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** A refused console password or MFA code. */
function isFailure(e: NormalisedEvent): boolean {
  return consoleLoginResult(e)?.toLowerCase() === 'failure' || (!e.success && e.errorCode !== null);
}

/**
 * The password was right and the second factor failed: `MFAUsed: Yes` on a failure means AWS asked for the
 * MFA code, which it does only after the password matched.
 */
function passwordKnown(e: NormalisedEvent): boolean {
  return consoleMfaUsed(e) === true;
}

function who(e: NormalisedEvent): string {
  if (e.actor.userName === HIDDEN) return 'a user name that does not exist in the account';
  return e.actor.type === 'Root' ? actorLabel(e) : `IAM user ${quoted(e.actor.userName ?? e.actor.arn)}`;
}

export default defineRule({
  meta: {
    id: 'console-login-failures',
    title: 'Failed console sign-ins',
    description:
      'Console sign-ins were refused. Failures fold into one alert per source IP address over 30 minutes, so one ' +
      'user guessing many times and one address spraying many users both read as one alert whose count is the ' +
      'number of attempts. A single failure is low; a failure after the right password (the MFA code was wrong) ' +
      'is high, because someone knows the password. The count raises the alert: 5 failures from one address ' +
      'in the window make it medium, 20 make it high (baseline `rules:` `count_thresholds` changes these).',
    severity: 'low',
    appliesTo: { eventSources: [SIGNIN], eventNames: ['ConsoleLogin'] },
    attack: ['T1110.001', 'T1110.003'],
    emulatedBy: [],
    falsePositives: [
      'A person mistyping a password or an expired MFA code a few times (count 1–3, from a known address).',
      'A password manager with a stale password retrying.',
    ],
    runbook:
      'iamwatch replay <archive> --since 1d to see every sign-in from the address; for a real user name, iamwatch baseline show that user; reset the password if someone else knows it.',
    dedupWindowMinutes: 30,
    // 5 refusals from one address in 30 minutes is past mistyping; 20 is guessing or spraying.
    countThresholds: [
      { atLeast: 5, severity: 'medium' },
      { atLeast: 20, severity: 'high' },
    ],
  },
  match: (e) => e.eventName === 'ConsoleLogin' && isFailure(e),
  severity: (e) => (passwordKnown(e) ? 'high' : 'low'),
  reasons: (e) => {
    const out = [
      `console sign-in refused for ${who(e)} from ${quoted(e.actor.sourceIp, 'an unknown address')} (${quoted(e.errorMessage, 'no message')})`,
    ];
    if (passwordKnown(e))
      out.push('the password was accepted and the MFA code was not: someone knows the password');
    out.push('repeats from this address within 30 minutes are counted in this alert');
    return out;
  },
  // One alert per source address: spraying (many users, one address) and guessing (one user) both fold here.
  dedupeKey: (e) => `${e.actor.sourceIp ?? e.actor.userName ?? e.account}`,
});
