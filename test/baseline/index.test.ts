import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { identityKeyOf, sameIdentity } from '../../shared/core/arn.js';
import { BaselineIndex, buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { Baseline, BaselineIdentity } from '../../shared/core/baseline/types.js';

const full = parseBaseline(
  readFileSync(new URL('../fixtures/baselines/valid-full.yaml', import.meta.url), 'utf8'),
  'valid-full.yaml',
).baseline!;

const identity = (arn: string, purpose = arn): BaselineIdentity => ({
  arn,
  kind: 'workload',
  owner: 'o',
  purpose,
  oidc: [],
  callers: [],
});
const baseline = (identities: BaselineIdentity[], extra: Partial<Baseline> = {}): Baseline => ({
  version: 1,
  accounts: {},
  teams: {},
  defaults: {},
  identities,
  suppressions: [],
  incidents: [],
  ...extra,
});

describe('BaselineIndex.lookup', () => {
  const index = new BaselineIndex(full);

  it('finds roles and users by exact ARN', () => {
    expect(index.lookup('arn:aws:iam::111122223333:role/gha-deploy')?.purpose).toBe(
      'deploy the api service to production',
    );
    expect(index.lookup('arn:aws:iam::444455556666:user/legacy-reporter')?.kind).toBe('vendor');
  });

  it('maps an assumed-role session ARN to its role', () => {
    expect(index.lookup('arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions')?.arn).toBe(
      'arn:aws:iam::111122223333:role/gha-deploy',
    );
  });

  it('ignores role paths on either side, and name case', () => {
    expect(index.lookup('arn:aws:iam::111122223333:role/service/gha-deploy')?.arn).toBe(
      'arn:aws:iam::111122223333:role/gha-deploy',
    );
    const withPath = new BaselineIndex(baseline([identity('arn:aws:iam::111122223333:role/ops/deployer')]));
    expect(withPath.lookup('arn:aws:iam::111122223333:role/deployer')).not.toBeNull();
    expect(withPath.lookup('arn:aws:iam::111122223333:role/Deployer')).not.toBeNull();
  });

  it('honours * in the account field, and exact accounts win', () => {
    expect(index.lookup('arn:aws:iam::999988887777:role/terraform-apply')?.arn).toBe(
      'arn:aws:iam::*:role/terraform-apply',
    );
    const both = new BaselineIndex(
      baseline([
        identity('arn:aws:iam::*:role/deployer', 'any'),
        identity('arn:aws:iam::111122223333:role/deployer', 'exact'),
      ]),
    );
    expect(both.lookup('arn:aws:iam::111122223333:role/deployer')?.purpose).toBe('exact');
    expect(both.lookup('arn:aws:sts::111122223333:assumed-role/deployer/s')?.purpose).toBe('exact');
    expect(both.lookup('arn:aws:iam::444455556666:role/deployer')?.purpose).toBe('any');
  });

  it('returns null for other accounts, types, partitions and junk', () => {
    expect(index.lookup('arn:aws:iam::444455556666:role/gha-deploy')).toBeNull();
    expect(index.lookup('arn:aws:iam::111122223333:user/gha-deploy')).toBeNull();
    expect(index.lookup('arn:aws-cn:iam::111122223333:role/gha-deploy')).toBeNull();
    expect(index.lookup('arn:aws:iam::111122223333:policy/gha-deploy')).toBeNull();
    for (const junk of [null, undefined, '', 'gha-deploy', 'arn:aws:iam::111122223333:role/']) {
      expect(index.lookup(junk)).toBeNull();
    }
  });
});

describe('BaselineIndex.knowsOwner', () => {
  const index = buildIndex(full);
  it('knows owners of subjects and workflows, case-insensitively', () => {
    expect(index.knowsOwner('example-org')).toBe(true);
    expect(index.knowsOwner('Example-Org')).toBe(true);
    expect(index.knowsOwner('example-group')).toBe(true); // GitLab top-level group
    expect(index.knowsOwner('evil-org')).toBe(false);
    expect(index.knowsOwner('refs')).toBe(false);
  });

  it('uses owner ids of immutable subjects and ignores wildcard owners', () => {
    const b = baseline([
      {
        ...identity('arn:aws:iam::111122223333:role/r'),
        oidc: [
          {
            provider: 'token.actions.githubusercontent.com',
            subjects: ['repo:octo@123456/app@789012:ref:refs/heads/main', 'repo:*/x:ref:refs/heads/main'],
            workflows: ['shared-org/wf/.github/workflows/d.yml@refs/heads/main'],
            allowPullRequests: false,
          },
        ],
      },
    ]);
    const index2 = new BaselineIndex(b);
    expect(['octo', '123456', 'shared-org'].map((o) => index2.knowsOwner(o))).toEqual([true, true, true]);
    expect(index2.knowsOwner('*')).toBe(false);
  });
});

describe('BaselineIndex.incidentAt', () => {
  const at = (iso: string) => Date.parse(iso);
  const live = {
    id: 'inc-live-1',
    identity: 'arn:aws:iam::*:role/break-glass',
    ticket: 'INC-9',
    from: '2027-03-01T00:00:00Z',
    until: '2027-03-01T01:00:00Z',
    source: 'store' as const,
  };
  const index = new BaselineIndex(full, { incidents: [live] });
  const bg = 'arn:aws:iam::111122223333:role/break-glass';

  it('finds file windows (inclusive bounds) for the role and its sessions', () => {
    expect(index.incidentAt(bg, at('2026-11-01T10:00:00Z'))?.ticket).toBe('INC-1234');
    expect(index.incidentAt(bg, at('2026-11-01T14:00:00Z'))?.id).toBe('file:0');
    expect(
      index.incidentAt('arn:aws:sts::111122223333:assumed-role/break-glass/alice', at('2026-11-01T12:00:00Z'))
        ?.ticket,
    ).toBe('INC-1234');
    expect(index.incidentAt(bg, at('2026-12-25T00:30:00Z'))?.ticket).toBe('5678'); // +01:00 offsets honoured
  });

  it('is null outside windows and for other identities', () => {
    expect(index.incidentAt(bg, at('2026-11-01T09:59:59Z'))).toBeNull();
    expect(index.incidentAt(bg, at('2026-11-01T14:00:01Z'))).toBeNull();
    expect(
      index.incidentAt('arn:aws:iam::111122223333:role/gha-deploy', at('2026-11-01T12:00:00Z')),
    ).toBeNull();
  });

  it('honours live windows with pattern identities', () => {
    expect(
      index.incidentAt('arn:aws:iam::444455556666:role/break-glass', at('2027-03-01T00:30:00Z'))?.id,
    ).toBe('inc-live-1');
    expect(buildIndex(full).incidentAt(bg, at('2027-03-01T00:30:00Z'))).toBeNull();
  });

  it('matches glob identities', () => {
    const idx = new BaselineIndex(
      baseline([], {
        incidents: [{ ...live, id: 'g', identity: 'arn:aws:iam::111122223333:role/bg-*', source: 'file' }],
      }),
    );
    expect(idx.incidentAt('arn:aws:iam::111122223333:role/bg-admin', at('2027-03-01T00:30:00Z'))?.id).toBe(
      'g',
    );
  });
});

describe('BaselineIndex accessors and helpers', () => {
  it('exposes accounts, default team and suppressions', () => {
    const index = new BaselineIndex(full);
    expect(index.accounts()['012345678901']).toEqual({ name: 'sandbox' });
    expect(index.defaultTeam()).toBe('security');
    expect(index.suppressions()).toHaveLength(2);
  });

  it('identityKeyOf / sameIdentity', () => {
    expect(identityKeyOf('arn:aws:iam::111122223333:role/a/b/Name')).toEqual({
      partition: 'aws',
      account: '111122223333',
      type: 'role',
      name: 'name',
    });
    expect(identityKeyOf('arn:aws:sts::111122223333:federated-user/x')).toBeNull();
    expect(sameIdentity('arn:aws:iam::*:role/x', 'arn:aws:sts::111122223333:assumed-role/x/s')).toBe(true);
    expect(sameIdentity('arn:aws:iam::111122223333:role/x', 'arn:aws:iam::111122223333:user/x')).toBe(false);
  });
});

describe('BaselineIndex.lookup memo', () => {
  const arns = (b: Baseline): string[] => {
    const out: string[] = [];
    for (const i of b.identities) {
      const key = identityKeyOf(i.arn);
      if (key === null) continue;
      for (const account of ['111122223333', '444455556666', '999999999999']) {
        out.push(`arn:aws:iam::${account}:${key.type}/${key.name}`);
        out.push(`arn:aws:iam::${account}:${key.type}/some/path/${key.name.toUpperCase()}`);
        out.push(`arn:aws:sts::${account}:assumed-role/${key.name}/s`);
      }
    }
    return [...out, '', 'not-an-arn', 'arn:aws:iam::111122223333:root'];
  };

  it('answers a repeated ARN as a fresh index does, also after eviction', () => {
    const wild = baseline([
      identity('arn:aws:iam::*:role/Shared'),
      identity('arn:aws:iam::111122223333:role/shared'),
    ]);
    for (const b of [full, wild]) {
      const warm = buildIndex(b);
      const list = arns(b).concat(
        'arn:aws:iam::444455556666:role/Shared',
        'arn:aws:iam::111122223333:role/Shared',
      );
      for (let pass = 0; pass < 2; pass++) {
        for (const a of list) expect([a, warm.lookup(a)]).toEqual([a, buildIndex(b).lookup(a)]);
      }
      // More distinct ARNs than the memo holds, then the first ones again.
      for (let i = 0; i < 5000; i++) warm.lookup(`arn:aws:iam::111122223333:role/r${i}`);
      for (const a of list) expect([a, warm.lookup(a)]).toEqual([a, buildIndex(b).lookup(a)]);
    }
    expect(buildIndex(wild).lookup('arn:aws:iam::444455556666:role/Shared')?.arn).toBe(
      'arn:aws:iam::*:role/Shared',
    );
  });
});
