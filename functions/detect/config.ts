/** The detect function's settings, read once from the environment. */

/** A required setting is missing or malformed; names the variable. */
export class DetectConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectConfigError';
  }
}

export interface DetectConfig {
  table: string;
  topicArn: string;
  eventBus: string;
  deadLetterUrl: string;
  cacheSeconds: number;
}

/**
 * Reads IAMWATCH_TABLE, IAMWATCH_ALERTS_TOPIC_ARN, IAMWATCH_EVENT_BUS, IAMWATCH_DEAD_LETTER_URL and
 * IAMWATCH_BASELINE_CACHE_SECONDS (default 300).
 */
export function readDetectConfig(env: Record<string, string | undefined>): DetectConfig {
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new DetectConfigError(`environment variable ${name} is required`);
    return v;
  };
  const cache = Number(env.IAMWATCH_BASELINE_CACHE_SECONDS ?? '300');
  if (!Number.isFinite(cache) || cache < 0) {
    throw new DetectConfigError('IAMWATCH_BASELINE_CACHE_SECONDS must be a number of seconds');
  }
  return {
    table: need('IAMWATCH_TABLE'),
    topicArn: need('IAMWATCH_ALERTS_TOPIC_ARN'),
    eventBus: need('IAMWATCH_EVENT_BUS'),
    deadLetterUrl: need('IAMWATCH_DEAD_LETTER_URL'),
    cacheSeconds: cache,
  };
}

/**
 * IAMWATCH_OBSERVATION_FLUSH_SECONDS (default 0): how long a warm container may buffer observations and
 * the EventsEvaluated count before writing them at the end of an invocation (0: every invocation).
 */
export function readObservationFlushSeconds(env: Record<string, string | undefined>): number {
  const raw = env.IAMWATCH_OBSERVATION_FLUSH_SECONDS?.trim() || '0';
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 900) {
    throw new DetectConfigError(
      'IAMWATCH_OBSERVATION_FLUSH_SECONDS must be a number of seconds from 0 to 900',
    );
  }
  return n;
}
