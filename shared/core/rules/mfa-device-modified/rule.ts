import { isRoot, mfaDeviceUser, mfaSerialNumber } from '../../cloudtrail/accessors.js';
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

export default defineRule({
  meta: {
    id: 'mfa-device-modified',
    title: 'MFA device deactivated or deleted',
    description:
      'An MFA device was deactivated or a virtual MFA device deleted. Removing the second factor is a common ' +
      'step before signing in with a stolen password or registering an attacker-controlled device.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'] },
    attack: ['T1556.006', 'T1098'],
    emulatedBy: [],
    falsePositives: [
      'A user replacing a lost or new phone (a new device is enabled shortly after).',
      'An administrator removing the device of a user who left.',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm with the user that they replaced the device; iamwatch baseline seen <actor> --since 1d if not.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success,
  reasons: (e) => {
    const verb = e.eventName === 'DeactivateMFADevice' ? 'deactivated' : 'deleted';
    return [
      `${actorLabel(e)} ${verb} MFA device ${quoted(mfaSerialNumber(e), '(serial not recorded)')} of ${owner(e)}`,
    ];
  },
  dedupeKey: (e) => `${mfaSerialNumber(e) ?? e.target?.arn ?? e.actor.arn}`,
});
