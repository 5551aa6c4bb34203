/**
 * The deployed Lambda reads the baseline from DynamoDB: the issue 12 settings (`rules:` tuning,
 * `protected_rules`, `trail_buckets`) and per-identity `passed_by`/`passed_to` must survive a sync into the
 * store (embedded dynalite, the same adapter code as a real table) and come back through the store's view.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../shared/adapters/dynamodb/open-store.js';
import { baselineOf, identity, syncOpts } from './helpers.js';

describe('store: tuning and tooling settings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iamwatch-tuning-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps rules:, protected_rules, trail_buckets and passed_by/passed_to across sync and view', async () => {
    const h = await openStore({ dir: join(dir, 'store') });
    try {
      const role = identity(1, {
        passedBy: ['arn:aws:iam::*:role/terraform-apply'],
        passedTo: ['lambda'],
      });
      await h.store.sync(
        baselineOf([role], {
          rules: [{ rule: 'policy-modified', enabled: false, environment: 'staging' }],
          protectedRules: ['guardduty-findings-*'],
          trailBuckets: ['example-org-cloudtrail'],
        }),
        syncOpts(),
      );
      const view = await h.store.view();
      expect(view.ruleOverrides()).toEqual([
        { rule: 'policy-modified', enabled: false, environment: 'staging' },
      ]);
      expect(view.protectedRules()).toEqual(['guardduty-findings-*']);
      expect(view.trailBuckets()).toEqual(['example-org-cloudtrail']);
      expect(view.lookup(role.arn)?.passedBy).toEqual(['arn:aws:iam::*:role/terraform-apply']);
      expect(view.lookup(role.arn)?.passedTo).toEqual(['lambda']);
    } finally {
      await h.close();
    }
  });

  it('a baseline without them reads back as none (trail_buckets undeclared: null)', async () => {
    const h = await openStore({ dir: join(dir, 'store') });
    try {
      await h.store.sync(baselineOf([identity(2)]), syncOpts());
      const view = await h.store.view();
      expect(view.ruleOverrides()).toEqual([]);
      expect(view.protectedRules()).toEqual([]);
      expect(view.trailBuckets()).toBeNull();
    } finally {
      await h.close();
    }
  });
});
