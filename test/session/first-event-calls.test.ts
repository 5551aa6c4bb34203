/**
 * The detect path's DynamoDB calls for one event (issue 14): the lineage lookup needs no baseline, so it is
 * issued together with the baseline read; the alerted marks and the session log entry are written together.
 * A gate in front of dynalite (a real local HTTP server) holds or fails chosen calls, so the order is shown
 * without timing: the baseline Query is held until the session GetItem arrives (a detector that waited for
 * the baseline first would never send it; a 10 s fallback then releases the Query and the test fails).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStoreHandle, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { ensureTable } from '../../shared/adapters/dynamodb/table.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../shared/adapters/embedded-store.js';
import { BASELINE_UNAVAILABLE, createDetector } from '../../shared/app/detect.js';
import type { Log } from '../../shared/ports.js';
import { fixtureBaseline } from '../helpers/rule-fixtures.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const TABLE = 'iamwatch-first-event';
const PLAN = 'ASIAPLAN000000000031';
const APPLY = 'ASIAAPPLY00000000032';
const NEXT = 'ASIANEXT000000000033';
const FALLBACK_MS = 10_000;

interface Seen {
  op: string;
  body: Record<string, unknown>;
  inFlight: number;
}

/** Which request a rule is about: its operation and its (marshalled) key or key condition value. */
const pkOf = (body: Record<string, unknown>): string => {
  const b = body as {
    Key?: { pk?: { S?: string } };
    ExpressionAttributeValues?: { ':pk'?: { S?: string } };
    Item?: { pk?: { S?: string }; sk?: { S?: string } };
  };
  return b.Key?.pk?.S ?? b.ExpressionAttributeValues?.[':pk']?.S ?? b.Item?.pk?.S ?? '';
};

/** An EC2 instance profile session for `role`, as CloudTrail logs it (AWSService caller). */
function serviceAssume(role: string, key: string, time: string): Record<string, unknown> {
  const roleArn = `arn:aws:iam::111122223333:role/${role}`;
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    eventTime: time,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: 'ec2.amazonaws.com',
    userAgent: 'ec2.amazonaws.com',
    requestParameters: { roleArn, roleSessionName: 'i-0579f8e03f973a70b' },
    responseElements: {
      credentials: { accessKeyId: key, sessionToken: 'x', expiration: 'Nov 2, 2026, 11:30:00 PM' },
    },
    eventID: `svc-${key}`,
    readOnly: true,
    resources: [{ accountId: '111122223333', type: 'AWS::IAM::Role', ARN: roleArn }],
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  };
}

let backend: EmbeddedStore;
let gate: Server;
let gateUrl = '';
let seen: Seen[] = [];
let inFlight = 0;
/** Decides per request: `hold` until released, `fail` with an AWS error, or pass it on. */
let rule: (op: string, body: Record<string, unknown>) => 'hold' | 'fail' | 'pass' = () => 'pass';
let held: Array<() => void> = [];
let releasedBy: 'session-call' | 'fallback' | null = null;
/** The request that releases the held ones (a session read or write arriving while they are held). */
let releaseWhen: (op: string, body: Record<string, unknown>) => boolean = () => false;

function forward(method: string, url: string, headers: Record<string, unknown>, body: Buffer) {
  const up = new URL(backend.endpoint);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const r = request(
        { host: up.hostname, port: up.port, method, path: url, headers: headers as never },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      r.on('error', reject);
      r.end(body);
    },
  );
}

beforeAll(async () => {
  backend = await startEmbeddedStore();
  gate = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      inFlight++;
      seen.push({ op, body, inFlight });
      const verdict = rule(op, body);
      if (releaseWhen(op, body) && held.length > 0) {
        releasedBy ??= 'session-call';
        for (const go of held.splice(0)) go();
      }
      if (verdict === 'hold') {
        await new Promise<void>((go) => {
          held.push(go);
          setTimeout(() => {
            if (!held.includes(go)) return;
            releasedBy ??= 'fallback';
            held.splice(held.indexOf(go), 1);
            go();
          }, FALLBACK_MS).unref();
        });
      }
      if (verdict === 'fail') {
        inFlight--;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'denied' }),
        );
        return;
      }
      const out = await forward(req.method ?? 'POST', req.url ?? '/', req.headers, raw);
      inFlight--;
      res.writeHead(out.status, out.headers as never);
      res.end(out.body);
    });
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
});

afterAll(async () => {
  gate.closeAllConnections();
  await new Promise<void>((r) => gate.close(() => r()));
  await backend.close();
});

let h: StoreHandle;
let direct: DynamoDBClient;
const warnings: string[] = [];
const log: Log = {
  debug: () => {},
  info: () => {},
  warn: (msg: string) => {
    warnings.push(msg);
  },
  error: () => {},
} as unknown as Log;

