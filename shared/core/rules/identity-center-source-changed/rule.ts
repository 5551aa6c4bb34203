import { defineRule } from '../../detection/rule.js';
import { actorLabel, bySomeone, SSO, SSO_DIRECTORY } from '../_common.js';

/** sso-directory calls that replace or switch the external IdP (AWS IAM Identity Center user guide, CloudTrail). */
const DIRECTORY_EVENTS = [
  'CreateExternalIdPConfigurationForDirectory',
  'UpdateExternalIdPConfigurationForDirectory',
  'DeleteExternalIdPConfigurationForDirectory',
  'EnableExternalIdPConfigurationForDirectory',
  'DisableExternalIdPConfigurationForDirectory',
];
/** sso calls that connect or disconnect the directory (Active Directory / identity source). */
const SSO_EVENTS = ['AssociateDirectory', 'DisassociateDirectory', 'UpdateDirectoryAssociation'];

const EFFECT: Record<string, string> = {
  CreateExternalIdPConfigurationForDirectory: 'a new external identity provider now vouches for users',
  UpdateExternalIdPConfigurationForDirectory:
    'the external identity provider’s metadata (issuer, certificate) changed',
  DeleteExternalIdPConfigurationForDirectory: 'the external identity provider was removed',
  EnableExternalIdPConfigurationForDirectory: 'sign-in now goes through the external identity provider',
  DisableExternalIdPConfigurationForDirectory:
    'sign-in no longer goes through the external identity provider',
  AssociateDirectory: 'a directory was connected as the identity source',
  DisassociateDirectory: 'the directory was disconnected from Identity Center',
  UpdateDirectoryAssociation: 'the identity source association changed',
};

export default defineRule({
  meta: {
    id: 'identity-center-source-changed',
    title: 'Identity Center identity source changed',
    description:
      'The identity source of IAM Identity Center changed: an external IdP (SAML) configuration was created, ' +
      'updated, deleted, enabled or disabled, or a directory was associated or disassociated. Whoever controls ' +
      'the identity source can sign in as every Identity Center user, so this is a takeover of all SSO access.',
    severity: 'high',
    appliesTo: { eventSources: [SSO_DIRECTORY, SSO], eventNames: [...DIRECTORY_EVENTS, ...SSO_EVENTS] },
    attack: ['T1484.002', 'T1556.007'],
    emulatedBy: [],
    falsePositives: ['A planned IdP migration or SAML certificate rotation (match it to the change ticket).'],
    runbook:
      'iamwatch baseline show <actor>; compare the IdP issuer and certificate with the expected ones (aws sso-admin / console); iamwatch baseline seen <actor> --since 1d.',
    dedupWindowMinutes: 60,
  },
  match: (e) =>
    e.success &&
    bySomeone(e) &&
    ((e.eventSource === SSO_DIRECTORY && DIRECTORY_EVENTS.includes(e.eventName)) ||
      (e.eventSource === SSO && SSO_EVENTS.includes(e.eventName))),
  reasons: (e) => [
    `${actorLabel(e)} called ${e.eventName}`,
    EFFECT[e.eventName] ?? 'the identity source changed',
  ],
  dedupeKey: (e) => `${e.account}|${e.eventName}`,
});
