import { callerUserName, isRoot, requestString } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { actorLabel, IAM, isMachine, quoted } from '../_common.js';

const EVENTS = ['CreateServiceSpecificCredential', 'UploadSSHPublicKey', 'UploadSigningCertificate'];

/** The user the credential is for (the caller when the request names none). */
function owner(e: NormalisedEvent): string | null {
  return requestString(e, 'userName') ?? callerUserName(e);
}

/** The credential is for another user than the caller (root acting on a user counts). */
function forAnotherUser(e: NormalisedEvent): boolean {
  const user = requestString(e, 'userName');
  return user !== null && (isRoot(e) || callerUserName(e) !== user);
}

function what(e: NormalisedEvent): string {
  if (e.eventName === 'CreateServiceSpecificCredential')
    return `a service-specific credential for ${quoted(requestString(e, 'serviceName'), 'an unnamed service')}`;
  if (e.eventName === 'UploadSSHPublicKey') return 'an SSH public key (CodeCommit / Transfer access)';
  return 'an X.509 signing certificate';
}

export default defineRule({
  meta: {
    id: 'service-credential-created',
    title: 'Credential beyond access keys created',
    description:
      'A service-specific credential (CodeCommit, Keyspaces, Bedrock API key), an SSH public key or a signing ' +
      'certificate was added to an IAM user. These credentials are rarely reviewed and survive access-key ' +
      'rotation, which makes them quiet persistence. Higher for another user or a ci/workload/iac/vendor user.',
    severity: 'medium',
    appliesTo: { eventSources: [IAM], eventNames: EVENTS },
    attack: ['T1098.001'],
    emulatedBy: [],
    falsePositives: [
      'A developer adding their own SSH key for CodeCommit or creating their own Keyspaces/Bedrock credential.',
    ],
    runbook:
      'iamwatch baseline show <user>; confirm with the user; delete the credential (aws iam delete-service-specific-credential / delete-ssh-public-key / delete-signing-certificate) if unexplained.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success,
  severity: (e, { target }) => (forAnotherUser(e) || isMachine(target) ? 'high' : 'medium'),
  reasons: (e, { target }) => {
    const out = [`${actorLabel(e)} added ${what(e)} to IAM user ${quoted(owner(e))}`];
    if (forAnotherUser(e)) out.push('the credential is for another user than the caller');
    if (isMachine(target))
      out.push(`${quoted(owner(e))} is a ${target?.kind} identity, which should use roles`);
    return out;
  },
  dedupeKey: (e) => `${e.eventName}|${owner(e) ?? ''}`,
});
