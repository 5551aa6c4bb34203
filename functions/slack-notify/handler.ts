/**
 * slack-notify composition root: reads its configuration (./config.ts) and builds the adapters on first
 * use, and hands them to {@link buildSlackNotifyHandler}. Environment: see ./config.ts.
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
import { readSlackNotifyConfig } from './config.js';
import { dynamoDeliveryClaims } from './delivery-claims.js';

export { ConfigError };

const logger = new Logger({ serviceName: 'iamwatch-slack-notify' });
let built: SlackNotifyHandler | null = null;

function build(): SlackNotifyHandler {
  const env = readSlackNotifyConfig(process.env);
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
      queueUrl: env.deadLetterUrl,
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
