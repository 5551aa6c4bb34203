/**
 * The time budgets of functions/budgets.ts fit each function's timeout in the packaged template, and the
 * template's state and queue policies are as docs/deploy.md says (issue 11, item 7).
 */
import { describe, expect, it } from 'vitest';
import {
  DELIVERY_LEASE_SECONDS,
  detectWorstMs,
  SDK_TIMEOUTS,
  SLACK_RETRY,
  SLACK_TIMEOUT_MS,
  slackNotifyWorstMs,
} from '../../functions/budgets.js';
import { SLACK_RETRY_POLICY } from '../../shared/adapters/slack-webhook.js';
import { deployedStack } from './harness.js';

describe('time budgets against the packaged template', () => {
  it('detect: the worst case of one event with 3 alerts and every dependency failing ends before its timeout', () => {
    const fn = deployedStack().functions.detect!;
    expect(detectWorstMs(3)).toBeLessThan(fn.timeoutSeconds * 1000);
    expect(SDK_TIMEOUTS.connectionTimeoutMs + SDK_TIMEOUTS.requestTimeoutMs).toBeLessThan(
      fn.timeoutSeconds * 100,
    );
  });

  it("slack-notify: routing, Slack's retry budget and the dead letter end before its timeout", () => {
    const fn = deployedStack().functions['slack-notify']!;
    expect(slackNotifyWorstMs()).toBeLessThan(fn.timeoutSeconds * 1000);
    expect(SLACK_RETRY.maxElapsedMs + SLACK_TIMEOUT_MS).toBeLessThan(fn.timeoutSeconds * 1000);
    // The adapter's default (2 minutes) would not fit: slack-notify passes its own budget.
    expect(SLACK_RETRY.maxElapsedMs).toBeLessThan(SLACK_RETRY_POLICY.maxElapsedMs);
    expect(DELIVERY_LEASE_SECONDS).toBeGreaterThan(fn.timeoutSeconds);
  });
});

describe('template state and policies', () => {
  const resources = () => Object.entries(deployedStack().resources);

  it('protects the table from deletion', () => {
    const [[, table] = []] = resources().filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(table?.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('has one QueuePolicy per queue', () => {
    const targets = resources()
      .filter(([, r]) => r.Type === 'AWS::SQS::QueuePolicy')
      .flatMap(([, r]) => ((r.Properties?.Queues ?? []) as Array<{ Ref: string }>).map((q) => q.Ref));
    expect(targets.length).toBeGreaterThan(0);
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('puts the Organization bus policy on a dedicated bus, never the default bus', () => {
    const policies = resources().filter(([, r]) => r.Type === 'AWS::Events::EventBusPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, p] of policies) {
      expect(p.Properties?.EventBusName, id).toEqual({ Ref: 'OrganizationBus' });
      expect(p.Condition, id).toBe('HasOrganization');
    }
    const bus = deployedStack().resources.OrganizationBus;
    expect(bus?.Properties?.Name).toBe('iamwatch-dev-org-ingest');
  });

  it('gives slack-notify the dead-letter queue its role may write to', () => {
    const fn = deployedStack().functions['slack-notify']!;
    expect(fn.env.IAMWATCH_DEAD_LETTER_URL).toMatch(/iamwatch-dev-alert-delivery-failures$/);
  });
});
