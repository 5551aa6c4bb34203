/** The detect function's settings, read once from the environment. */
import { type Env, numberVar, requiredVar } from '../env.js';

export interface DetectConfig {
  table: string;
  topicArn: string;
  eventBus: string;
  deadLetterUrl: string;
  cacheSeconds: number;
}

/**
 * Reads IAMWATCH_TABLE, IAMWATCH_ALERTS_TOPIC_ARN, IAMWATCH_EVENT_BUS, IAMWATCH_DEAD_LETTER_URL and
 * IAMWATCH_BASELINE_CACHE_SECONDS (default 300; blank counts as unset).
 * @throws ConfigError naming the variable.
 */
export function readDetectConfig(env: Env): DetectConfig {
  const cacheSeconds = numberVar(env, 'IAMWATCH_BASELINE_CACHE_SECONDS', { fallback: 300, unit: 'seconds' });
  return {
    table: requiredVar(env, ['IAMWATCH_TABLE'], 'the DynamoDB table'),
    topicArn: requiredVar(env, ['IAMWATCH_ALERTS_TOPIC_ARN'], 'the alerts SNS topic'),
    eventBus: requiredVar(env, ['IAMWATCH_EVENT_BUS'], 'the EventBridge bus alerts go to'),
    deadLetterUrl: requiredVar(env, ['IAMWATCH_DEAD_LETTER_URL'], 'the dead-letter SQS queue URL'),
    cacheSeconds,
  };
}

/**
 * IAMWATCH_OBSERVATION_FLUSH_SECONDS (default 0): how long a warm container may buffer observations and
 * the EventsEvaluated count before writing them at the end of an invocation (0: every invocation).
 * @throws ConfigError unless it is a number of seconds from 0 to 900.
 */
export function readObservationFlushSeconds(env: Env): number {
  return numberVar(env, 'IAMWATCH_OBSERVATION_FLUSH_SECONDS', { fallback: 0, unit: 'seconds', max: 900 });
}
