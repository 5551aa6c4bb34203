/**
 * The ingest function's adapters: the same store, detector, sinks and dead-letter queue as the detect
 * function (functions/detect/runtime.ts, same budgets), plus an S3 client for the trail objects.
 * Observations are written with event markers, so an object read twice counts its events once.
 */

import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getObjectBytes } from '../../shared/adapters/cloudtrail-files/s3.js';
import { EventClaimSession } from '../../shared/app/event-claims.js';
import { needlesFor } from '../../shared/app/ingest.js';
import type { Log } from '../../shared/ports.js';
import { lambdaClientConfig } from '../budgets.js';
import { buildDetectionRuntime } from '../detection-runtime.js';
import { INGEST_CLAIM_LEASE_MS } from '../event-claims.js';
import type { IngestRuntime } from './build-handler.js';
import type { IngestConfig } from './config.js';

/** GET of one log object (a few MB at most): longer than the 2.5 s budget of small calls. */
export const S3_GET_TIMEOUT_MS = 20_000;

/** Builds clients, store and sinks for `config`; nothing is called until the first object. */
export function buildIngestRuntime(config: IngestConfig, log: Log): IngestRuntime {
  const { store, detector, deliver } = buildDetectionRuntime(config, log, { observationMarkers: true });
  const sdk = lambdaClientConfig();
  const s3 = new S3Client({
    ...sdk,
    maxAttempts: 3,
    requestHandler: { ...sdk.requestHandler, requestTimeout: S3_GET_TIMEOUT_MS },
  });
  let needles: { at: number; value: string[] } | null = null;
  // ingestMode both: the detect function judges the same events from EventBridge; each is judged once.
  const claims =
    config.ingestMode === 'both'
      ? store.eventClaims({
          leaseMs: INGEST_CLAIM_LEASE_MS,
          onError: (op, err) =>
            log.warn('event claim failed; judged anyway', {
              op,
              error: err instanceof Error ? err.message : String(err),
            }),
        })
      : null;
  return {
    detector,
    deliver,
    needles: async () => {
      // Refreshed with the baseline cache period. Unknown identities: no pre-filter (every record is
      // judged; slower, but a break-glass role's event is never skipped).
      if (needles && Date.now() - needles.at < config.cacheSeconds * 1000) return needles.value;
      try {
        needles = { at: Date.now(), value: needlesFor(await store.store.listIdentities()) };
        return needles.value;
      } catch (err) {
        log.warn('baseline identities unavailable; every record is judged', {
          error: err instanceof Error ? err.message : String(err),
        });
        return null;
      }
    },
    body: (ref) => getObjectBytes(s3, ref.bucket, ref.key),
    flush: () => store.observations.flush(),
    ...(claims ? { claims: () => new EventClaimSession(claims, randomUUID()) } : {}),
    ...(config.backfillBucket
      ? {
          writeResults: async (key: string, body: string) => {
            const bucket = config.backfillBucket as string;
            await s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                ContentType: 'application/x-ndjson',
              }),
            );
            return { bucket, key };
          },
        }
      : {}),
    trailBucket: config.trailBucket,
    trailPrefix: config.trailPrefix,
  };
}
