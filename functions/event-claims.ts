/**
 * ingestMode `both` for the functions: which mode the stack runs in, and the detect runtime wrapped so
 * every record is claimed before it is judged (shared/app/event-claims.ts). In `eventbridge` and `s3`
 * mode nothing here runs and no claim is written.
 */
import { randomUUID } from 'node:crypto';
import { EventClaimSession } from '../shared/app/event-claims.js';
import type { EventClaimStore, Log } from '../shared/ports.js';
import type { DetectRuntime } from './detect/build-handler.js';
import { type Env, optionalVar } from './env.js';
import { ConfigError } from './errors.js';

/** How CloudTrail reaches detection (serverless.yml `ingestMode`). */
export type IngestMode = 'eventbridge' | 's3' | 'both';

/**
 * IAMWATCH_INGEST_MODE: `eventbridge` (default), `s3` or `both`.
 * @throws ConfigError naming the variable.
 */
export function readIngestMode(env: Env): IngestMode {
  const v = optionalVar(env, 'IAMWATCH_INGEST_MODE') ?? 'eventbridge';
  if (v === 'eventbridge' || v === 's3' || v === 'both') return v;
  throw new ConfigError('IAMWATCH_INGEST_MODE must be eventbridge, s3 or both');
}

/**
 * The ingest function's lease: longer than its timeout (300 s, serverless.yml), shorter than the ingest
 * queue's visibility timeout (1,800 s), so a redelivered notification finds a dead attempt's lease over.
 */
export const INGEST_CLAIM_LEASE_MS = 330_000;

/**
 * `rt` with per-event claims (ingestMode `both`, detect function): a record already judged by the
 * ingest function, or held by a live attempt, is skipped (an empty result); the claims won are settled
 * once the invocation's alerts were delivered and its observations written. When delivery fails they
 * are given back (Lambda's retry claims them again); when the observation write fails, or the attempt
 * dies, they stay pending and after their lease the ingest function judges them.
 */
export function withEventClaims(
  rt: DetectRuntime,
  store: EventClaimStore,
  log: Log,
  owner: string = randomUUID(),
): DetectRuntime {
  const session = new EventClaimSession(store, owner);
  return {
    detector: {
      evaluate: async (raw) => {
        const c = await session.claim(raw);
        if (c === 'judged' || c === 'busy') {
          log.debug('event judged by the S3 path; skipped', { claim: c });
          return { alerts: [], failures: [], suppressed: [], problem: null };
        }
        try {
          return await rt.detector.evaluate(raw);
        } catch (err) {
          await session.release(session.take());
          throw err;
        }
      },
    },
    deliver: async (alerts) => {
      try {
        return await rt.deliver(alerts);
      } catch (err) {
        // Lambda retries the event: give the claims back so the retry judges it now, not after the lease.
        await session.release(session.take());
        throw err;
      }
    },
    flush: async () => {
      const keys = session.take();
      await rt.flush();
      await session.settle(keys);
    },
  };
}
