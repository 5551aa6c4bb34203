/**
 * digest composition root (scheduled daily): reads its configuration (./config.ts) on first use and builds
 * the adapters. The rule self-check is wired here through the `selfCheck` dependency when it is configured.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { createStoreHandle } from '../../shared/adapters/dynamodb/open-store.js';
import { EventBridgeRules } from '../../shared/adapters/eventbridge-rules.js';
import { SnsAlertSink } from '../../shared/adapters/sns-alerts.js';
import { createWebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import { driftAlerts, selfCheck } from '../../shared/app/self-check.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { deployedRuleRefs } from '../../shared/core/eventbridge/patterns.js';
import { AWS_SINK_RETRY, DYNAMO_CIRCUIT_MS, DYNAMO_RETRY, lambdaClientConfig } from '../budgets.js';
import { powertoolsLog } from '../log.js';
import { buildDigestHandler, type DigestHandler, type DigestResult } from './build-handler.js';
import { type DigestConfig, readDigestConfig } from './config.js';

const logger = new Logger({ serviceName: 'iamwatch-digest' });
let built: DigestHandler | null = null;

function build(): DigestHandler {
  const env = readDigestConfig(process.env);
  const check = env.selfCheck;
  const sdk = lambdaClientConfig();
  const store = createStoreHandle(new DynamoDBClient(sdk), env.table, {
    retry: DYNAMO_RETRY,
    circuitMs: DYNAMO_CIRCUIT_MS,
  });
  const resolver = createWebhookResolver({
    teams: () =>
      store.store
        .teams()
        .then((t) => ({ teams: t.teams, ...(t.defaultTeam ? { defaultTeam: t.defaultTeam } : {}) })),
    env: process.env,
    awsClientConfig: sdk,
    ...(env.defaultParameter ? { fallbackRoute: `ssm:${env.defaultParameter}` } : {}),
  });
  return buildDigestHandler({
    history: store.history,
    baseline: store.store,
    clock: { nowMs: () => Date.now() },
    periodHours: env.hours,
    log: powertoolsLog(logger),
    resolver,
    ...(check ? { selfCheck: () => checkDeployedRules(check, env.alertsTopicArn) } : {}),
  });
}

/**
 * The rule self-check (shared/app/self-check.ts): drifts become `logging-disabled` alerts, published
 * to the alerts topic at once (pagers) and listed in the digest.
 */
async function checkDeployedRules(
  where: NonNullable<DigestConfig['selfCheck']>,
  topicArn: string | undefined,
): Promise<Alert[]> {
  const { rulePrefix: prefix, detectFunctionArn: detectArn } = where;
  const client = new EventBridgeClient(lambdaClientConfig());
  const rules = new EventBridgeRules(client);
  const drifts = await selfCheck({
    rules: deployedRuleRefs(prefix),
    detectArn,
    describe: (name) => rules.describe(name),
    listTargets: (name) => rules.listTargets(name),
  });
  const [, , , region = '', account = ''] = detectArn.split(':');
  const alerts = driftAlerts(drifts, { account, region, nowMs: Date.now() });
  if (topicArn && alerts.length > 0) {
    const sns = new SnsAlertSink({
      client: new SNSClient(lambdaClientConfig()),
      topicArn,
      retry: AWS_SINK_RETRY,
    });
    for (const a of alerts) {
      try {
        await sns.publish(a);
      } catch (err) {
        // Still listed in the digest; the DigestErrors alarm does not fire for this, the log does.
        logger.error('self-check alert not published', { alertId: a.id, error: String(err).slice(0, 300) });
      }
    }
  }
  for (const d of drifts)
    logger.error('self-check: deployed rule drifted', { rule: d.rule, kind: d.kind, message: d.message });
  return alerts;
}

export const handler = async (event?: unknown): Promise<DigestResult> => {
  built ??= build();
  return built(event);
};
