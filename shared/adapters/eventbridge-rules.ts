/**
 * Reads iamwatch's deployed EventBridge rules for the self-check: DescribeRule, ListTargetsByRule
 * (all pages) and TestEventPattern. Failures are wrapped in {@link AdapterError} saying whether a
 * retry can help; a rule that does not exist is data (null), not an error.
 */
import {
  DescribeRuleCommand,
  type EventBridgeClient,
  ListTargetsByRuleCommand,
  type ListTargetsByRuleCommandOutput,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import type { EventPattern } from '../core/eventbridge/match.js';
import type { RuleDescription, RuleTarget } from '../core/eventbridge/patterns.js';
import { AdapterError } from '../ports.js';

export const ADAPTER = 'eventbridge-rules';

const RETRYABLE = new Set(['ThrottlingException', 'InternalException', 'ServiceUnavailable', 'TimeoutError']);

function wrap(op: string, err: unknown): AdapterError {
  const name = (err as { name?: string } | null)?.name ?? 'Error';
  const msg = err instanceof Error ? err.message : String(err);
  return new AdapterError(ADAPTER, `${op} failed (${name}): ${msg}`, {
    retryable: RETRYABLE.has(name),
    cause: err,
  });
}

export interface EventBridgeRulesOptions {
  /** Bus the rules live on (default: the default bus). */
  eventBusName?: string;
}

export class EventBridgeRules {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly opts: EventBridgeRulesOptions = {},
  ) {}

  /** DescribeRule; null when the rule does not exist. */
  async describe(name: string): Promise<RuleDescription | null> {
    try {
      const out = await this.client.send(
        new DescribeRuleCommand({
          Name: name,
          ...(this.opts.eventBusName ? { EventBusName: this.opts.eventBusName } : {}),
        }),
      );
      let pattern: EventPattern | null = null;
      if (out.EventPattern) {
        try {
          pattern = JSON.parse(out.EventPattern) as EventPattern;
        } catch (err) {
          throw new AdapterError(ADAPTER, `rule ${name} has an EventPattern that is not JSON`, {
            retryable: false,
            cause: err,
          });
        }
      }
      return {
        name: out.Name ?? name,
        ...(out.Arn ? { arn: out.Arn } : {}),
        state: out.State ?? 'UNKNOWN',
        pattern,
      };
    } catch (err) {
      if (err instanceof AdapterError) throw err;
      if ((err as { name?: string } | null)?.name === 'ResourceNotFoundException') return null;
      throw wrap('DescribeRule', err);
    }
  }

  /** Every target of the rule (follows NextToken). */
  async listTargets(name: string): Promise<RuleTarget[]> {
    const out: RuleTarget[] = [];
    let next: string | undefined;
    do {
      let page: ListTargetsByRuleCommandOutput;
      try {
        page = await this.client.send(
          new ListTargetsByRuleCommand({
            Rule: name,
            ...(this.opts.eventBusName ? { EventBusName: this.opts.eventBusName } : {}),
            ...(next ? { NextToken: next } : {}),
          }),
        );
      } catch (err) {
        throw wrap('ListTargetsByRule', err);
      }
      for (const t of page.Targets ?? []) out.push({ id: t.Id ?? '', arn: t.Arn ?? '' });
      next = page.NextToken;
    } while (next);
    return out;
  }

  /** TestEventPattern: does EventBridge itself match `event` against `pattern`? */
  async testPattern(pattern: EventPattern, event: Record<string, unknown>): Promise<boolean> {
    try {
      const out = await this.client.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
      );
      return out.Result === true;
    } catch (err) {
      throw wrap('TestEventPattern', err);
    }
  }
}
