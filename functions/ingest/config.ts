/** The ingest function's settings, read once from the environment. */
import { type DetectConfig, readDetectConfig } from '../detect/config.js';
import { type Env, optionalVar, requiredVar } from '../env.js';
import { type IngestMode, readIngestMode } from '../event-claims.js';

export interface IngestConfig extends DetectConfig {
  /** The trail bucket; objects elsewhere are refused (the role could not read them anyway). */
  trailBucket: string;
  /** Key prefix of the trail (may be empty). */
  trailPrefix: string;
  /** IAMWATCH_INGEST_MODE; `both`: each event is claimed before it is judged (../event-claims.ts). */
  ingestMode: IngestMode;
  /** IAMWATCH_BACKFILL_BUCKET: where results-mode backfill batches write their alerts (null: inline). */
  backfillBucket: string | null;
}

/**
 * The detect function's variables (functions/detect/config.ts) plus IAMWATCH_TRAIL_BUCKET and
 * IAMWATCH_TRAIL_PREFIX (default empty), IAMWATCH_INGEST_MODE (default eventbridge) and
 * IAMWATCH_BACKFILL_BUCKET (optional).
 * @throws ConfigError naming the variable.
 */
export function readIngestConfig(env: Env): IngestConfig {
  const base = readDetectConfig(env);
  return {
    ...base,
    trailBucket: requiredVar(env, ['IAMWATCH_TRAIL_BUCKET'], 'the CloudTrail bucket'),
    trailPrefix: optionalVar(env, 'IAMWATCH_TRAIL_PREFIX') ?? '',
    ingestMode: readIngestMode(env),
    backfillBucket: optionalVar(env, 'IAMWATCH_BACKFILL_BUCKET') ?? null,
  };
}
