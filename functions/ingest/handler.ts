/**
 * Composition root of the ingest Lambda (S3 mode): CloudTrail objects from the Organization trail's
 * bucket, named by SQS-delivered notifications or by the backfill state machine. Environment: see
 * ./config.ts. Clients are built on the first event (./runtime.ts).
 */

import { powertools } from '../powertools.js';
import { buildIngestHandler } from './build-handler.js';
import { readIngestConfig } from './config.js';

const { logger, metrics, log } = powertools();

/** The Lambda entry point (functions.ingest.handler in serverless.yml). */
export const handler = buildIngestHandler({
  logger,
  metrics,
  runtime: async () => {
    const config = readIngestConfig(process.env);
    const { buildIngestRuntime } = await import('./runtime.js');
    return buildIngestRuntime(config, log);
  },
});
