/**
 * The store integration suite, run against dynalite (store.dynalite.test.ts) and DynamoDB Local
 * (store.dynamodb-local.test.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncConflictError } from '../../shared/adapters/dynamodb/baseline-store.js';
import { CLAIM_LEASE_MS } from '../../shared/adapters/dynamodb/dedupe.js';
import { createStoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { AdapterError, type Observation } from '../../shared/ports.js';
import {
  type Backend,
  baselineOf,
  freePort,
  freshStore,
  identity,
  localClient,
  seedIdentities,
  syncOpts,
  TestClock,
} from './helpers.js';

const T0 = Date.parse('2036-03-01T12:00:00Z');
const WRITES = new Set(['PutItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'UpdateItemCommand']);

/** Middleware running `hook` before matching commands (may throw to inject a failure). */
function onCommand(hook: (name: string) => Promise<void> | void) {
  return (c: DynamoDBClient) =>
    c.middlewareStack.add(
      (next, context) => async (args) => {
        await hook(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'testHook' },
    );
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-1',
    rule: 'oidc-unexpected-subject',
    severity: 'high',
    title: 'Unexpected subject',
    reasons: ['x'],
    eventId: 'ev-1',
    eventName: 'AssumeRoleWithWebIdentity',
    eventTime: '2036-03-01T11:00:10Z',
    account: '111122223333',
    region: 'us-east-1',
    actor: { type: 'WebIdentityUser', arn: null, sourceIp: '192.0.2.10', userAgent: 'ua' },
    target: { type: 'role', arn: 'arn:aws:iam::111122223333:role/gha-deploy-1' },
    baseline: null,
    team: 'platform',
    attack: ['T1078.004'],
    dedupeKey: 'k1',
    count: 1,
    ...over,
  };
}

function obs(i: number, over: Partial<Observation> = {}): Observation {
  return {
    identity: 'arn:aws:iam::111122223333:role/gha-deploy-1',
    principal: `subject:repo:example-org/svc-1:ref:refs/heads/b${i % 5}`,
    kind: 'oidc-subject',
    eventId: `ev-${i}`,
    eventTime: new Date(T0 - 3_600_000 + i * 1000).toISOString(),
    expected: false,
    ...over,
  };
}

