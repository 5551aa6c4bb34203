import { callerUserName, requestString } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, isMachine, quoted, STS } from '../_common.js';

/**
 * GetSessionToken records `requestParameters.serialNumber` when an MFA device was presented (the token code is
 * never logged); without MFA the request carries at most `durationSeconds`, or is null.
 */
function withMfa(e: NormalisedEvent): boolean {
  return requestString(e, 'serialNumber') !== null;
}

export default defineRule({
  meta: {
    id: 'session-token-issued',
    title: 'Session token issued without MFA or to automation',
    description:
      'GetSessionToken turned an IAM user’s long-lived key into temporary credentials. People do it with MFA to ' +
      'reach MFA-protected APIs; without MFA, or by a ci/workload/vendor/iac user, it is the usual move after a ' +
      'key is stolen: the session keeps working after the key is deactivated and hides the key in later calls.',
    severity: 'medium',
    appliesTo: { eventSources: [STS], eventNames: ['GetSessionToken'] },
    attack: ['T1550.001', 'T1078.004'],
    emulatedBy: [],
    falsePositives: [
      'A person’s CLI helper that requests a session token with MFA (not reported).',
      'Legacy tooling that calls GetSessionToken on a schedule without MFA (suppress it by actor with an expiry).',
    ],
    runbook:
      'iamwatch baseline show <user>; iamwatch baseline seen <user> --since 1d; if unexplained, deactivate the key and attach AWSDenyAll (sessions from GetSessionToken survive key deactivation).',
    dedupWindowMinutes: 60,
  },
  // Only IAM users and root can call GetSessionToken (role sessions are refused), so nothing else is judged.
  match: (e, { actor }) =>
    e.success && (e.actor.type === 'IAMUser' || e.actor.type === 'Root') && (isMachine(actor) || !withMfa(e)),
  severity: (e, { actor }) => (isMachine(actor) ? 'high' : withMfa(e) ? 'low' : 'medium'),
  reasons: (e, { actor }) => {
    const out = [
      `${actorLabel(e)} obtained a session token from GetSessionToken${withMfa(e) ? ` with MFA device ${quoted(requestString(e, 'serialNumber'))}` : ' without MFA'}`,
    ];
    if (isMachine(actor))
      out.push(
        `${quoted(callerUserName(e) ?? actor?.arn)} is a ${actor?.kind} identity (owner ${quoted(actor?.owner)}): automation has no reason to mint session tokens`,
      );
    return out;
  },
  dedupeKey: (e) => `${e.actor.arn ?? e.actor.principalId ?? ''}`,
});
