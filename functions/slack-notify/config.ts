/** The slack-notify function's settings, read and checked once from the environment. */
import { type Env, numberVar, optionalVar, requiredVar } from '../env.js';

/** What slack-notify reads from its environment. */
export interface SlackNotifyConfig {
  /** The iamwatch table (Slack routes from the synced baseline's `teams`, delivery claims); none: no claims, no team routes. */
  table?: string;
  /** SQS queue for alerts that could not be posted. */
  deadLetterUrl: string;
  /** SSM parameter used when neither the team nor the default team has a route. */
  defaultParameter?: string;
  /** Console base for the event link (default: the commercial partition's). */
  consoleBaseUrl?: string;
  /** How long a webhook URL or route is cached, in seconds. */
  cacheSeconds: number;
}

/**
 * Reads `IAMWATCH_TABLE` (or `TABLE_NAME`), `IAMWATCH_DEAD_LETTER_URL` (or `DLQ_URL`, required),
 * `IAMWATCH_SLACK_DEFAULT_PARAMETER`, `IAMWATCH_CONSOLE_BASE_URL` (or `CONSOLE_BASE_URL`) and
 * `IAMWATCH_SLACK_CACHE_SECONDS` (seconds >= 0, default 300). Blank counts as unset.
 * @throws ConfigError naming the variable that is missing or malformed.
 */
export function readSlackNotifyConfig(env: Env): SlackNotifyConfig {
  const table = optionalVar(env, 'IAMWATCH_TABLE', 'TABLE_NAME');
  const defaultParameter = optionalVar(env, 'IAMWATCH_SLACK_DEFAULT_PARAMETER');
  const consoleBaseUrl = optionalVar(env, 'IAMWATCH_CONSOLE_BASE_URL', 'CONSOLE_BASE_URL');
  return {
    ...(table ? { table } : {}),
    deadLetterUrl: requiredVar(env, ['IAMWATCH_DEAD_LETTER_URL', 'DLQ_URL'], 'the dead-letter queue'),
    ...(defaultParameter ? { defaultParameter } : {}),
    ...(consoleBaseUrl ? { consoleBaseUrl } : {}),
    cacheSeconds: numberVar(env, 'IAMWATCH_SLACK_CACHE_SECONDS', { fallback: 300, unit: 'seconds' }),
  };
}
