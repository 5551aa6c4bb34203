/**
 * What the detect and ingest functions share: the store over one DynamoDB client, the detector, and
 * delivery to the alerts topic and bus with the alert-delivery dead-letter queue, every client and
 * retry within the budgets of ./budgets.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createStoreHandle, type StoreHandle } from '../shared/adapters/dynamodb/open-store.js';
import { EventBridgeAlertSink } from '../shared/adapters/eventbridge-alerts.js';
import { SnsAlertSink } from '../shared/adapters/sns-alerts.js';
import { SqsDeadLetterSink } from '../shared/adapters/sqs-dlq.js';
import { type DeliveryReport, deliverAlerts } from '../shared/app/deliver.js';
import { createDetector } from '../shared/app/detect.js';
import type { Alert } from '../shared/core/alert/alert.js';
import type { Log } from '../shared/ports.js';
import { AWS_SINK_RETRY, DYNAMO_CIRCUIT_MS, DYNAMO_RETRY, lambdaClientConfig } from './budgets.js';

export interface DetectionConfig {
  table: string;
  cacheSeconds: number;
  topicArn: string;
  eventBus: string;
  deadLetterUrl: string;
}

export interface DetectionRuntime {
  store: StoreHandle;
  detector: ReturnType<typeof createDetector>;
  deliver(alerts: Alert[]): Promise<DeliveryReport>;
}

/**
 * Builds the shared part; nothing is called until the first event. `observationMarkers`: count each
 * observed event once across deliveries (the ingest function, which may read an object twice).
 */
export function buildDetectionRuntime(
  config: DetectionConfig,
  log: Log,
  opts: { observationMarkers?: boolean } = {},
): DetectionRuntime {
  const sdk = lambdaClientConfig();
  const store = createStoreHandle(new DynamoDBClient(sdk), config.table, {
    cacheSeconds: config.cacheSeconds,
    retry: DYNAMO_RETRY,
    circuitMs: DYNAMO_CIRCUIT_MS,
    ...(opts.observationMarkers ? { observationMarkers: true } : {}),
  });
  const detector = createDetector({
    baseline: () => store.store.view(),
    observations: store.observations,
    sessions: store.sessions,
    log,
  });
  const sinks = [
    new SnsAlertSink({
      client: new SNSClient(sdk),
      topicArn: config.topicArn,
      retry: AWS_SINK_RETRY,
      circuitMs: DYNAMO_CIRCUIT_MS,
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
    circuitMs: DYNAMO_CIRCUIT_MS,
  });
  return {
    store,
    detector,
    deliver: (alerts) =>
      deliverAlerts(alerts, {
        dedupe: store.dedupe,
        windowMinutes: (rule) => detector.pipeline.windowMinutes(rule),
        countThresholds: async (rule) => detector.pipeline.countThresholds(rule, await store.store.view()),
        sinks,
        log,
        deadLetter,
      }),
  };
}
