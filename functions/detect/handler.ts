/**
 * Composition root of the detect Lambda. At cold start it creates only the logger and metrics;
 * configuration, AWS SDK clients and adapters (./runtime.ts, a separate chunk) are loaded on the
 * first valid event. Environment: see ./config.ts; POWERTOOLS_* configure logs and metrics.
 */

import { powertools } from '../powertools.js';
import { buildDetectHandler } from './build-handler.js';
import { readDetectConfig, readObservationFlushSeconds } from './config.js';

const { logger, metrics, log } = powertools();

/** The Lambda entry point (functions.detect.handler in serverless.yml). */
export const handler = buildDetectHandler({
  logger,
  metrics,
  runtime: async () => {
    const config = readDetectConfig(process.env);
    const { buildRuntime } = await import('./runtime.js');
    return buildRuntime(config, log);
  },
  buffering: {
    maxAgeMs: readObservationFlushSeconds(process.env) * 1000,
    nowMs: () => Date.now(),
  },
});

// Lambda sends SIGTERM before reclaiming a container only when an extension is registered; then what is
// buffered is written here. Without one, the loss window is the buffering delay (docs/deploy.md).
process.once('SIGTERM', () => {
  handler
    .drain()
    .catch(() => {})
    .finally(() => process.exit(0));
});
