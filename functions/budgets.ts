/**
 * Time budgets of the Lambda functions: SDK connection/request timeouts, retry policies and the Slack
 * budget, chosen so that the worst case of one invocation fits the function's timeout in serverless.yml
 * (test/deployed/budgets.test.ts checks the arithmetic against the packaged template).
 */

import type { RetryPolicy } from '../shared/adapters/delivery-retry.js';
import type { RetryPolicy as DynamoRetryPolicy } from '../shared/adapters/dynamodb/client.js';

/** Every SDK client: connect within 1 s, an answer within 2.5 s, no SDK-level retries (adapters retry). */
export const SDK_TIMEOUTS = { connectionTimeoutMs: 1000, requestTimeoutMs: 2500 } as const;

/** SDK client options for {@link SDK_TIMEOUTS}: requests that hang are aborted (throwOnRequestTimeout). */
export function lambdaClientConfig() {
  return {
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: SDK_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: SDK_TIMEOUTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

/** DynamoDB: 3 attempts; after a failure that exhausted them the store is skipped for 30 s (circuit). */
export const DYNAMO_RETRY: DynamoRetryPolicy = { attempts: 3, baseDelayMs: 50, maxDelayMs: 400 };
export const DYNAMO_CIRCUIT_MS = 30_000;

/** SNS, EventBridge and SQS dead-letter writes. */
export const AWS_SINK_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  maxElapsedMs: 6000,
};

/** Slack from slack-notify: a fresh 5 s timeout per attempt, 20 s of retries in all. */
export const SLACK_TIMEOUT_MS = 5000;
export const SLACK_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 8000,
  maxElapsedMs: 20_000,
};

/** slack-notify's delivery claim lease: longer than the function's timeout (a dead container's claim lapses). */
export const DELIVERY_LEASE_SECONDS = 150;

/** Worst case of one call through the DynamoDB adapter (every attempt times out). */
export function dynamoCallWorstMs(): number {
  const attemptMs = SDK_TIMEOUTS.connectionTimeoutMs + SDK_TIMEOUTS.requestTimeoutMs;
  let backoff = 0;
  for (let a = 1; a < DYNAMO_RETRY.attempts; a++)
    backoff += Math.min(DYNAMO_RETRY.maxDelayMs, DYNAMO_RETRY.baseDelayMs * 2 ** (a - 1));
  return DYNAMO_RETRY.attempts * attemptMs + backoff;
}

/** Worst case of one retried write (elapsed budget, plus the last attempt starting just inside it). */
export function retriedWorstMs(policy: RetryPolicy, attemptMs: number): number {
  return policy.maxElapsedMs + attemptMs;
}

const sdkAttemptMs = SDK_TIMEOUTS.connectionTimeoutMs + SDK_TIMEOUTS.requestTimeoutMs;

/**
 * Worst case of a detect invocation for one event raising `alerts` alerts with everything failing: the
 * baseline read and the first dedupe call exhaust their attempts (then the circuit is open), SNS and the
 * bus fail in parallel per alert (after the first alert each sink tries once), every alert is parked.
 */
export function detectWorstMs(alerts = 3): number {
  const dynamo = 2 * dynamoCallWorstMs();
  const firstAlert = 2 * retriedWorstMs(AWS_SINK_RETRY, sdkAttemptMs); // sink, then dead letter
  const laterAlerts = (alerts - 1) * 2 * sdkAttemptMs;
  return dynamo + firstAlert + laterAlerts;
}

/** Worst case of a slack-notify invocation for one alert: routing and claim reads, Slack, the dead letter. */
export function slackNotifyWorstMs(): number {
  return (
    2 * dynamoCallWorstMs() +
    sdkAttemptMs + // SSM webhook parameter
    retriedWorstMs(SLACK_RETRY, SLACK_TIMEOUT_MS) +
    retriedWorstMs(AWS_SINK_RETRY, sdkAttemptMs)
  );
}
