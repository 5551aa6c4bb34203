/**
 * A thin layer over the DynamoDB document client: one place for retries with backoff on
 * throttling, unprocessed-item retry for BatchWrite, typed errors, and per-operation call counters.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { AdapterError } from '../../ports.js';

export const ADAPTER = 'dynamodb';

/** An item as read from or written to the table (document-client shape). */
export type Item = Record<string, unknown>;

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const TRANSIENT = new Set(['InternalServerError', 'ServiceUnavailable', 'InternalFailure', 'RequestTimeout']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError']);

/** A conditional write lost: the item changed since it was read (or already exists). */
export class ConditionFailedError extends AdapterError {
  constructor(message: string, cause?: unknown) {
    super(ADAPTER, message, { retryable: false, cause });
    this.name = 'ConditionFailedError';
  }
}

export interface RetryPolicy {
  /** Total attempts per call, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 40, maxDelayMs: 2_000 };

function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && NETWORK.has(e.code)) return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'Error';
}

/** True for errors a later attempt may not see: throttling, 5xx, network. */
export function isRetryable(err: unknown): boolean {
  const name = errorName(err);
  if (THROTTLING.has(name) || TRANSIENT.has(name) || NETWORK.has(name)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errorName(err));
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Document-client wrapper used by every DynamoDB adapter in this folder. Every call is
 * counted under its operation name (`GetItem`, `Query`, …); retries under `retry:<op>`.
 */
export class Dynamo {
  readonly doc: DynamoDBDocumentClient;
  private readonly counters = new Map<string, number>();
  private openUntilMs = 0;
  private openReason = '';

  /**
   * @param circuitMs when set, a call that fails for good (retries exhausted, or access denied) makes
   *   every call in the next `circuitMs` fail at once without a request, so a Lambda invocation pays for
   *   an unreachable table once and fails open within its timeout.
   */
  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly circuitMs = 0,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  /** Calls made so far, per operation (one per HTTP request, retries included). */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  count(key: string, n = 1): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
  }

  /** Runs `fn` with retries on throttling and transient failures; wraps what remains in AdapterError. */
  async call<T>(op: string, fn: () => Promise<T>, opts: { expectCondition?: boolean } = {}): Promise<T> {
    if (this.circuitMs > 0 && Date.now() < this.openUntilMs) {
      this.count(`skipped:${op}`);
      throw new AdapterError(
        ADAPTER,
        `${op} on table ${this.table} skipped: the table failed moments ago (${this.openReason})`,
        { retryable: true },
      );
    }
    let attempt = 0;
    for (;;) {
      attempt++;
      this.count(op);
      try {
        return await fn();
      } catch (err) {
        if (opts.expectCondition && isConditionalCheckFailed(err)) {
          throw new ConditionFailedError(`${op} on ${this.table}: condition not met`, err);
        }
        const retryable = isRetryable(err);
        if (retryable && attempt < this.retry.attempts) {
          this.count(isThrottling(err) ? `throttled:${op}` : `retry:${op}`);
          const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
          await sleep(cap / 2 + Math.random() * (cap / 2));
          continue;
        }
        const msg = err instanceof Error ? err.message : String(err);
        if (this.circuitMs > 0 && (retryable || errorName(err) === 'AccessDeniedException')) {
          this.openUntilMs = Date.now() + this.circuitMs;
          this.openReason = `${op}: ${errorName(err)}`;
        }
        throw new AdapterError(ADAPTER, `${op} on table ${this.table} failed (${errorName(err)}): ${msg}`, {
          retryable,
          cause: err,
        });
      }
    }
  }

  async get(key: Item, consistent = false): Promise<Item | null> {
    const input: GetCommandInput = { TableName: this.table, Key: key, ConsistentRead: consistent };
    const out = await this.call('GetItem', () => this.doc.send(new GetCommand(input)));
    return (out.Item as Item | undefined) ?? null;
  }

  /** Put; with `condition`, a failed condition throws ConditionFailedError. */
  async put(item: Item, condition?: Omit<PutCommandInput, 'TableName' | 'Item'>): Promise<void> {
    const input: PutCommandInput = { TableName: this.table, Item: item, ...condition };
    await this.call('PutItem', () => this.doc.send(new PutCommand(input)), {
      expectCondition: Boolean(condition?.ConditionExpression),
    });
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput> {
    const full: UpdateCommandInput = { TableName: this.table, ...input };
    return this.call('UpdateItem', () => this.doc.send(new UpdateCommand(full)), {
      expectCondition: Boolean(input.ConditionExpression),
    });
  }

  async delete(key: Item, condition?: Omit<DeleteCommandInput, 'TableName' | 'Key'>): Promise<void> {
    const input: DeleteCommandInput = { TableName: this.table, Key: key, ...condition };
    await this.call('DeleteItem', () => this.doc.send(new DeleteCommand(input)), {
      expectCondition: Boolean(condition?.ConditionExpression),
    });
  }

  /** Every page of a Query (one call per page). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const full: QueryCommandInput = { TableName: this.table, ...input, ExclusiveStartKey: start };
      const out = await this.call('Query', () => this.doc.send(new QueryCommand(full)));
      for (const it of out.Items ?? []) items.push(it as Item);
      start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (start);
    return items;
  }

  /** One page of a Query (one call): for bounded reads that must not page through a large partition. */
  async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const full: QueryCommandInput = { TableName: this.table, ...input };
    const out = await this.call('Query', () => this.doc.send(new QueryCommand(full)));
    return (out.Items ?? []) as Item[];
  }

  /** BatchGet in chunks of 100, retrying unprocessed keys with backoff. */
  async batchGet(keys: Item[], consistent = false): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Item[] = keys.slice(i, i + 100);
      let round = 0;
      while (pending.length > 0) {
        const input: BatchGetCommandInput = {
          RequestItems: { [this.table]: { Keys: pending, ConsistentRead: consistent } },
        };
        const res = await this.call('BatchGetItem', () => this.doc.send(new BatchGetCommand(input)));
        for (const it of res.Responses?.[this.table] ?? []) out.push(it as Item);
        pending = (res.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined) ?? [];
        if (pending.length > 0) await this.backoffUnprocessed(++round, 'BatchGetItem');
      }
    }
    return out;
  }

  /** BatchWrite puts and deletes in chunks of 25, retrying unprocessed items with backoff. */
  async batchWrite(requests: Array<{ put: Item } | { delete: Item }>): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests
        .slice(i, i + 25)
        .map((r) => ('put' in r ? { PutRequest: { Item: r.put } } : { DeleteRequest: { Key: r.delete } }));
      let round = 0;
      while (pending.length > 0) {
        const items = pending;
        const res = await this.call('BatchWriteItem', () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: items } })),
        );
        pending = (res.UnprocessedItems?.[this.table] as typeof pending | undefined) ?? [];
        if (pending.length > 0) await this.backoffUnprocessed(++round, 'BatchWriteItem');
      }
    }
  }

  private async backoffUnprocessed(round: number, op: string): Promise<void> {
    this.count(`unprocessed:${op}`);
    if (round >= this.retry.attempts * 2) {
      throw new AdapterError(
        ADAPTER,
        `${op} on ${this.table}: items still unprocessed after ${round} rounds`,
        {
          retryable: true,
        },
      );
    }
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (round - 1));
    await sleep(cap / 2 + Math.random() * (cap / 2));
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. After a failure no new item starts, the
 * ones in flight settle, then the first error is thrown (no write lands after we return).
 */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: { err: unknown } | null = null;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed ??= { err };
      }
    }
  });
  await Promise.all(workers);
  if (failed) throw (failed as { err: unknown }).err;
  return out;
}
