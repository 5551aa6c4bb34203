/**
 * `BaselineView.declaresHumans(account)` is per account (console-login-unknown-identity): a `human` identity
 * declares people for its own account only, a `*`-account one for every account. Replay reads the baseline
 * file (the memory view), the Lambda reads it from DynamoDB (the store's view, here on embedded dynalite):
 * both must give the same answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import type { BaselineView } from '../../shared/core/baseline/view.js';
import { baselineOf, identity, syncOpts } from './helpers.js';

const PROD = '111122223333';
const DEV = '444455556666';
const OTHER = '777788889999';

/** People declared in PROD only; DEV has only a ci role. */
const perAccount: Baseline = baselineOf([
  identity(1, {
    arn: `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Dev_0a1b`,
    kind: 'human',
    oidc: [],
  }),
  identity(2, { arn: `arn:aws:iam::${DEV}:role/gha-deploy`, kind: 'ci' }),
]);
/** A human declared for every account (`*` in the account field). */
const everywhere: Baseline = baselineOf([
  identity(3, { arn: 'arn:aws:iam::*:role/AdminSAML', kind: 'human', oidc: [] }),
]);
/** No human at all. */
const none: Baseline = baselineOf([identity(4, { arn: `arn:aws:iam::${PROD}:user/ci-legacy`, kind: 'ci' })]);

const CASES: [string, Baseline, string, boolean][] = [
  ['the account that declares a human', perAccount, PROD, true],
  ['another account, with only a ci role', perAccount, DEV, false],
  ['an account the baseline never names', perAccount, OTHER, false],
  ['any account when a human is declared with a * account', everywhere, OTHER, true],
  ['a baseline without humans', none, PROD, false],
];

function checkCases(viewOf: (b: Baseline) => Promise<BaselineView>): void {
  for (const [name, baseline, account, expected] of CASES) {
    it(`${name} → ${expected}`, async () => {
      expect((await viewOf(baseline)).declaresHumans(account)).toBe(expected);
    });
  }
}

describe('declaresHumans(account): memory view (replay)', () => {
  checkCases(async (b) => buildIndex(b));
});

describe('declaresHumans(account): store view (Lambda, embedded dynalite)', () => {
  let dir: string;
  let h: StoreHandle;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iamwatch-humans-'));
    h = await openStore({ dir: join(dir, 'store') });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  checkCases(async (b) => {
    // prune: each case's baseline replaces the previous one (sync drops the cached view).
    await h.store.sync(b, syncOpts({ prune: true }));
    return h.store.view();
  });
});
