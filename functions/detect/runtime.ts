/**
 * The detect function's adapters: AWS SDK clients, the DynamoDB store, the alert sinks. Imported
 * on the first valid event (functions/detect/handler.ts), so a cold start does not pay for loading
 * the SDK before there is work to do.
 */
import type { Log } from '../../shared/ports.js';
import { buildDetectionRuntime } from '../detection-runtime.js';
import { readIngestMode, withEventClaims } from '../event-claims.js';
import type { DetectRuntime } from './build-handler.js';
import type { DetectConfig } from './config.js';

/**
 * Builds clients, store and sinks for `config`; nothing is called until the first event. Every client
 * has connection and request timeouts and every retry a budget (../budgets.ts) that fit the function's
 * timeout; DynamoDB trouble fails open (shared/app/detect.ts, shared/app/deliver.ts).
 */
export function buildRuntime(config: DetectConfig, log: Log): DetectRuntime {
  // ingestMode both: the ingest function reads the same events from the trail; each is judged once, and
  // observations carry event markers like the ingest function's (an event whose copies in two accounts
  // are judged one on each path counts once).
  const both = readIngestMode(process.env) === 'both';
  const { store, detector, deliver } = buildDetectionRuntime(config, log, { observationMarkers: both });
  const rt: DetectRuntime = { detector, deliver, flush: () => store.observations.flush() };
  if (!both) return rt;
  return withEventClaims(rt, store.eventClaims({ onError: claimError(log) }), log);
}

const claimError = (log: Log) => (op: string, err: unknown) =>
  log.warn('event claim failed; judged anyway', {
    op,
    error: err instanceof Error ? err.message : String(err),
  });
