/**
 * Replay's cheap paths through session records must give what the general paths give: the expiry parser
 * without its regular expression, and the first-hop lineage built without driving a walk (replay, sync) against
 * the walk the Lambda drives (async).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { trackSession, trackSessionSync } from '../../shared/app/sessions.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { sessionFromEvent } from '../../shared/core/session/record.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const BASELINE = `version: 1
identities:
  - arn: "arn:aws:iam::111122223333:role/batch-worker"
    kind: workload
    owner: data-team
    purpose: "EC2 instance profile of the batch workers"
`;
const parsed = parseBaseline(BASELINE, 'baseline.yaml');
if (!parsed.baseline) throw new Error(JSON.stringify(parsed.issues));
const VIEW = buildIndex(parsed.baseline);

function ev(raw: unknown): NormalisedEvent {
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

/** An EC2 instance profile session, as CloudTrail logs it (AWSService caller, service host as source). */
function serviceAssume(key: string, time: string, expiration: unknown): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    eventTime: time,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'eu-west-1',
    sourceIPAddress: 'ec2.amazonaws.com',
    userAgent: 'ec2.amazonaws.com',
    requestParameters: {
      roleArn: 'arn:aws:iam::111122223333:role/batch-worker',
      roleSessionName: 'i-0579f8e03f973a70b',
    },
    responseElements: { credentials: { accessKeyId: key, sessionToken: 'x', expiration } },
    eventID: `svc-${key}`,
    readOnly: true,
    resources: [
      {
        accountId: '111122223333',
        type: 'AWS::IAM::Role',
        ARN: 'arn:aws:iam::111122223333:role/batch-worker',
      },
    ],
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    sharedEventID: 'c3b2881f-caa2-4af3-b995-f689c62c01e0',
  };
}

describe('credential expiry', () => {
  const cases: Array<[unknown, string]> = [
    ['Mar 2, 2026, 1:00:43 AM', '2026-03-02T01:00:43.000Z'],
    ['Oct 2, 2019, 11:12:29 PM', '2019-10-02T23:12:29.000Z'],
    ['Dec 31, 2026, 12:05:09 AM', '2026-12-31T00:05:09.000Z'],
    ['Jan 1, 2027, 12:30:00 PM', '2027-01-01T12:30:00.000Z'],
    ['Feb 14, 2026, 3:04:05 pm', '2026-02-14T15:04:05.000Z'],
    ['2026-03-02T01:00:43Z', '2026-03-02T01:00:43.000Z'],
    // Not a time: issue time + 1 hour.
    ['Mar 2, 2026, 1:00:43 XM', '2026-03-02T01:00:00.000Z'],
    // Two characters whose code units could be mistaken for "am" if packed into too few bits.
    ['Mar 2, 2026, 1:00:43 `\u00ed', '2026-03-02T01:00:00.000Z'],
    ['Mar 2, 2026, 1:00:43 @\u00cd', '2026-03-02T01:00:00.000Z'],
    ['', '2026-03-02T01:00:00.000Z'],
    [42, '2026-03-02T01:00:00.000Z'],
  ];
  it.each(cases)('%j expires at %s', (expiration, iso) => {
    const r = sessionFromEvent(ev(serviceAssume('ASIAEXPIRY0000000001', '2026-03-02T00:00:00Z', expiration)));
    expect(new Date(r?.expiresMs ?? Number.NaN).toISOString()).toBe(iso);
  });
});

describe('first hops in replay', () => {
  // The credential-issuing public samples (origin and licence: test/fixtures/cloudtrail-public/README.md).
  const samples = new URL('../fixtures/cloudtrail-public/', import.meta.url);
  const sampleRecords = readdirSync(samples)
    .filter((f) => /^(AssumeRole|GetFederationToken)\w*__.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(new URL(f, samples), 'utf8')) as Record<string, unknown>);
  const hand = [
    serviceAssume('ASIASERVICE000000001', '2026-11-02T10:00:00Z', 'Nov 2, 2026, 11:00:00 AM'),
    sessionCall('batch-worker', 'ASIASERVICE000000001', 'CreateAccessKey', { time: '2026-11-02T10:01:00Z' }),
    oidcAssume('gha-plan', 'repo:fork/api:pull_request', 'ASIAPLAN000000000001', {
      time: '2026-11-02T10:02:00Z',
    }),
    chainAssume('gha-plan', 'ASIAPLAN000000000001', 'tf-apply', 'ASIAAPPLY00000000002', {
      time: '2026-11-02T10:03:00Z',
    }),
    sessionCall('tf-apply', 'ASIAAPPLY00000000002', 'AttachRolePolicy', { time: '2026-11-02T10:04:00Z' }),
    chainAssume('gone', 'ASIAGONE000000000009', 'tf-apply', 'ASIAAPPLY00000000003', {
      time: '2026-11-02T10:05:00Z',
    }),
    // Calls with a session key: two hops back to OIDC, a parent never seen, a key never seen, an
    // IAM Identity Center session (never issued in the trail), and a key past its retention.
    sessionCall('tf-apply', 'ASIAAPPLY00000000002', 'CreateUser', { time: '2026-11-02T10:06:00Z' }),
    sessionCall('tf-apply', 'ASIAAPPLY00000000003', 'CreateUser', { time: '2026-11-02T10:07:00Z' }),
    sessionCall('tf-apply', 'ASIANEVERSEEN0000001', 'CreateUser', { time: '2026-11-02T10:08:00Z' }),
    sessionCall('AWSReservedSSO_Admin_0123456789abcdef', 'ASIASSO0000000000001', 'CreateUser', {
      time: '2026-11-02T10:09:00Z',
    }),
    sessionCall('batch-worker', 'ASIASERVICE000000001', 'CreateUser', { time: '2027-01-02T10:00:00Z' }),
  ];

  it('the session facts of every record are those of the walk the Lambda drives', async () => {
    const sync = new MemorySessionStore();
    const async = new MemorySessionStore();
    for (const raw of [...sampleRecords, ...hand]) {
      const e = ev(raw);
      const a = trackSessionSync(e, VIEW, sync);
      const b = await trackSession(e, VIEW, async);
      expect(a).toEqual(b);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
    expect([...sync.all()]).toEqual([...async.all()]);
    expect(sync.counts).toEqual(async.counts);
    // The service session of a baselined role is recorded: a call made with its key has its origin.
    const call = trackSessionSync(ev(hand[1]), VIEW, sync);
    expect(call.lineage?.complete).toBe(true);
    expect(call.lineage?.why).toBe('origin: AWS service ec2.amazonaws.com');
  });
});
