/** The Log port over a Powertools Logger (structured JSON; attacker text stays inside JSON strings). */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../../shared/ports.js';

export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(msg, fields ?? {}),
    info: (msg, fields) => logger.info(msg, fields ?? {}),
    warn: (msg, fields) => logger.warn(msg, fields ?? {}),
    error: (msg, fields) => logger.error(msg, fields ?? {}),
  };
}
