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
      'Reported low (the legacy `aws sso login --use-device-code` does the same), with whose token it is and the ' +
      'address that redeemed it; high when the baseline declares that people do not use the device-code flow ' +
      '(`defaults.sign_in.device_code: false`). AWS logs no event for StartDeviceAuthorization, so the token is ' +
      'where the flow is judged.',
    severity: 'low',
    // AWS's list of Identity Center CloudTrail events gives CreateToken the event source `sso.amazonaws.com`
    // (CreateTokenWithIAM is the one logged as `sso-oauth.amazonaws.com`), and Panther's published record has
    // `sso.amazonaws.com`; `sso-oauth` is kept in case AWS moves CreateToken to its IAM namespace. RegisterClient
    // and StartDeviceAuthorization are not in that list: no CloudTrail event starts the flow, so the token is
    // where it is judged. https://docs.aws.amazon.com/singlesignon/latest/userguide/sso-info-in-cloudtrail.html
    appliesTo: { eventSources: [SSO, SSO_OAUTH], eventNames: ['CreateToken'] },
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
  severity: (_e, { baseline }) => (baseline.deviceCodeSignIn() === false ? 'high' : 'low'),
  reasons: (e, { baseline }) => {
    const out = [
      `a device-code token of Identity Center user ${quoted(e.actor.userName, '(user not recorded)')} was issued to OIDC client ${quoted(requestString(e, 'clientId'))} at ${quoted(e.actor.sourceIp, 'an unknown address')}`,
      'whoever started the device authorization, from that address, now holds the user’s Identity Center access token',
    ];
    if (baseline.deviceCodeSignIn() === false)
      out.push(
        'the baseline declares that people do not sign in with device codes (defaults.sign_in.device_code: false)',
      );
    return out;
  },
  dedupeKey: (e) => `${requestString(e, 'clientId') ?? ''}|${e.actor.sourceIp ?? ''}`,
});