export function storeSuite(name: string, start: () => Promise<Backend>, skip: string | null = null): void {
  describe.skipIf(skip !== null)(`store on ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await start();
    }, 90_000);
    afterAll(async () => {
      await backend?.stop();
    });

    it('sync adds, reports unchanged, changes with field names, keeps or prunes extras, stamps', async () => {
      const h = await freshStore(backend, { clock: new TestClock(T0) });
      try {
        const r1 = await h.store.sync(baselineOf([identity(1), identity(2), identity(3)]), syncOpts());
        expect(r1.added).toHaveLength(3);
        const r2 = await h.store.sync(baselineOf([identity(1), identity(2), identity(3)]), syncOpts());
        expect(r2).toMatchObject({
          added: [],
          changed: [],
          removed: [],
          unchanged: 3,
          settingsChanged: false,
        });

        const file = baselineOf([identity(1, { owner: 'new-owner' }), identity(2), identity(4)]);
        const r3 = await h.store.sync(file, syncOpts());
        expect(r3.added).toEqual([identity(4).arn]);
        expect(r3.changes).toEqual([{ arn: identity(1).arn, fields: ['owner'] }]);
        expect(r3.kept).toEqual([identity(3).arn]);
        expect(r3.removed).toEqual([]);
        expect(await h.store.getIdentity(identity(3).arn)).not.toBeNull();

        const r4 = await h.store.sync(file, syncOpts({ prune: true }));
        expect(r4.removed).toEqual([identity(3).arn]);
        expect(await h.store.getIdentity(identity(3).arn)).toBeNull();
        expect((await h.queries.who('example-org/svc-3')).allowed).toEqual([]);
        expect((await h.store.getIdentity(identity(1).arn))?.owner).toBe('new-owner');

        const stamp = await h.store.stamp();
        expect(stamp).toMatchObject({ sha256: 'a'.repeat(64), name: 'baseline.yaml', rev: 4 });
        expect(stamp?.syncedAt).toBe(new Date(T0).toISOString());
        expect(await h.store.teams()).toEqual({
          teams: { platform: { slack: 'env:SLACK_PLATFORM' } },
          defaultTeam: 'platform',
        });
      } finally {
        await h.close();
      }
    });

    it('dry run reports the same changes and writes nothing', async () => {
      const h = await freshStore(backend);
      try {
        await h.store.sync(baselineOf([identity(1)]), syncOpts());
        const before = h.stats();
        const r = await h.store.sync(
          baselineOf([identity(1, { purpose: 'other' }), identity(2)]),
          syncOpts({ dryRun: true, prune: true }),
        );
        expect(r).toMatchObject({
          added: [identity(2).arn],
          changed: [identity(1).arn],
          dryRun: true,
          writes: 0,
        });
        const after = h.stats();
        expect(after.PutItem).toBe(before.PutItem);
        expect(after.BatchWriteItem).toBe(before.BatchWriteItem);
        expect(await h.store.getIdentity(identity(2).arn)).toBeNull();
        expect((await h.store.getIdentity(identity(1).arn))?.purpose).toBe('deploy service 1');
      } finally {
        await h.close();
      }
    });

    it('two racing syncs: the one that read a stale revision fails instead of overwriting', async () => {
      const a = await freshStore(backend);
      let raced = false;
      const b = createStoreHandle(
        (() => {
          const c = localClient(backend.endpoint);
          onCommand(async (cmd) => {
            // Just before B's first write, A syncs a different version of the same identity.
            if (cmd === 'PutItemCommand' && !raced) {
              raced = true;
              await a.store.sync(baselineOf([identity(1, { owner: 'alice' })]), syncOpts());
            }
          })(c);
          return c;
        })(),
        (a.store as unknown as { db: { table: string } }).db.table,
      );
      try {
        await a.store.sync(baselineOf([identity(1)]), syncOpts());
        const err = await b.store
          .sync(baselineOf([identity(1, { owner: 'bob' })]), syncOpts())
          .then(() => null)
          .catch((e: unknown) => e);
        expect(raced).toBe(true);
        expect(err).toBeInstanceOf(SyncConflictError);
        expect((err as SyncConflictError).items).toEqual([identity(1).arn]);
        expect((await a.store.getIdentity(identity(1).arn))?.owner).toBe('alice');
        // Re-running B now applies on top of what A wrote: nothing was silently lost in between.
        const again = await b.store.sync(baselineOf([identity(1, { owner: 'bob' })]), syncOpts());
        expect(again.changes).toEqual([{ arn: identity(1).arn, fields: ['owner'] }]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a sync killed after N writes converges when re-run', async () => {
      const file = seedIdentities(40);
      const first = await freshStore(backend);
      const table = (first.store as unknown as { db: { table: string } }).db.table;
      await first.store.sync(baselineOf([identity(0, { owner: 'old' }), identity(999)]), syncOpts());
      let writes = 0;
      const client = localClient(backend.endpoint);
      onCommand((cmd) => {
        if (WRITES.has(cmd) && ++writes > 7) {
          throw Object.assign(new Error('process killed'), { name: 'InjectedKill' });
        }
      })(client);
      const broken = createStoreHandle(client, table);
      try {
        const err = await broken.store
          .sync(file, syncOpts({ prune: true }))
          .then(() => null)
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AdapterError);
        const rerun = await first.store.sync(file, syncOpts({ prune: true }));
        expect(rerun.added.length + rerun.changed.length + rerun.unchanged).toBe(40);
        const stored = await first.store.readBaseline();
        expect(stored.identities.map((i) => i.arn).sort()).toEqual(file.identities.map((i) => i.arn).sort());
        expect((await first.store.getIdentity(identity(0).arn))?.owner).toBe(identity(0).owner);
        // The reverse index converged too: a third sync has nothing left to do.
        const plan = await first.store.plan(file);
        expect(plan.patternPuts).toEqual([]);
        expect(plan.patternDeletes).toEqual([]);
        expect(plan.extraPatternSks.size).toBe(0);
        expect((await first.queries.who('repo:example-org/svc-17:ref:refs/heads/main')).allowed).toHaveLength(
          1,
        );
      } finally {
        await broken.close();
        await first.close();
      }
    });

    it('show, who, seen and stale answer from the store', async () => {
      const clock = new TestClock(T0);
      const h = await freshStore(backend, { clock });
      try {
        const deploy = identity(1, {
          callers: ['arn:aws:iam::111122223333:role/ci-runner'],
          reviewAfter: '2026-01-01',
        });
        const wide = identity(2, {
          arn: 'arn:aws:iam::111122223333:role/org-wide',
          oidc: [
            {
              provider: 'token.actions.githubusercontent.com',
              subjects: ['repo:example-org/*:ref:refs/heads/main'],
              allowPullRequests: false,
            },
          ],
        });
        await h.store.sync(baselineOf([deploy, wide, identity(3)]), syncOpts());
        h.observations.record(
          obs(1, { principal: 'subject:repo:example-org/svc-1:ref:refs/heads/main', expected: true }),
        );
        h.observations.record(obs(2, { principal: 'subject:repo:example-org/svc-1:pull_request' }));
        h.observations.record(
          obs(3, { principal: 'caller:arn:aws:iam::444455556666:role/intruder', kind: 'caller' }),
        );
        h.observations.record(
          obs(4, {
            identity: identity(3).arn,
            principal: 'subject:repo:example-org/svc-3:ref:refs/heads/main',
            eventTime: new Date(T0 - 40 * 86_400_000).toISOString(),
          }),
        );
        await h.observations.flush();

        const show = await h.queries.show('arn:aws:sts::111122223333:assumed-role/gha-deploy-1/session-1');
        expect(show.arn).toBe(deploy.arn);
        expect(show.identity?.owner).toBe('team-1');
        expect(show.observations.map((o) => [o.principal, o.allowed])).toEqual(
          expect.arrayContaining([
            ['subject:repo:example-org/svc-1:ref:refs/heads/main', true],
            ['subject:repo:example-org/svc-1:pull_request', false],
            ['caller:arn:aws:iam::444455556666:role/intruder', false],
          ]),
        );

        const who = await h.queries.who('repo:example-org/svc-1:ref:refs/heads/main');
        expect(who.allowed.map((a) => a.role).sort()).toEqual([deploy.arn, wide.arn]);
        expect(who.observed.map((o) => o.identity)).toEqual([deploy.arn]);
        const byRepo = await h.queries.who('example-org/svc-1');
        expect(new Set(byRepo.allowed.map((a) => a.role))).toEqual(new Set([deploy.arn, wide.arn]));
        expect(byRepo.observed).toHaveLength(2);
        const pr = await h.queries.who('repo:example-org/svc-1:pull_request');
        expect(pr.allowed).toEqual([]);
        const caller = await h.queries.who('arn:aws:iam::111122223333:role/ci-runner');
        expect(caller.allowed.map((a) => a.role)).toEqual([deploy.arn]);

        const seen = await h.queries.seen(deploy.arn, T0 - 7 * 86_400_000);
        expect(seen.principals).toHaveLength(3);
        expect(seen.principals.filter((p) => p.allowed === false)).toHaveLength(2);
        expect((await h.queries.seen(identity(3).arn, T0 - 7 * 86_400_000)).principals).toEqual([]);

        const stale = await h.queries.stale({ unusedDays: 30 });
        expect(stale.map((s) => [s.arn, s.reasons])).toEqual([
          [deploy.arn, ['review-overdue']],
          [identity(3).arn, ['unused']],
          [wide.arn, ['unused']],
        ]);
        expect((await h.queries.stale()).map((s) => s.arn)).toEqual([deploy.arn]);
        expect((await h.queries.byOwner('team-1')).map((i) => i.arn)).toEqual([deploy.arn]);
      } finally {
        await h.close();
      }
    });

    it('observations are aggregated: 1,000 events from 5 principals cost a handful of calls', async () => {
      const h = await freshStore(backend);
      try {
        for (let i = 0; i < 1000; i++) h.observations.record(obs(i));
        const before = h.stats().UpdateItem ?? 0;
        await h.observations.flush();
        const calls = (h.stats().UpdateItem ?? 0) - before;
        expect(calls).toBe(5 + 1);
        const all = await h.queries.observationsOf(identity(1).arn);
        expect(all.reduce((n, o) => n + o.count, 0)).toBe(1000);
        const b0 = all.find((o) => o.principal.endsWith('/b0'));
        expect(b0).toMatchObject({ count: 200, firstSeen: obs(0).eventTime, lastSeen: obs(995).eventTime });
        expect(b0?.lastEventId).toBe('ev-995');
        // An older batch adds counts and moves firstSeen back, but never lastSeen.
        h.observations.record(obs(-5000));
        await h.observations.flush();
        const again = (await h.queries.observationsOf(identity(1).arn)).find((o) =>
          o.principal.endsWith('/b0'),
        );
        expect(again).toMatchObject({
          count: 201,
          firstSeen: obs(-5000).eventTime,
          lastSeen: obs(995).eventTime,
        });
      } finally {
        await h.close();
      }
    });

    it('incidents: open, list, close, and expiry checked on read', async () => {
      const clock = new TestClock(T0);
      const h = await freshStore(backend, { clock, cacheSeconds: 0 });
      try {
        const bg = 'arn:aws:iam::111122223333:role/break-glass';
        const w = await h.store.openIncident({
          identity: bg,
          ticket: 'INC-1',
          from: new Date(T0).toISOString(),
          until: new Date(T0 + 2 * 3_600_000).toISOString(),
          reason: 'db outage',
        });
        expect(w).toMatchObject({ identity: bg, ticket: 'INC-1', source: 'store', reason: 'db outage' });
        expect((await h.store.listIncidents()).map((x) => x.id)).toEqual([w.id]);
        expect((await h.store.view()).incidentAt(bg, T0 + 60_000)?.id).toBe(w.id);
        expect((await h.queries.show(bg)).incidents.map((x) => x.id)).toEqual([w.id]);

        clock.advance(3_600_000);
        const closed = await h.store.closeIncident(w.id);
        expect(closed?.until).toBe(new Date(T0 + 3_600_000).toISOString());
        expect(await h.store.listIncidents()).toEqual([]);
        expect((await h.store.listIncidents({ includeClosed: true })).map((x) => x.id)).toEqual([w.id]);
        // A replay of an event inside the (closed) window still sees it; one after does not.
        const view = await h.store.view();
        expect(view.incidentAt(bg, T0 + 30 * 60_000)?.id).toBe(w.id);
        expect(view.incidentAt(bg, T0 + 90 * 60_000)).toBeNull();
        expect(await h.store.closeIncident('inc-missing')).toBeNull();

        // Past retention the item may still be in the table (TTL is lazy) but reads ignore it.
        clock.advance(31 * 86_400_000);
        expect(await h.store.listIncidents({ includeClosed: true })).toEqual([]);
        expect(await h.store.closeIncident(w.id)).toBeNull();
        expect((await h.store.view()).incidentAt(bg, T0 + 30 * 60_000)).toBeNull();
      } finally {
        await h.close();
      }
    });

    it('dedupe: new, repeat with count, new window, and history with folded counts', async () => {
      const h = await freshStore(backend, { clock: new TestClock(T0) });
      try {
        expect(await h.dedupe.claim(alert(), 60)).toEqual({ kind: 'new' });
        expect(await h.dedupe.claim(alert({ id: 'alert-2', eventTime: '2036-03-01T11:30:00Z' }), 60)).toEqual(
          {
            kind: 'repeat',
            count: 2,
            firstAlertId: 'alert-1',
          },
        );
        expect(await h.dedupe.claim(alert({ id: 'alert-3', eventTime: '2036-03-01T12:00:01Z' }), 60)).toEqual(
          {
            kind: 'new',
          },
        );
        const hist = await h.history.since(Date.parse('2036-03-01T00:00:00Z'));
        expect(hist.map((a) => [a.id, a.count])).toEqual([
          ['alert-1', 2],
          ['alert-3', 1],
        ]);
        expect(hist[0]?.lastEventTime).toBe('2036-03-01T11:30:00Z');
      } finally {
        await h.close();
      }
    });

    it('dedupe: a redelivered alert id does not count; release gives back only its own claim', async () => {
      const h = await freshStore(backend, { clock: new TestClock(T0) });
      try {
        expect(await h.dedupe.claim(alert(), 60)).toEqual({ kind: 'new' });
        await h.dedupe.settle?.(alert(), 60);
        expect(await h.dedupe.claim(alert(), 60)).toEqual({
          kind: 'repeat',
          count: 1,
          firstAlertId: 'alert-1',
          redelivery: true,
        });
        // Another alert cannot release alert-1's claim; alert-1 can.
        await h.dedupe.release?.(alert({ id: 'alert-9' }), 60);
        expect((await h.dedupe.claim(alert({ id: 'alert-2' }), 60)).kind).toBe('repeat');
        await h.dedupe.release?.(alert(), 60);
        expect(await h.dedupe.claim(alert(), 60)).toEqual({ kind: 'new' });
        const hist = await h.history.since(Date.parse('2036-03-01T00:00:00Z'));
        expect(hist.map((a) => [a.id, a.count])).toEqual([['alert-1', 1]]);
      } finally {
        await h.close();
      }
    });

    it('dedupe: an unsettled claim is pending while leased, then claimed again; a settled one is not', async () => {
      const clock = new TestClock(T0);
      const h = await freshStore(backend, { clock });
      try {
        // An attempt claimed alert-1 and died (or could not give the claim back): no settle.
        expect(await h.dedupe.claim(alert(), 60)).toEqual({ kind: 'new' });
        clock.advance(30_000);
        const d = await h.dedupe.claim(alert(), 60);
        expect(d.kind).toBe('pending');
        // Another alert of the same key still folds into it and counts.
        expect((await h.dedupe.claim(alert({ id: 'alert-2' }), 60)).kind).toBe('repeat');
        // Lambda's next retry comes after the lease: the alert is claimed again, so it is delivered.
        clock.advance(CLAIM_LEASE_MS);
        expect(await h.dedupe.claim(alert(), 60)).toEqual({ kind: 'new' });
        await h.dedupe.settle?.(alert(), 60);
        clock.advance(10 * CLAIM_LEASE_MS);
        expect(await h.dedupe.claim(alert(), 60)).toMatchObject({ kind: 'repeat', redelivery: true });
      } finally {
        await h.close();
      }
    });

    it('dedupe answers unavailable, never throws, when DynamoDB cannot be reached', async () => {
      const port = await freePort();
      const h = createStoreHandle(localClient(`http://127.0.0.1:${port}`), 'nowhere', {
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      });
      try {
        const d = await h.dedupe.claim(alert(), 60);
        expect(d.kind).toBe('unavailable');
        expect(d.kind === 'unavailable' && d.reason).toMatch(/ECONNREFUSED|connect/i);
        await expect(h.store.getIdentity('arn:x')).rejects.toMatchObject({
          name: 'AdapterError',
          retryable: true,
        });
      } finally {
        await h.close();
      }
    });

    it('retries throttling with backoff and counts it', async () => {
      let throttles = 0;
      const h = await freshStore(backend, {
        configureClient: onCommand((cmd) => {
          if (cmd === 'GetItemCommand' && throttles < 2) {
            throttles++;
            throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
              name: 'ThrottlingException',
              $metadata: { httpStatusCode: 400 },
            });
          }
        }),
      });
      try {
        expect(await h.store.getIdentity('arn:aws:iam::111122223333:role/none')).toBeNull();
        expect(throttles).toBe(2);
        expect(h.stats()['throttled:GetItem']).toBe(2);
        expect(h.stats().GetItem).toBe(3);
      } finally {
        await h.close();
      }
    });

    it('view() reads the baseline once per cache period', async () => {
      const clock = new TestClock(T0);
      const h = await freshStore(backend, { clock, cacheSeconds: 300 });
      try {
        await h.store.sync(seedIdentities(30), syncOpts());
        const q0 = h.stats().Query ?? 0;
        const v = await h.store.view();
        const q1 = h.stats().Query ?? 0;
        expect(q1 - q0).toBe(2); // identities + incidents
        expect(v.lookup('arn:aws:sts::111122223333:assumed-role/gha-deploy-7/s')?.owner).toBe('team-0');
        expect(v.defaultTeam()).toBe('platform');
        clock.advance(299_000);
        await h.store.view();
        expect(h.stats().Query).toBe(q1);
        clock.advance(2_000);
        await h.store.view();
        expect(h.stats().Query).toBe(q1 + 2);
      } finally {
        await h.close();
      }
    });
  });
}
