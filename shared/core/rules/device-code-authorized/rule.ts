import { requestString } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import { quoted, SSO, SSO_OAUTH } from '../_common.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function isDeviceToken(e: NormalisedEvent): boolean {
  return e.eventName === 'CreateToken' && requestString(e, 'grantType') === DEVICE_GRANT;
}

export default defineRule({
  meta: {
    id: 'device-code-authorized',
    title: 'Identity Center token issued through the device-code flow',
    description:
      'IAM Identity Center OIDC issued an access token for a device code (CreateToken with the device_code ' +
      'grant). The device-code flow lets whoever started it receive the token of whoever approved the code, ' +
      'which is how device-code phishing takes over SSO sessions; current AWS CLIs use the PKCE flow instead. ' +
      'Reported low (the legacy `aws sso login --use-device-code` does the same); read it together with the ' +
      'sign-in that follows.',
    severity: 'low',
    // The OIDC API is the `sso-oauth` namespace; records published as examples also show `sso.amazonaws.com`.
    appliesTo: { eventSources: [SSO_OAUTH, SSO], eventNames: ['CreateToken'] },
    attack: ['T1528', 'T1566.002'],
    emulatedBy: [],
    falsePositives: [
      'A person running `aws sso login --use-device-code` or an older AWS CLI on a headless machine.',
    ],
    runbook:
      'iamwatch replay <archive> --since 1d to find the sign-in and calls that followed from the same address; ask the user whether they approved a code.',
    dedupWindowMinutes: 60,
  },
  match: (e) => e.success && isDeviceToken(e),
  reasons: (e) => [
    `a device-code token was issued to OIDC client ${quoted(requestString(e, 'clientId'))} from ${quoted(e.actor.sourceIp, 'an unknown address')}`,
    'whoever started the device authorization now holds an Identity Center access token',
  ],
  dedupeKey: (e) => `${requestString(e, 'clientId') ?? ''}|${e.actor.sourceIp ?? ''}`,
});
