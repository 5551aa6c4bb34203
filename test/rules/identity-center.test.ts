import { describe, expect, it } from 'vitest';
import { readSettingsItem, settingsItem, settingsOf } from '../../shared/adapters/dynamodb/items.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';

const errors = (text: string) =>
  parseBaseline(text, 'b.yaml')
    .issues.filter((i) => i.level === 'error')
    .map((i) => `${i.field}: ${i.message}`);

describe('baseline: admin_permission_sets and defaults.sign_in.device_code', () => {
  const text = `version: 1
identities: []
defaults: { sign_in: { device_code: false } }
admin_permission_sets: ["arn:aws:sso:::permissionSet/ssoins-7223a0b1d2c3e4f5/ps-*"]
`;

  it('reads both into the view', () => {
    const { baseline } = parseBaseline(text, 'b.yaml');
    const view = buildIndex(baseline!);
    expect(view.adminPermissionSets()).toEqual(['arn:aws:sso:::permissionSet/ssoins-7223a0b1d2c3e4f5/ps-*']);
    expect(view.deviceCodeSignIn()).toBe(false);
    expect(view.iamUserSignIn()).toBeNull();
  });

  it('rejects a value that is not a permission set ARN, naming the field', () => {
    const out = errors(
      'version: 1\nidentities: []\nadmin_permission_sets: ["arn:aws:iam::aws:policy/AdministratorAccess"]\n',
    );
    expect(out.join('\n')).toMatch(/admin_permission_sets\[0\].*not a permission set ARN/);
  });

  it('survives the DynamoDB settings item (the Lambda judges with the stored baseline)', () => {
    const { baseline } = parseBaseline(text, 'b.yaml');
    const back = readSettingsItem(settingsItem(settingsOf(baseline!), 1, '2036-01-01T00:00:00Z')).settings;
    expect(back.adminPermissionSets).toEqual(['arn:aws:sso:::permissionSet/ssoins-7223a0b1d2c3e4f5/ps-*']);
    expect(back.defaults.signIn).toEqual({ deviceCode: false });
  });
});
