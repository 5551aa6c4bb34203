import { describe, expect, it } from 'vitest';
import {
  advancedEventSelectors,
  consoleSamlProvider,
  eventBridgeRuleName,
  eventSelectors,
  federatedUserName,
  federationSessionPolicy,
  guardDutyDetectorEnable,
  guardDutyDetectorId,
  identityProviderRef,
  loginProfileUser,
  mfaDeviceUser,
  mfaSerialNumber,
  passwordResetRequired,
  rolesAnywhereProfileRoles,
  trailName,
} from '../../shared/core/cloudtrail/accessors.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';

function ev(fields: Record<string, unknown>): NormalisedEvent {
  const n = normaliseRecord({ eventName: 'X', eventSource: 'iam.amazonaws.com', ...fields });
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

describe('accessors added for the detection catalogue', () => {
  it('console sign-in through SAML', () => {
    expect(
      consoleSamlProvider(
        ev({ additionalEventData: { SamlProviderArn: 'arn:aws:iam::1:saml-provider/Okta' } }),
      ),
    ).toBe('arn:aws:iam::1:saml-provider/Okta');
    expect(consoleSamlProvider(ev({ additionalEventData: { SamlProviderArn: ['x'] } }))).toBeNull();
    expect(consoleSamlProvider(ev({}))).toBeNull();
  });

  it('login profile user and reset flag, from the request or the response', () => {
    expect(loginProfileUser(ev({ requestParameters: { userName: 'bob' } }))).toBe('bob');
    expect(loginProfileUser(ev({ responseElements: { loginProfile: { userName: 'carol' } } }))).toBe('carol');
    expect(loginProfileUser(ev({ requestParameters: { userName: '' } }))).toBeNull();
    expect(passwordResetRequired(ev({ requestParameters: { passwordResetRequired: true } }))).toBe(true);
    expect(
      passwordResetRequired(ev({ responseElements: { loginProfile: { passwordResetRequired: false } } })),
    ).toBe(false);
    expect(passwordResetRequired(ev({ requestParameters: { passwordResetRequired: 'maybe' } }))).toBeNull();
  });

  it('MFA device serial and user', () => {
    const e = ev({ requestParameters: { userName: 'alice', serialNumber: 'arn:aws:iam::1:mfa/alice' } });
    expect(mfaSerialNumber(e)).toBe('arn:aws:iam::1:mfa/alice');
    expect(mfaDeviceUser(e)).toBe('alice');
    expect(mfaDeviceUser(ev({ requestParameters: { serialNumber: 7 } }))).toBeNull();
    expect(mfaSerialNumber(ev({ requestParameters: { serialNumber: 7 } }))).toBeNull();
  });

  it('trail name from name or trailName, selectors only when arrays', () => {
    expect(trailName(ev({ requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:1:trail/t' } }))).toBe(
      'arn:aws:cloudtrail:us-east-1:1:trail/t',
    );
    expect(trailName(ev({ requestParameters: { trailName: 't2' } }))).toBe('t2');
    expect(
      eventSelectors(ev({ requestParameters: { eventSelectors: [{ readWriteType: 'All' }] } })),
    ).toHaveLength(1);
    expect(
      eventSelectors(ev({ requestParameters: { eventSelectors: { readWriteType: 'All' } } })),
    ).toBeNull();
    expect(advancedEventSelectors(ev({ requestParameters: { advancedEventSelectors: [] } }))).toEqual([]);
    expect(advancedEventSelectors(ev({}))).toBeNull();
  });

  it('EventBridge rule name from DisableRule/DeleteRule (name) and RemoveTargets (rule)', () => {
    expect(eventBridgeRuleName(ev({ requestParameters: { name: 'iamwatch-prod-iam' } }))).toBe(
      'iamwatch-prod-iam',
    );
    expect(
      eventBridgeRuleName(ev({ requestParameters: { rule: 'iamwatch-prod-sts', ids: ['detect'] } })),
    ).toBe('iamwatch-prod-sts');
    expect(eventBridgeRuleName(ev({ requestParameters: null }))).toBeNull();
  });

  it('GuardDuty detector id and enable flag', () => {
    const e = ev({ requestParameters: { detectorId: 'd1', enable: false } });
    expect(guardDutyDetectorId(e)).toBe('d1');
    expect(guardDutyDetectorEnable(e)).toBe(false);
    expect(guardDutyDetectorEnable(ev({ requestParameters: { detectorId: 'd1' } }))).toBeNull();
  });

  it('federated user name and session policy', () => {
    const e = ev({ requestParameters: { name: 'fed', policy: '{"Statement":[]}' } });
    expect(federatedUserName(e)).toBe('fed');
    expect(federationSessionPolicy(e)).toBe('{"Statement":[]}');
    expect(federatedUserName(ev({ responseElements: { federatedUser: { federatedUserId: '1:fed' } } }))).toBe(
      '1:fed',
    );
    expect(federationSessionPolicy(ev({}))).toBeNull();
  });

  it('identity provider reference across OIDC, SAML and Roles Anywhere shapes', () => {
    expect(identityProviderRef(ev({ requestParameters: { openIDConnectProviderArn: 'arn:o' } }))).toBe(
      'arn:o',
    );
    expect(identityProviderRef(ev({ requestParameters: { sAMLProviderArn: 'arn:s' } }))).toBe('arn:s');
    expect(
      identityProviderRef(
        ev({
          requestParameters: { url: 'https://x' },
          responseElements: { openIDConnectProviderArn: 'arn:o2' },
        }),
      ),
    ).toBe('arn:o2');
    expect(identityProviderRef(ev({ responseElements: { trustAnchor: { trustAnchorArn: 'arn:ta' } } }))).toBe(
      'arn:ta',
    );
    expect(identityProviderRef(ev({ requestParameters: { profileId: 'p1' } }))).toBe('p1');
    expect(identityProviderRef(ev({ requestParameters: { name: 'Okta' } }))).toBe('Okta');
    expect(identityProviderRef(ev({}))).toBeNull();
  });

  it('Roles Anywhere profile roles keep only strings', () => {
    expect(
      rolesAnywhereProfileRoles(ev({ requestParameters: { roleArns: ['arn:r1', 3, '', null] } })),
    ).toEqual(['arn:r1']);
    expect(
      rolesAnywhereProfileRoles(ev({ responseElements: { profile: { roleArns: ['arn:r2'] } } })),
    ).toEqual(['arn:r2']);
    expect(rolesAnywhereProfileRoles(ev({ requestParameters: { roleArns: 'arn:r3' } }))).toEqual([]);
  });
});
