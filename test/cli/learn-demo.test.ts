import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = path.join(root, 'examples/demo');

describe('baseline learn on the demo archive', () => {
  it('learns a baseline under which benign OIDC traffic is quiet and the planted incidents still alert', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-learn-'));
    const learned = path.join(dir, 'learned.yaml');
    const learn = await runCli(['baseline', 'learn', path.join(demo, 'cloudtrail'), '--out', learned]);
    expect(learn.code, learn.stderr).toBe(0);
    expect((await runCli(['baseline', 'validate', learned])).code).toBe(0);
    // Act
    const run = await runCli(['replay', path.join(demo, 'cloudtrail'), '--baseline', learned, '--quiet']);
    // Assess
    expect(run.code).toBe(0);
    const alerts = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Alert);
    const planted = JSON.parse(readFileSync(path.join(demo, 'scenarios.json'), 'utf8')) as {
      scenarios: Array<{ scenario: string; eventIds: string[] }>;
    };
    const plantedIds = new Set(planted.scenarios.flatMap((s) => s.eventIds));
    const oidcRules = [
      'oidc-unexpected-subject',
      'oidc-untrusted-context',
      'oidc-role-without-baseline',
      'oidc-assume-failed',
    ];
    // No OIDC alert for benign traffic: every OIDC alert is a planted event.
    for (const a of alerts.filter((x) => oidcRules.includes(x.rule))) expect(plantedIds).toContain(a.eventId);
    const rules = new Set(alerts.map((a) => a.rule));
    for (const id of [
      'oidc-untrusted-context',
      'access-key-created',
      'privilege-escalation',
      'break-glass-used',
      'root-activity',
    ]) {
      expect(rules).toContain(id);
    }
  });
});
