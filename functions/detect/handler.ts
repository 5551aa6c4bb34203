/**
 * Composition root of the detect Lambda: reads the environment once, builds clients and adapters
 * lazily on the first valid event (cold start stays cheap), and hands them to the handler.
 *
 * Environment: IAMWATCH_TABLE, IAMWATCH_ALERTS_TOPIC_ARN, IAMWATCH_EVENT_BUS, IAMWATCH_DEAD_LETTER_URL,
 * optional IAMWATCH_BASELINE_CACHE_SECONDS (default 300). POWERTOOLS_* configure logs and metrics.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createStoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { EventBridgeAlertSink } from '../../shared/adapters/eventbridge-alerts.js';
import { SnsAlertSink } from '../../shared/adapters/sns-alerts.js';
import { SqsDeadLetterSink } from '../../shared/adapters/sqs-dlq.js';
import { deliverAlerts } from '../../shared/app/deliver.js';
import { createDetector } from '../../shared/app/detect.js';
import { buildDetectHandler, type DetectRuntime, powertoolsLog } from './build-handler.js';

/** A required setting is missing or malformed; names the variable. */
export class DetectConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectConfigError';
  }
}

export interface DetectConfig {
  table: string;
  topicArn: string;
  eventBus: string;
  deadLetterUrl: string;
  cacheSeconds: number;
}

/** Reads and checks the detect function's environment. */
export function readDetectConfig(env: Record<string, string | undefined>): DetectConfig {
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new DetectConfigError(`environment variable ${name} is required`);
    return v;
  };
  const cache = Number(env.IAMWATCH_BASELINE_CACHE_SECONDS ?? '300');
  if (!Number.isFinite(cache) || cache < 0) {
    throw new DetectConfigError('IAMWATCH_BASELINE_CACHE_SECONDS must be a number of seconds');
  }
  return {
    table: need('IAMWATCH_TABLE'),
    topicArn: need('IAMWATCH_ALERTS_TOPIC_ARN'),
    eventBus: need('IAMWATCH_EVENT_BUS'),
    deadLetterUrl: need('IAMWATCH_DEAD_LETTER_URL'),
    cacheSeconds: cache,
  };
}

const logger = new Logger({ serviceName: 'iamwatch' });
const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
const log = powertoolsLog(logger);

function buildRuntime(): DetectRuntime {
  const config = readDetectConfig(process.env);
  const store = createStoreHandle(new DynamoDBClient({ maxAttempts: 1 }), config.table, {
    cacheSeconds: config.cacheSeconds,
  });
  const detector = createDetector({ baseline: () => store.store.view(), observations: store.observations, log });
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

/** The Lambda entry point (functions.detect.handler in serverless.yml). */
export const handler = buildDetectHandler({ logger, metrics, runtime: buildRuntime });
