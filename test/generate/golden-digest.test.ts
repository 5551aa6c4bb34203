/**
 * The generator's output, pinned: a refactor of tools/generate must leave every byte of a seeded run as it
 * was (object keys, record bodies, baseline.yaml, scenarios.json). The digest is over the uncompressed
 * objects, so it does not depend on the zlib build. If a change to the generator is meant to change its
 * output, say so in the commit and update GOLDEN with the digest this test prints.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Generation, parseAttackList } from '../../tools/generate/index.js';

/** sha256 of a seeded run (40,000 records over 7 days, every scenario planted twice). */
const GOLDEN = '73910ed8d1f139bda226f795117620829c883a0c31b4687a625819f2326d2b09';

/** One eventName per CI activity that only that activity emits. */
const CI_MARKERS = {
  'gha-deploy-api': 'RegisterTaskDefinition',
  'gha-deploy-web': 'CreateInvalidation',
  'gha-publish-image': 'PutImage',
  'gitlab-deploy-billing': 'UpdateFunctionCode20150331v2',
  'terraform-run': 'ListAttachedRolePolicies',
} as const;

describe('generator golden digest', () => {
  it('writes the same bytes for a fixed seed as before (keys, records, baseline, scenarios)', () => {
    // Prepare
    const gen = new Generation({
      events: 40_000,
      seed: 'golden-digest',
      start: '2026-03-02T00:00:00Z',
      days: 7,
      attacks: parseAttackList('all'),
      occurrences: 2,
    });
    const hash = createHash('sha256');
    const names = new Map<string, number>();
    // Act
    for (const o of gen.objects()) {
      hash.update(`${o.key}\n${o.records}\n`).update(o.body).update('\n');
      for (const m of o.body.toString('latin1').matchAll(/"eventName":"([A-Za-z0-9]+)"/g))
        names.set(m[1]!, (names.get(m[1]!) ?? 0) + 1);
    }
    hash.update(gen.baselineYaml()).update(gen.scenariosJson());
    const digest = hash.digest('hex');
    // Assess: the run exercises every CI activity, so the digest covers them.
    for (const [activity, name] of Object.entries(CI_MARKERS))
      expect(names.get(name) ?? 0, `${activity} (${name})`).toBeGreaterThan(3);
    expect(gen.stats.records).toBe(40_000);
    expect(digest, `generator output changed; digest now ${digest}`).toBe(GOLDEN);
  });
});
