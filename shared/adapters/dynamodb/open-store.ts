import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertHistory, BaselineStore, Clock, DedupeStore, ObservationSink } from '../../ports.js';
import { type EmbeddedStore, startEmbeddedStore } from '../embedded-store.js';
import { DynamoBaselineStore } from './baseline-store.js';
import { DEFAULT_RETRY, Dynamo, type RetryPolicy } from './client.js';
import { DynamoDedupeStore } from './dedupe.js';
import { DynamoEventClaims } from './event-claims.js';
import { DynamoObservationSink } from './observations.js';
import { StoreQueries } from './queries.js';
import { DynamoSessionStore } from './sessions.js';
import { ensureTable } from './table.js';

/** Table name used inside the embedded store. */
export const EMBEDDED_TABLE = 'iamwatch';

export interface OpenStoreOptions {
  /** DynamoDB table; without it the embedded store under `dir` is used. */
  table?: string;
  endpoint?: string;
  region?: string;
  /** Embedded store directory (default ./.iamwatch, relative to the process cwd). */
  dir?: string;
  /** View cache period (default 300). */
  cacheSeconds?: number;
  /** Injected time (default system clock). */
  clock?: Clock;
  /** Hook to add middleware to the SDK client (tests inject faults here). */
  configureClient?: (client: DynamoDBClient) => void;
  /** Retry policy for throttling and transient errors. */
  retry?: RetryPolicy;
  /** Create the table when it does not exist (always done for the embedded store). */
  createTable?: boolean;
  /** Count each observed event once across runs (replay into a store); see ObservationSinkOptions. */
  observationMarkers?: boolean;
}

/** Everything the CLI and the Lambda need from the store, over one client. */
export interface StoreHandle {
  store: DynamoBaselineStore & BaselineStore;
  observations: ObservationSink;
  dedupe: DedupeStore;
  history: AlertHistory;
  queries: StoreQueries;
  /** Session records for lineage (./sessions.ts). */
  sessions: DynamoSessionStore;
  /**
   * Per-event claims for ingestMode `both` (./event-claims.ts), on the handle's table and clock; `leaseMs`
   * must exceed the claiming function's timeout.
   */
  eventClaims(opts?: { leaseMs?: number; onError?: (op: string, err: unknown) => void }): DynamoEventClaims;
  /** DynamoDB calls made so far, per operation (`Query`, `UpdateItem`, `throttled:PutItem`, …). */
  stats(): Record<string, number>;
  /** Flushes nothing by itself: call observations.flush() first. Stops the embedded server and frees its lock. */
  close(): Promise<void>;
  /** `table NAME` or `embedded DIR`, for messages. */
  describe: string;
}

/** Builds the store objects over an existing SDK client and table. */
export function createStoreHandle(
  client: DynamoDBClient,
  table: string,
  opts: {
    cacheSeconds?: number;
    clock?: Clock;
    retry?: RetryPolicy;
    describe?: string;
    /** See {@link Dynamo}: skip the table for this long after a call failed for good (Lambda). */
    circuitMs?: number;
    /** See {@link OpenStoreOptions.observationMarkers}. */
    observationMarkers?: boolean;
  } = {},
  onClose: () => Promise<void> = async () => {},
): StoreHandle {
  const clock = opts.clock ?? { nowMs: () => Date.now() };
  const db = new Dynamo(client, table, opts.retry ?? DEFAULT_RETRY, opts.circuitMs ?? 0);
  const storeOpts: { clock: Clock; cacheSeconds?: number } = { clock };
  if (opts.cacheSeconds !== undefined) storeOpts.cacheSeconds = opts.cacheSeconds;
  const store = new DynamoBaselineStore(db, storeOpts);
  const dedupe = new DynamoDedupeStore(db, clock);
  let closed = false;
  return {
    store,
    observations: new DynamoObservationSink(db, {
      eventMarkers: opts.observationMarkers === true,
      nowMs: () => clock.nowMs(),
    }),
    dedupe,
    history: dedupe,
    queries: new StoreQueries(db, store, clock),
    sessions: new DynamoSessionStore(db),
    eventClaims: (o = {}) => new DynamoEventClaims(db, { ...o, clock }),
    stats: () => db.stats(),
    describe: opts.describe ?? `table ${table}`,
    async close() {
      if (closed) return;
      closed = true;
      try {
        client.destroy();
      } finally {
        await onClose();
      }
    },
  };
}

/**
 * Opens the store. With `table`: real DynamoDB through the usual credential chain and region
 * (and `endpoint` when given). Without: dynalite in-process with data under `dir`
 * (default ./.iamwatch), locked against a second process, table created when absent.
 */
export async function openStore(opts: OpenStoreOptions = {}): Promise<StoreHandle> {
  let embedded: EmbeddedStore | null = null;
  let client: DynamoDBClient;
  let table: string;
  let describe: string;
  if (opts.table) {
    table = opts.table;
    client = new DynamoDBClient({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      // Retries are ours (counted, with backoff on throttling).
      maxAttempts: 1,
    });
    describe = `table ${table}`;
  } else {
    const displayDir = opts.dir ?? './.iamwatch';
    embedded = await startEmbeddedStore({ dir: resolve(displayDir), displayDir });
    table = EMBEDDED_TABLE;
    client = new DynamoDBClient({
      region: 'local',
      endpoint: embedded.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    describe = `embedded store ${displayDir}`;
  }
  try {
    opts.configureClient?.(client);
    if (embedded || opts.createTable) await ensureTable(client, table);
  } catch (err) {
    client.destroy();
    await embedded?.close();
    throw err;
  }
  const handleOpts: {
    cacheSeconds?: number;
    clock?: Clock;
    retry?: RetryPolicy;
    describe: string;
    observationMarkers?: boolean;
  } = { describe };
  if (opts.observationMarkers) handleOpts.observationMarkers = true;
  if (opts.cacheSeconds !== undefined) handleOpts.cacheSeconds = opts.cacheSeconds;
  if (opts.clock) handleOpts.clock = opts.clock;
  if (opts.retry) handleOpts.retry = opts.retry;
  return createStoreHandle(client, table, handleOpts, async () => {
    await embedded?.close();
  });
}
