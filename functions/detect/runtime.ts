/**
 * The detect function's adapters: AWS SDK clients, the DynamoDB store, the alert sinks. Imported
 * on the first valid event (functions/detect/handler.ts), so a cold start does not pay for loading
 * the SDK before there is work to do.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createStoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { EventBridgeAlertSink } from '../../shared/adapters/eventbridge-alerts.js';
import { SnsAlertSink } from '../../shared/adapters/sns-alerts.js';
import { SqsDeadLetterSink } from '../../shared/adapters/sqs-dlq.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import type { Log } from '../../shared/ports.js';
import { AWS_SINK_RETRY, DYNAMO_CIRCUIT_MS, DYNAMO_RETRY, lambdaClientConfig } from '../budgets.js';
import type { DetectRuntime } from './build-handler.js';
import type { DetectConfig } from './config.js';

/**
 * Builds clients, store and sinks for `config`; nothing is called until the first event. Every client
 * has connection and request timeouts and every retry a budget (../budgets.ts) that fit the function's
 * timeout; DynamoDB trouble fails open (shared/app/detect.ts, shared/app/deliver.ts).
 */
export function buildRuntime(config: DetectConfig, log: Log): DetectRuntime {
  const sdk = lambdaClientConfig();
  const store = createStoreHandle(new DynamoDBClient(sdk), config.table, {
    cacheSeconds: config.cacheSeconds,
    retry: DYNAMO_RETRY,
    circuitMs: DYNAMO_CIRCUIT_MS,
  });
  const detector = createDetector({
    baseline: () => store.store.view(),
    observations: store.observations,
    sessions: store.sessions,
    log,
  });
  const circuitMs = DYNAMO_CIRCUIT_MS;
  const sinks = [
    new SnsAlertSink({
      client: new SNSClient(sdk),
      topicArn: config.topicArn,
      retry: AWS_SINK_RETRY,
      circuitMs,
    }),
    new EventBridgeAlertSink({
      client: new EventBridgeClient(sdk),
      eventBusName: config.eventBus,
      retry: AWS_SINK_RETRY,
    }),
  ];
  const deadLetter = new SqsDeadLetterSink({
    client: new SQSClient(sdk),
    queueUrl: config.deadLetterUrl,
    retry: AWS_SINK_RETRY,
    circuitMs,
  });
  return {
    detector,
    deliver: (alerts) =>
      deliverAlerts(alerts, {
        dedupe: store.dedupe,
        windowMinutes: (rule) => detector.pipeline.windowMinutes(rule),
        sinks,
        log,
        deadLetter,
      }),
    flush: () => store.observations.flush(),
  };
}
