/** The Powertools logger and metrics of the detection functions' composition roots (detect, ingest). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Log } from '../shared/ports.js';
import { powertoolsLog } from './log.js';

/** A composition root's observability: one logger and metrics under the service `iamwatch`. */
export interface Powertools {
  logger: Logger;
  metrics: Metrics;
  /** The {@link Log} port over `logger`. */
  log: Log;
}

/** Creates the logger and metrics (namespace and service `iamwatch`) and the Log port over the logger. */
export function powertools(): Powertools {
  const logger = new Logger({ serviceName: 'iamwatch' });
  const metrics = new Metrics({ namespace: 'iamwatch', serviceName: 'iamwatch' });
  return { logger, metrics, log: powertoolsLog(logger) };
}
