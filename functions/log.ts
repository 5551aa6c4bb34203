/** The {@link Log} port over a Powertools logger, for every function's composition root. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../shared/ports.js';

/**
 * The {@link Log} port over a Powertools Logger: structured JSON lines, so attacker-controlled text stays
 * inside JSON strings. Fields default to none.
 */
export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(msg, fields ?? {}),
    info: (msg, fields) => logger.info(msg, fields ?? {}),
    warn: (msg, fields) => logger.warn(msg, fields ?? {}),
    error: (msg, fields) => logger.error(msg, fields ?? {}),
  };
}
