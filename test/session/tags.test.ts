/**
 * Session tags and sourceIdentity: read from the issuing records (AWS docs samples), inherited down a chain
 * as AWS passes them (transitive tags only; sourceIdentity always), and shown by `iamwatch trace`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { trackSession } from '../../shared/app/sessions.js';
import { buildIndex, emptyBaseline } from '../../shared/core/baseline/in-memory-view.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { originOf } from '../../shared/core/session/origin.js';
import { sessionFromEvent } from '../../shared/core/session/record.js';
import { runCli } from '../helpers/cli.js';
import { chainAssume, sessionCall } from './records.js';

const EMPTY = buildIndex(emptyBaseline());
const USER_KEY_ROOT = 'ASIAROOT000000000001';
const HOP2 = 'ASIAHOP2000000000002';
const HOP3 = 'ASIAHOP3000000000003';

function ev(raw: unknown): NormalisedEvent {
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}
const sample = (name: string) =>
  ev(JSON.parse(readFileSync(new URL(`../fixtures/cloudtrail-public/${name}`, import.meta.url), 'utf8')));

/** First hop: an IAM user's AssumeRole with tags, two of them transitive, and a sourceIdentity. */
function firstHop(): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEALICE0001',
      userName: 'alice',
    },
    eventTime: '2026-11-02T10:00:00Z',
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: {
      roleArn: 'arn:aws:iam::111122223333:role/dev',
      roleSessionName: 'alice',
      sourceIdentity: 'alice',
      tags: [
        { key: 'Project', value: 'unicorn' },
        { key: 'Team', value: 'platform' },
        { key: 'CostCenter', value: '42' },
      ],
      transitiveTagKeys: ['Project', 'CostCenter'],
    },
    responseElements: {
      credentials: { accessKeyId: USER_KEY_ROOT, expiration: '2026-11-02T11:00:00Z' },
      assumedRoleUser: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/alice' },
      sourceIdentity: 'alice',
    },
    eventID: 'tag-ev-1',
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  };
}

/** Chained hops as some records show them: no incomingTransitiveTags, no sourceIdentity. */
const hop2 = () => {
  const r = chainAssume('dev', USER_KEY_ROOT, 'deploy', HOP2, { time: '2026-11-02T10:01:00Z' }, 'alice');
  (r.requestParameters as Record<string, unknown>).tags = [{ key: 'Stage', value: 'prod' }];
  return r;
};
const hop3 = () => chainAssume('deploy', HOP2, 'admin', HOP3, { time: '2026-11-02T10:02:00Z' }, 'alice');

describe('session tags and sourceIdentity', () => {
  it('read from the AWS docs samples: tags, incoming transitive tags, principalTags', () => {
    const chained = sessionFromEvent(sample('AssumeRole__awsdocs-iam-user-guide__role-chaining.json'));
    expect(chained?.tags).toEqual({
      Department: 'Engineering',
      Email: 'johndoe@example.com',
      CostCenter: '12345',
    });
    // Incoming transitive tags stay transitive down the chain.
    expect(chained?.transitiveTagKeys).toEqual(['CostCenter', 'Department', 'Email']);
    const saml = sessionFromEvent(sample('AssumeRoleWithSAML__awsdocs-iam-user-guide.json'));
    expect(saml?.tags).toMatchObject({ CostCenter: '987654', Project: 'Unicorn', Department: 'Engineering' });
    expect(saml?.transitiveTagKeys).toEqual(['CostCenter', 'Project']);
  });

  it('a three-hop chain: only transitive tags flow on, sourceIdentity flows always', async () => {
    const store = new MemorySessionStore();
    for (const r of [firstHop(), hop2(), hop3()]) await trackSession(ev(r), EMPTY, store);
    expect(store.get(USER_KEY_ROOT, 0)).toMatchObject({
      tags: { Project: 'unicorn', Team: 'platform', CostCenter: '42' },
      transitiveTagKeys: ['CostCenter', 'Project'],
      sourceIdentity: 'alice',
    });
    expect(store.get(HOP2, 0)).toMatchObject({
      tags: { Project: 'unicorn', CostCenter: '42', Stage: 'prod' },
      transitiveTagKeys: ['CostCenter', 'Project'],
      sourceIdentity: 'alice',
    });
    expect(store.get(HOP2, 0)?.tags).not.toHaveProperty('Team');
    expect(store.get(HOP3, 0)?.tags).toEqual({ Project: 'unicorn', CostCenter: '42' });
    const facts = await trackSession(
      ev(sessionCall('admin', HOP3, 'CreateUser', { time: '2026-11-02T10:03:00Z' })),
      EMPTY,
      store,
    );
    const origin = originOf(facts.lineage);
    expect(origin?.chain.map((h) => h.sourceIdentity)).toEqual(['alice', 'alice', 'alice']);
    expect(origin?.chain[2]?.tags).toEqual({ Project: 'unicorn', CostCenter: '42' });
  });

  it('a tag key such as __proto__ is kept as data', () => {
    const r = firstHop();
    (r.requestParameters as Record<string, unknown>).tags = [{ key: '__proto__', value: 'x' }];
    const rec = sessionFromEvent(ev(r));
    expect(Object.hasOwn(rec?.tags ?? {}, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(rec?.tags)).toBe(Object.prototype);
  });
});

describe('iamwatch trace shows tags and sourceIdentity', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iamwatch-tags-'));
    const hostile = firstHop();
    (hostile.requestParameters as Record<string, unknown>).tags = [
      { key: 'Project', value: 'unicorn\n\u001b[31mfake line' },
    ];
    writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: [firstHop(), hop2(), hop3()] }));
    writeFileSync(join(dir, 'hostile.json'), JSON.stringify({ Records: [hostile] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('each hop lists its source identity and tags, transitive ones marked', async () => {
    const r = await runCli(['trace', HOP3, '--from', join(dir, 'trail.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('source identity alice');
    expect(r.stdout).toContain(
      'tags Project=unicorn (transitive), Team=platform, CostCenter=42 (transitive)',
    );
    expect(r.stdout).toContain('tags CostCenter=42 (transitive), Project=unicorn (transitive), Stage=prod');
  });

  it('a hostile tag value stays on its line', async () => {
    const r = await runCli(['trace', USER_KEY_ROOT, '--from', join(dir, 'hostile.json')]);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout.split('\n').some((l) => l.startsWith('fake line'))).toBe(false);
  });
});
