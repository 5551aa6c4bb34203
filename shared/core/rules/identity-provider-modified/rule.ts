import { identityProviderRef, rolesAnywhereProfileRoles } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import {
  actorLabel,
  bySomeone,
  IAM,
  isServiceLinkedRole,
  quoted,
  ROLES_ANYWHERE,
  shortName,
} from '../_common.js';

const OIDC_EVENTS = [
  'CreateOpenIDConnectProvider',
  'DeleteOpenIDConnectProvider',
  'UpdateOpenIDConnectProviderThumbprint',
  'AddClientIDToOpenIDConnectProvider',
  'RemoveClientIDFromOpenIDConnectProvider',
];
const SAML_EVENTS = ['CreateSAMLProvider', 'UpdateSAMLProvider', 'DeleteSAMLProvider'];
/** Trust anchors decide which CAs may mint credentials; profiles which roles they reach; CRLs which certs are revoked. */
const ROLES_ANYWHERE_EVENTS = [
  'CreateTrustAnchor',
  'UpdateTrustAnchor',
  'DeleteTrustAnchor',
  'EnableTrustAnchor',
  'DisableTrustAnchor',
  'CreateProfile',
  'UpdateProfile',
  'DeleteProfile',
  'EnableProfile',
  'DisableProfile',
  'PutAttributeMapping',
  'DeleteAttributeMapping',
  'DeleteCrl',
  'DisableCrl',
];

function kind(e: NormalisedEvent): string {
  if (e.eventSource === ROLES_ANYWHERE) return 'IAM Roles Anywhere';
  return SAML_EVENTS.includes(e.eventName) ? 'SAML provider' : 'OIDC provider';
}

export default defineRule({
  meta: {
    id: 'identity-provider-modified',
    title: 'Identity provider or Roles Anywhere trust changed',
    description:
      'An OIDC or SAML identity provider, or an IAM Roles Anywhere trust anchor, profile or revocation list, ' +
      'was created, changed or removed. Whoever controls a trusted provider or certificate authority can mint ' +
      'credentials for every role that trusts it, without any IAM user or key.',
    severity: 'high',
    // One selector per rule: sources × names is a superset; match() checks the real pairing.
    appliesTo: {
      eventSources: [IAM, ROLES_ANYWHERE],
      eventNames: [...OIDC_EVENTS, ...SAML_EVENTS, ...ROLES_ANYWHERE_EVENTS],
    },
    attack: ['T1484.002', 'T1098'],
    emulatedBy: ['aws.persistence.rolesanywhere-create-trust-anchor'],
    falsePositives: [
      'Onboarding a new CI provider or SSO integration (the change should come from the IaC pipeline).',
      'Thumbprint rotation of an OIDC provider after its certificate changed.',
    ],
    runbook:
      'iamwatch baseline seen <actor> --since 1d to see what else the actor did; confirm the change with the identity team; iamwatch rules show identity-provider-modified for what to check.',
    dedupWindowMinutes: 60,
  },
  match: (e) => {
    if (!e.success || !bySomeone(e)) return false;
    if (e.eventSource === ROLES_ANYWHERE) return ROLES_ANYWHERE_EVENTS.includes(e.eventName);
    if (e.eventSource !== IAM || ROLES_ANYWHERE_EVENTS.includes(e.eventName)) return false;
    // Service-linked roles (e.g. AWSServiceRoleForSSO) manage their own providers; no person can assume them.
    return !isServiceLinkedRole(e.actor.arn);
  },
  reasons: (e) => {
    const ref = identityProviderRef(e);
    const out = [
      `${actorLabel(e)} called ${e.eventName} (${kind(e)}) on ${quoted(ref, 'an unnamed resource')}`,
    ];
    const roles = rolesAnywhereProfileRoles(e);
    if (roles.length > 0) {
      const names = roles.slice(0, 5).map((r) => quoted(shortName(r)));
      out.push(
        `certificate holders may assume ${names.join(', ')}${roles.length > 5 ? ` and ${roles.length - 5} more` : ''}`,
      );
    }
    if (e.eventName === 'CreateTrustAnchor' || e.eventName === 'UpdateTrustAnchor')
      out.push('any certificate the anchor’s CA signs can now obtain AWS credentials through a profile');
    return out;
  },
  dedupeKey: (e) => `${e.eventSource}|${identityProviderRef(e) ?? e.eventName}`,
});
