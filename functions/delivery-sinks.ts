/**
 * The alert sinks of the detect and ingest functions: the alerts topic, the alerts bus and the
 * alert-delivery dead-letter queue. Imported by ./detection-runtime.ts when the first alert is delivered
 * (a separate chunk in the Lambda bundles), so an invocation without an alert (most of them) never loads
 * the SNS, EventBridge and SQS clients.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeAlertSink } from '../shared/adapters/eventbridge-alerts.js';
import { SnsAlertSink } from '../shared/adapters/sns-alerts.js';
import { SqsDeadLetterSink } from '../shared/adapters/sqs-dlq.js';
import type { DeadLetterSink } from '../shared/core/alert/dead-letter.js';
import type { AlertSink } from '../shared/ports.js';
import { AWS_SINK_RETRY, DYNAMO_CIRCUIT_MS, lambdaClientConfig } from './budgets.js';

/** Where alerts go (the function's environment). */
export interface SinkConfig {
  topicArn: string;
  eventBus: string;
  deadLetterUrl: string;
}

/** Builds the clients and sinks for `config`; nothing is called until an alert is delivered. */
export function buildSinks(config: SinkConfig): { sinks: AlertSink[]; deadLetter: DeadLetterSink } {
  const sdk = lambdaClientConfig();
  return {
    sinks: [
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
    ],
    deadLetter: new SqsDeadLetterSink({
      client: new SQSClient(sdk),
      queueUrl: config.deadLetterUrl,
      retry: AWS_SINK_RETRY,
      circuitMs: DYNAMO_CIRCUIT_MS,
    }),
  };
}