beforeEach(async () => {
  const config = {
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  direct = new DynamoDBClient({ ...config, endpoint: backend.endpoint });
  await ensureTable(direct, TABLE);
  const setup = createStoreHandle(direct, TABLE);
  await setup.store.sync(fixtureBaseline('lineage.yaml'), {
    prune: true,
    dryRun: false,
    sourceHash: 't',
    sourceName: 't',
  });
  // The chain the apply session came from, recorded as the Lambda records it.
  const seed = createDetector({ baseline: () => setup.store.view(), sessions: setup.sessions });
  await seed.evaluate(
    oidcAssume('gha-plan', 'repo:org/api:ref:refs/heads/main', PLAN, { time: '2026-11-02T10:02:00Z' }),
  );
  await seed.evaluate(chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }));
  h = createStoreHandle(new DynamoDBClient({ ...config, endpoint: gateUrl }), TABLE, {
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  seen = [];
  inFlight = 0;
  held = [];
  releasedBy = null;
  warnings.length = 0;
  rule = () => 'pass';
  releaseWhen = () => false;
});

const isBaselineQuery = (op: string, body: Record<string, unknown>) =>
  op === 'Query' && pkOf(body) === 'BASELINE';
const isSessionRead = (op: string, body: Record<string, unknown>) =>
  op === 'GetItem' && pkOf(body).startsWith('SESSION#');

describe("the first event's DynamoDB calls (issue 14)", () => {
  it('the lineage lookup is issued while the baseline read is in flight', async () => {
    rule = (op, body) => (isBaselineQuery(op, body) ? 'hold' : 'pass');
    releaseWhen = isSessionRead;
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    const out = await detector.evaluate(
      sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    );
    expect(releasedBy).toBe('session-call');
    expect(seen.some((s) => isBaselineQuery(s.op, s.body))).toBe(true);
    expect(seen.some((s) => isSessionRead(s.op, s.body))).toBe(true);
    // Both results were used: the baseline (not degraded) and the chain the session store holds.
    const alert = out.alerts.find((a) => a.rule === 'access-key-created');
    expect(alert?.degraded ?? []).toEqual([]);
    expect(alert?.origin?.chain.map((c) => c.key)).toEqual([PLAN, APPLY]);
  }, 30_000);

  it('the record of a session issued by a caller is written while the baseline read is in flight', async () => {
    rule = (op, body) => (isBaselineQuery(op, body) ? 'hold' : 'pass');
    releaseWhen = (op, body) => op === 'PutItem' && pkOf(body) === `SESSION#${NEXT}`;
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    const out = await detector.evaluate(
      chainAssume('tf-apply', APPLY, 'gha-plan', NEXT, { time: '2026-11-02T10:06:00Z' }),
    );
    expect(out.problem).toBeNull();
    expect(releasedBy).toBe('session-call');
    // Written once, with its parent's chain.
    expect(seen.filter((s) => s.op === 'PutItem' && pkOf(s.body) === `SESSION#${NEXT}`)).toHaveLength(1);
    const { Item } = await direct.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `SESSION#${NEXT}` }, sk: { S: 'S' } } }),
    );
    expect(Item?.session?.M?.parentKey?.S).toBe(APPLY);
  }, 30_000);

  it('a session an AWS service obtained is written only for a baselined role, as before', async () => {
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    await detector.evaluate(serviceAssume('batch-worker', 'ASIASERVICE000000041', '2026-11-02T10:07:00Z'));
    await detector.evaluate(serviceAssume('tf-apply', 'ASIASERVICE000000042', '2026-11-02T10:08:00Z'));
    const written = seen.filter((s) => s.op === 'PutItem').map((s) => pkOf(s.body));
    expect(written).not.toContain('SESSION#ASIASERVICE000000041');
    expect(written).toContain('SESSION#ASIASERVICE000000042');
  });

  it('a failed lineage lookup beside a good baseline read: origin unknown, said so, baseline used', async () => {
    rule = (op, body) => (isSessionRead(op, body) ? 'fail' : 'pass');
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    const out = await detector.evaluate(
      sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    );
    expect(out.problem).toBeNull();
    expect((out as { sessionProblem?: string | null }).sessionProblem).toMatch(/AccessDeniedException/);
    expect(warnings).toContain('session store unavailable; origin unknown');
    const alert = out.alerts.find((a) => a.rule === 'access-key-created');
    expect(alert?.degraded ?? []).toEqual([]);
    expect(alert?.origin?.complete).toBe(false);
    expect(alert?.origin?.why).toMatch(/session store unavailable/);
  });

  it('a failed baseline read beside a good lineage lookup: fails open, the lineage still used', async () => {
    rule = (op, body) => (isBaselineQuery(op, body) ? 'fail' : 'pass');
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    const out = await detector.evaluate(
      sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    );
    expect(warnings).toContain('baseline unavailable; failing open');
    const alert = out.alerts.find((a) => a.rule === 'access-key-created');
    expect(alert?.degraded).toContain(BASELINE_UNAVAILABLE);
    expect(alert?.origin?.chain.map((c) => c.key)).toEqual([PLAN, APPLY]);
  });

  it('a failed alerted mark does not stop the session log entry written with it', async () => {
    rule = (op) => (op === 'UpdateItem' ? 'fail' : 'pass');
    const detector = createDetector({ baseline: () => h.store.view(), sessions: h.sessions, log });
    const record = sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' });
    const out = await detector.evaluate(record);
    expect(out.alerts.some((a) => a.rule === 'access-key-created')).toBe(true);
    expect(warnings).toContain('session log or alerted mark not written');
    // The mark failed; the log entry of the alerted call was still written.
    expect(seen.some((s) => s.op === 'UpdateItem')).toBe(true);
    const { Items } = await direct.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :l)',
        ExpressionAttributeValues: { ':p': { S: `SESSION#${APPLY}` }, ':l': { S: 'L#' } },
      }),
    );
    const ids = (Items ?? []).map((i) => i.action?.M?.eventId?.S);
    expect(ids).toContain(record.eventID);
  });
});
