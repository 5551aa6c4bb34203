/**
 * slack-notify composition root: reads the environment once, builds adapters on first use, and hands
 * them to {@link buildSlackNotifyHandler}.
 *
 * Environment:
 * - `IAMWATCH_TABLE` (or `TABLE_NAME`): the iamwatch table; Slack routes come from the synced baseline's `teams`.
 * - `IAMWATCH_DEAD_LETTER_URL` (or `DLQ_URL`): SQS queue for alerts that could not be posted. Required.
 * - `IAMWATCH_SLACK_DEFAULT_PARAMETER`: SSM parameter used when neither the team nor the default team has a route.
 * - `IAMWATCH_CONSOLE_BASE_URL` (or `CONSOLE_BASE_URL`): console base for the event link (default commercial).
 * - `IAMWATCH_SLACK_CACHE_SECONDS`: webhook/route cache (default 300).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { Dynamo } from '../../shared/adapters/dynamodb/client.js';
import { createStoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { SlackWebhookSink } from '../../shared/adapters/slack-webhook.js';
import { SqsDeadLetterSink } from '../../shared/adapters/sqs-dlq.js';
import { createWebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import {
  AWS_SINK_RETRY,
  DELIVERY_LEASE_SECONDS,
  DYNAMO_CIRCUIT_MS,
  DYNAMO_RETRY,
  lambdaClientConfig,
  SLACK_RETRY,
  SLACK_TIMEOUT_MS,
} from '../budgets.js';
import { ConfigError } from '../errors.js';
import { powertoolsLog } from '../log.js';
import { buildSlackNotifyHandler, type SlackNotifyHandler, type SlackNotifyResult } from './build-handler.js';
import { dynamoDeliveryClaims } from './delivery-claims.js';

export { ConfigError };

const env = {
  table: process.env.IAMWATCH_TABLE ?? process.env.TABLE_NAME,
  dlqUrl: process.env.IAMWATCH_DEAD_LETTER_URL ?? process.env.DLQ_URL,
  defaultParameter: process.env.IAMWATCH_SLACK_DEFAULT_PARAMETER,
  consoleBaseUrl: process.env.IAMWATCH_CONSOLE_BASE_URL ?? process.env.CONSOLE_BASE_URL,
  cacheSeconds: Number(process.env.IAMWATCH_SLACK_CACHE_SECONDS ?? '300') || 300,
};

const logger = new Logger({ serviceName: 'iamwatch-slack-notify' });
let built: SlackNotifyHandler | null = null;

function build(): SlackNotifyHandler {
  if (!env.dlqUrl)
    throw new ConfigError('IAMWATCH_DEAD_LETTER_URL (or DLQ_URL) must name the dead-letter queue');
  const sdk = lambdaClientConfig();
  const ddb = new DynamoDBClient(sdk);
  // Delivery claims: SNS redeliveries and Lambda retries post once, across containers.
  const claims = env.table
    ? dynamoDeliveryClaims(new Dynamo(ddb, env.table, DYNAMO_RETRY, DYNAMO_CIRCUIT_MS), {
        leaseSeconds: DELIVERY_LEASE_SECONDS,
      })
    : null;
  const teams = env.table
    ? (() => {
        const store = createStoreHandle(ddb, env.table, {
          retry: DYNAMO_RETRY,
          circuitMs: DYNAMO_CIRCUIT_MS,
        }).store;
        return () =>
          store
            .teams()
            .then((t) => ({ teams: t.teams, ...(t.defaultTeam ? { defaultTeam: t.defaultTeam } : {}) }));
      })()
    : async () => ({ teams: {} });
  const resolver = createWebhookResolver({
    teams,
    env: process.env,
    awsClientConfig: sdk,
    maxAgeSeconds: env.cacheSeconds,
    ...(env.defaultParameter ? { fallbackRoute: `ssm:${env.defaultParameter}` } : {}),
  });
  return buildSlackNotifyHandler({
    slack: new SlackWebhookSink({
      resolver,
      timeoutMs: SLACK_TIMEOUT_MS,
      retry: SLACK_RETRY,
      ...(env.consoleBaseUrl ? { consoleBaseUrl: env.consoleBaseUrl } : {}),
    }),
    deadLetter: new SqsDeadLetterSink({
      client: new SQSClient(sdk),
      queueUrl: env.dlqUrl,
      retry: AWS_SINK_RETRY,
      circuitMs: DYNAMO_CIRCUIT_MS,
    }),
    ...(claims
      ? {
          claimDelivery: (id: string) => claims.claim(id),
          confirmDelivery: (id: string) => claims.confirm(id),
          releaseDelivery: (id: string) => claims.release(id),
        }
      : {}),
    log: powertoolsLog(logger),
    setCorrelationId: (id) => logger.setCorrelationId(id),
  });
}

export const handler = async (event: SNSEvent): Promise<SlackNotifyResult> => {
  built ??= build();
  try {
    return await built(event);
  } finally {
    logger.resetKeys();
  }
};
