import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { AdapterError } from '../../ports.js';
import { ADAPTER } from './client.js';
import { GSI1 } from './keys.js';

/** Name of the TTL attribute (epoch seconds) on incidents, alert/dedupe state and observations. */
export const TTL_ATTRIBUTE = 'expiresAt';

function name(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? 'Error';
}

/**
 * Creates the table (PAY_PER_REQUEST, pk/sk + gsi1) when absent, waits for ACTIVE, and tries to
 * enable TTL on `expiresAt`. Stores without the TTL API (dynalite) are detected and skipped:
 * every reader checks expiry itself, so TTL is only garbage collection.
 * @returns whether the table was created and whether TTL is enabled.
 */
export async function ensureTable(
  client: DynamoDBClient,
  table: string,
): Promise<{ created: boolean; ttl: 'enabled' | 'unsupported' }> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (err) {
    if (name(err) !== 'ResourceNotFoundException') {
      throw new AdapterError(ADAPTER, `cannot describe table ${table}: ${(err as Error).message}`, {
        retryable: true,
        cause: err,
      });
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'gsi1pk', AttributeType: 'S' },
            { AttributeName: 'gsi1sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: GSI1,
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
      created = true;
    } catch (createErr) {
      if (name(createErr) !== 'ResourceInUseException') {
        throw new AdapterError(ADAPTER, `cannot create table ${table}: ${(createErr as Error).message}`, {
          retryable: false,
          cause: createErr,
        });
      }
    }
  }
  await waitActive(client, table);
  let ttl: 'enabled' | 'unsupported' = 'enabled';
  if (created) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        }),
      );
    } catch {
      // dynalite has no UpdateTimeToLive; expiry is enforced on read everywhere.
      ttl = 'unsupported';
    }
  }
  return { created, ttl };
}

async function waitActive(client: DynamoDBClient, table: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    const gsisReady = (d.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (d.Table?.TableStatus === 'ACTIVE' && gsisReady) return;
    if (Date.now() > deadline) {
      throw new AdapterError(ADAPTER, `table ${table} did not become ACTIVE within 60s`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
