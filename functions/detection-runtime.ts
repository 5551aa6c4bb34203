/**
 * What the detect and ingest functions share: the store over one DynamoDB client, the detector, and
 * delivery to the alerts topic and bus with the alert-delivery dead-letter queue, every client and
 * retry within the budgets of ./budgets.ts. The delivery clients (./delivery-sinks.ts) are loaded with
 * the first alert: an invocation that raises none loads only the DynamoDB client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStoreHandle, type StoreHandle } from '../shared/adapters/dynamodb/open-store.js';
import { type DeliveryReport, deliverAlerts } from '../shared/app/deliver.js';
import { createDetector } from '../shared/app/detect.js';
import type { Alert } from '../shared/core/alert/alert.js';
import type { Log } from '../shared/ports.js';
import { DYNAMO_CIRCUIT_MS, DYNAMO_RETRY, lambdaClientConfig } from './budgets.js';
import type { buildSinks } from './delivery-sinks.js';

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
  let loading: Promise<ReturnType<typeof buildSinks>> | null = null;
  const loadSinks = () => {
    loading ??= import('./delivery-sinks.js')
      .then((m) => m.buildSinks(config))
      .catch((err: unknown) => {
        loading = null; // a later delivery tries again
        throw err;
      });
    return loading;
  };
  return {
    store,
    detector,
    deliver: async (alerts) => {
      const { sinks, deadLetter } = await loadSinks();
      return deliverAlerts(alerts, {
        dedupe: store.dedupe,
        windowMinutes: (rule) => detector.pipeline.windowMinutes(rule),
        countThresholds: async (rule) => detector.pipeline.countThresholds(rule, await store.store.view()),
        sinks,
        log,
        deadLetter,
      });
    },
  };
}
