/** The digest function's settings, read and checked once from the environment. */
import { type Env, numberVar, optionalVar, requiredVar } from '../env.js';

/** What digest reads from its environment. */
export interface DigestConfig {
  /** The iamwatch table (alert history, baseline, team routes). */
  table: string;
  /** SSM parameter used when neither the team nor the default team has a route. */
  defaultParameter?: string;
  /** Length of the period the digest covers, in hours. */
  hours: number;
  /** The rule self-check, when both the rule prefix and the detect function are known. */
  selfCheck?: { rulePrefix: string; detectFunctionArn: string };
  /** Topic the self-check's drift alerts are published to (none: listed in the digest only). */
  alertsTopicArn?: string;
}

/**
 * Reads `IAMWATCH_TABLE` (or `TABLE_NAME`, required), `IAMWATCH_SLACK_DEFAULT_PARAMETER`,
 * `IAMWATCH_DIGEST_HOURS` (hours > 0, default 24), `IAMWATCH_RULE_PREFIX` with
 * `IAMWATCH_DETECT_FUNCTION_ARN` (the self-check runs when both are set) and `IAMWATCH_ALERTS_TOPIC_ARN`.
 * Blank counts as unset.
 * @throws ConfigError naming the variable that is missing or malformed.
 */
export function readDigestConfig(env: Env): DigestConfig {
  const defaultParameter = optionalVar(env, 'IAMWATCH_SLACK_DEFAULT_PARAMETER');
  const rulePrefix = optionalVar(env, 'IAMWATCH_RULE_PREFIX');
  const detectFunctionArn = optionalVar(env, 'IAMWATCH_DETECT_FUNCTION_ARN');
  const alertsTopicArn = optionalVar(env, 'IAMWATCH_ALERTS_TOPIC_ARN');
  return {
    table: requiredVar(env, ['IAMWATCH_TABLE', 'TABLE_NAME'], 'the iamwatch table'),
    ...(defaultParameter ? { defaultParameter } : {}),
    hours: numberVar(env, 'IAMWATCH_DIGEST_HOURS', { fallback: 24, unit: 'hours', positive: true }),
    ...(rulePrefix && detectFunctionArn ? { selfCheck: { rulePrefix, detectFunctionArn } } : {}),
    ...(alertsTopicArn ? { alertsTopicArn } : {}),
  };
}
