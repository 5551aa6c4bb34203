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
import type { DetectRuntime } from './build-handler.js';
import type { DetectConfig } from './config.js';

/** Builds clients, store and sinks for `config`; nothing is called until the first event. */
export function buildRuntime(config: DetectConfig, log: Log): DetectRuntime {
  const store = createStoreHandle(new DynamoDBClient({ maxAttempts: 1 }), config.table, {
    cacheSeconds: config.cacheSeconds,
  });
  const detector = createDetector({
    baseline: () => store.store.view(),
    observations: store.observations,
    log,
  });
  const sinks = [
    new SnsAlertSink({ client: new SNSClient({}), topicArn: config.topicArn }),
    new EventBridgeAlertSink({ client: new EventBridgeClient({}), eventBusName: config.eventBus }),
  ];
  const deadLetter = new SqsDeadLetterSink({ client: new SQSClient({}), queueUrl: config.deadLetterUrl });
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
