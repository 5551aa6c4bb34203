import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySessionStore, SESSION_RETENTION_MS } from '../../shared/adapters/memory-sessions.js';
import { trackSession } from '../../shared/app/sessions.js';
import { buildIndex, emptyBaseline } from '../../shared/core/baseline/in-memory-view.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { lineageOfEvent, resolveLineage } from '../../shared/core/session/lineage.js';
import { originLine, originOf } from '../../shared/core/session/origin.js';
import { type SessionRecord, sessionFromEvent } from '../../shared/core/session/record.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const EMPTY = buildIndex(emptyBaseline());

function ev(raw: unknown): NormalisedEvent {
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

function sample(name: string): NormalisedEvent {
  return ev(
    JSON.parse(readFileSync(new URL(`../fixtures/cloudtrail-public/${name}`, import.meta.url), 'utf8')),
  );
}

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';
const ADMIN = 'ASIAADMIN00000000003';
const FORK = 'repo:fork/api:pull_request';

/** Feeds records through the store as replay and the Lambda do; returns the last event's lineage. */
async function feed(store: MemorySessionStore, records: unknown[]) {
  let last = null;
  for (const r of records) last = await trackSession(ev(r), EMPTY, store);
  return last;
}

describe('session records', () => {
  it('an OIDC assumption records the subject, provider, key and expiry', () => {
    const r = sessionFromEvent(
      sample('AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json'),
    );
    expect(r).toMatchObject({
      key: 'ASIA3ISBVQKHJOCMRQJH',
      via: 'oidc',
      subject: 'repo:ccbrown/cloud-snitch:ref:refs/heads/main',
      provider: 'token.actions.githubusercontent.com',
      parentKey: null,
      sourceIp: '52.154.133.36',
      issuedAt: '2025-04-16T02:46:56Z',
    });
    // "Apr 16, 2025, 3:46:56 AM" is read as UTC.
    expect(new Date(r?.expiresMs ?? 0).toISOString()).toBe('2025-04-16T03:46:56.000Z');
  });

  it('role chaining (AWS docs sample): the parent is the calling session, sourceIdentity kept', () => {
    const r = sessionFromEvent(sample('AssumeRole__awsdocs-iam-user-guide__role-chaining.json'));
    expect(r).toMatchObject({
      via: 'caller',
      caller: 'arn:aws:sts::111111111111:assumed-role/JohnDoe/JohnRole1',
      identity: 'arn:aws:iam::111111111111:role/JohnRole2',
      sourceIdentity: 'JohnDoe',
      sessionName: 'Role2WithTags',
    });
    // The docs sample shows an AKIA (long-term) key as the caller's key: not a session to walk to.
    expect(r?.parentKey).toBeNull();
  });

  it('SAML sample: subject and provider', () => {
    const r = sessionFromEvent(sample('AssumeRoleWithSAML__awsdocs-iam-user-guide.json'));
    expect(r).toMatchObject({
      via: 'saml',
      subject: 'SamlExample',
      provider: 'arn:aws:iam::444455556666:saml-provider/Shibboleth',
      sourceIdentity: 'MySAMLUser',
    });
  });

  it('GetFederationToken sample: the federated user, issued from a user key', () => {
    const r = sessionFromEvent(sample('GetFederationToken__stratus-red-team.json'));
    expect(r?.via).toBe('user-key');
    expect(r?.identity).toMatch(/federated-user\//);
  });

  it('a non-issuing call gives no record', () => {
    expect(
      sessionFromEvent(
        ev(sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' })),
      ),
    ).toBeNull();
  });
});

describe('resolveLineage', () => {
  it('three hops: fork PR token → gha-plan → tf-apply → admin, walked to the OIDC origin', async () => {
    const store = new MemorySessionStore();
    const s = await feed(store, [
      oidcAssume('gha-plan', FORK, PLAN, { time: '2026-11-02T10:02:00Z' }),
      chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
      chainAssume('tf-apply', APPLY, 'admin', ADMIN, { time: '2026-11-02T10:05:00Z' }),
      sessionCall('admin', ADMIN, 'CreateAccessKey', { time: '2026-11-02T10:06:00Z' }),
    ]);
    expect(s?.lineage?.complete).toBe(true);
    expect(s?.lineage?.chain.map((r) => r.key)).toEqual([PLAN, APPLY, ADMIN]);
    const o = originOf(s?.lineage ?? null);
    expect(o?.chain[0]).toMatchObject({
      via: 'oidc',
      subject: FORK,
      identity: 'arn:aws:iam::111122223333:role/gha-plan',
    });
    expect(o?.chain[1]).toMatchObject({
      via: 'caller',
      caller: 'arn:aws:sts::111122223333:assumed-role/gha-plan/GitHubActions',
    });
    expect(originLine(o)).toBe(
      'via admin ← tf-apply ← gha-plan ← repo:fork/api:pull_request (OIDC), 10:02 UTC',
    );
  });

  it('cross-account with sharedEventID: the caller copy and the role-account copy give one record, the richer', async () => {
    const caller = sample('AssumeRole__awsdocs-iam-user-guide__cross-account-caller-view.json');
    const target = sample('AssumeRole__awsdocs-iam-user-guide__cross-account-target-view.json');
    for (const order of [
      [caller, target],
      [target, caller],
    ]) {
      const store = new MemorySessionStore();
      for (const e of order) await trackSession(e, EMPTY, store);
      const l = await resolveLineage('AKIAQRSTUVWXYZEXAMPLE', Date.parse('2014-07-18T15:10:00Z'), (k, at) =>
        store.get(k, at),
      );
      expect(l.chain).toHaveLength(1);
      expect(l.chain[0]).toMatchObject({ via: 'user-key', user: 'arn:aws:iam::777788889999:user/JohnDoe' });
      expect(l.chain[0]?.sharedEventId).toBe('bEXAMPLE-efea-4a70-b951-19a88EXAMPLE');
      expect(l.complete).toBe(true);
    }
  });

  it('the role-account copy alone: origin incomplete, caller account named', async () => {
    const store = new MemorySessionStore();
    await trackSession(
      sample('AssumeRole__awsdocs-iam-user-guide__cross-account-target-view.json'),
      EMPTY,
      store,
    );
    const l = await resolveLineage('AKIAQRSTUVWXYZEXAMPLE', Date.parse('2014-07-18T15:10:00Z'), (k, at) =>
      store.get(k, at),
    );
    expect(l.complete).toBe(false);
    expect(l.why).toContain('777788889999');
  });

  it('IAM Identity Center: the SSO session is the origin, the user is the session name', async () => {
    const store = new MemorySessionStore();
    const sso = {
      ...oidcAssume('x', 'x', 'ASIASSO0000000000001', { time: '2026-11-02T09:00:00Z' }),
      eventName: 'AssumeRoleWithSAML',
      userIdentity: { type: 'SAMLUser', principalId: 'SSO:alice@example.com', userName: 'alice@example.com' },
      requestParameters: {
        roleArn:
          'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123abcd',
        roleSessionName: 'alice@example.com',
        principalArn: 'arn:aws:iam::111122223333:saml-provider/AWSSSO_0123_DO_NOT_DELETE',
      },
      responseElements: {
        credentials: { accessKeyId: 'ASIASSO0000000000001', expiration: '2026-11-02T17:00:00Z' },
        subject: 'alice@example.com',
      },
    };
    const s = await feed(store, [
      sso,
      sessionCall('AWSReservedSSO_Admin_0123abcd', 'ASIASSO0000000000001', 'CreateAccessKey', {
        time: '2026-11-02T09:30:00Z',
      }),
    ]);
    expect(s?.lineage?.complete).toBe(true);
    expect(s?.lineage?.chain[0]).toMatchObject({
      via: 'saml',
      subject: 'alice@example.com',
      sessionName: 'alice@example.com',
    });
  });

  it('out of order: a child seen before its parent has an unknown origin, and a known one once the parent is in', async () => {
    const store = new MemorySessionStore();
    const child = chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' });
    const first = await feed(store, [child]);
    expect(first?.lineage?.complete).toBe(false);
    expect(first?.lineage?.why).toContain(`origin unknown: parent session ${PLAN}`);
    const later = await feed(store, [
      oidcAssume('gha-plan', FORK, PLAN, { time: '2026-11-02T10:02:00Z' }),
      sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:06:00Z' }),
    ]);
    expect(later?.lineage?.complete).toBe(true);
    expect(later?.lineage?.chain.map((r) => r.via)).toEqual(['oidc', 'caller']);
  });

  it('expired parent: past its retention the parent is gone and the origin is unknown, not guessed', async () => {
    const store = new MemorySessionStore();
    await feed(store, [
      oidcAssume('gha-plan', FORK, PLAN, { time: '2026-11-02T10:02:00Z' }),
      chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
    ]);
    // One minute after the parent's retention ended; the child (issued two minutes later) is still retained.
    const late = Date.parse('2026-11-02T11:02:00Z') + SESSION_RETENTION_MS + 60_000;
    const l = await resolveLineage(APPLY, late, (k, at) => store.get(k, at));
    expect(l.complete).toBe(false);
    expect(l.why).toContain(`parent session ${PLAN}`);
  });

  it('a loop is detected and the walk stops', async () => {
    const recs = new Map<string, SessionRecord>();
    const a = sessionFromEvent(
      ev(
        chainAssume('b', 'ASIABBBB000000000002', 'a', 'ASIAAAAA000000000001', {
          time: '2026-11-02T10:00:00Z',
        }),
      ),
    );
    const b = sessionFromEvent(
      ev(
        chainAssume('a', 'ASIAAAAA000000000001', 'b', 'ASIABBBB000000000002', {
          time: '2026-11-02T10:01:00Z',
        }),
      ),
    );
    for (const r of [a, b]) if (r?.key) recs.set(r.key, r);
    const l = await resolveLineage(
      'ASIAAAAA000000000001',
      Date.parse('2026-11-02T10:05:00Z'),
      (k) => recs.get(k) ?? null,
    );
    expect(l.complete).toBe(false);
    expect(l.why).toMatch(/^loop/);
    expect(l.chain).toHaveLength(2);
  });

  it('a chain longer than the hop bound stops there', async () => {
    const recs = new Map<string, SessionRecord>();
    const key = (i: number) => `ASIA${String(i).padStart(16, '0')}`;
    for (let i = 1; i <= 20; i++) {
      const r = sessionFromEvent(
        ev(chainAssume(`r${i - 1}`, key(i - 1), `r${i}`, key(i), { time: '2026-11-02T10:00:00Z' })),
      );
      if (r?.key) recs.set(r.key, r);
    }
    const l = await resolveLineage(
      key(20),
      Date.parse('2026-11-02T10:05:00Z'),
      (k) => recs.get(k) ?? null,
      5,
    );
    expect(l.complete).toBe(false);
    expect(l.why).toMatch(/more than 5 hops/);
  });

  it('a call with a long-term key has no session lineage', async () => {
    const e = ev({
      ...sessionCall('x', 'AKIAEXAMPLE000000001', 'CreateAccessKey', { time: '2026-11-02T10:00:00Z' }),
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/bob',
        accessKeyId: 'AKIAEXAMPLE000000001',
      },
    });
    const s = await lineageOfEvent(e, () => null);
    expect(s.lineage).toBeNull();
  });
});

describe('IAM Identity Center sessions without their issuing event', () => {
  it('a CLI session of an AWSReservedSSO_ role names the Identity Center user as the origin', async () => {
    const e = ev({
      ...sessionCall('x', 'ASIASSOCLI0000000001', 'CreateAccessKey', { time: '2026-11-02T09:30:00Z' }),
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com',
        accountId: '111122223333',
        accessKeyId: 'ASIASSOCLI0000000001',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123abcd',
            accountId: '111122223333',
            userName: 'AWSReservedSSO_Admin_0123abcd',
          },
        },
      },
    });
    const s = await lineageOfEvent(e, () => null);
    expect(s.lineage?.complete).toBe(true);
    expect(s.lineage?.chain[0]).toMatchObject({
      via: 'saml',
      subject: 'alice@example.com',
      provider: 'IAM Identity Center',
    });
    expect(s.lineage?.why).toContain('IAM Identity Center user alice@example.com');
  });

  it('a role session that chained from one: the chain starts at the Identity Center user', async () => {
    const recs = new Map<string, SessionRecord>();
    const hop = sessionFromEvent(
      ev({
        ...chainAssume(
          'AWSReservedSSO_Admin_0123abcd',
          'ASIASSOCLI0000000001',
          'deploy',
          'ASIADEPLOY0000000002',
          {
            time: '2026-11-02T09:40:00Z',
          },
        ),
      }),
    );
    if (hop?.key) recs.set(hop.key, hop);
    // The chained call's caller session ARN is the SSO session (session name GitHubActions in the helper).
    const l = await resolveLineage(
      'ASIADEPLOY0000000002',
      Date.parse('2026-11-02T09:45:00Z'),
      (k) => recs.get(k) ?? null,
    );
    expect(l.complete).toBe(true);
    expect(l.chain.map((r) => r.via)).toEqual(['saml', 'caller']);
  });
});
