import { callerUserName, isRoot, mfaDeviceUser, mfaSerialNumber } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, IAM, quoted } from '../_common.js';

/** Whose device: the named user, the root user (its device lives at `mfa/root-account-mfa-device`), or the caller. */
function owner(e: NormalisedEvent): string {
  const user = mfaDeviceUser(e);
  if (user !== null) return `IAM user ${quoted(user)}`;
  if (isRoot(e) || /:mfa\/root-account-mfa-device$/.test(mfaSerialNumber(e) ?? '')) return 'the root user';
  return 'the caller';
}

/**
 * EnableMFADevice assigning a device to another user than the caller: whoever holds that device now passes the
 * user's MFA (an attacker's own device on a victim is persistence). CreateVirtualMFADevice names no user — the
 * device is created unassigned — so the assignment (EnableMFADevice) is what is judged.
 */
function enabledForAnotherUser(e: NormalisedEvent): boolean {
  if (e.eventName !== 'EnableMFADevice') return false;
  const user = mfaDeviceUser(e);
  return user !== null && (isRoot(e) || callerUserName(e) !== user);
}

export default defineRule({
  meta: {
    id: 'mfa-device-modified',
    title: 'MFA device deactivated, deleted, or enabled for another user',
    description:
      'An MFA device was deactivated or a virtual MFA device deleted, or a device was enabled for another user ' +
      'than the caller (high). Removing the second factor is a common step before signing in with a stolen ' +
      'password; registering one’s own device on someone else’s user lets its holder pass that user’s MFA.',
    severity: 'medium',
    appliesTo: {
      eventSources: [IAM],
      eventNames: ['DeactivateMFADevice', 'DeleteVirtualMFADevice', 'EnableMFADevice'],
    },
    attack: ['T1556.006', 'T1098'],
    emulatedBy: [],
    falsePositives: [
      'A user replacing a lost or new phone (a new device is enabled shortly after).',
      'An administrator removing the device of a user who left.',
      'An administrator enabling a hardware MFA token for a new user (EnableMFADevice for another user).',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm with the user that they replaced the device; iamwatch baseline seen <actor> --since 1d if not.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success && (e.eventName !== 'EnableMFADevice' || enabledForAnotherUser(e)),
  severity: (e) => (enabledForAnotherUser(e) ? 'high' : 'medium'),
  reasons: (e) => {
    if (enabledForAnotherUser(e))
      return [
        `${actorLabel(e)} enabled MFA device ${quoted(mfaSerialNumber(e), '(serial not recorded)')} for ${owner(e)}`,
        'whoever holds this device now passes that user’s MFA',
      ];
    const verb = e.eventName === 'DeactivateMFADevice' ? 'deactivated' : 'deleted';
    return [
      `${actorLabel(e)} ${verb} MFA device ${quoted(mfaSerialNumber(e), '(serial not recorded)')} of ${owner(e)}`,
    ];
  },
  dedupeKey: (e) => `${mfaSerialNumber(e) ?? e.target?.arn ?? e.actor.arn}`,
});
