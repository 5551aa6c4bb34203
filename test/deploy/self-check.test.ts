import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeRules } from '../../shared/adapters/eventbridge-rules.js';
import { canonicalPattern, driftAlerts, localTestPattern, selfCheck } from '../../shared/app/self-check.js';
import { deployedPatterns, deployedRuleRefs, sampleFor } from '../../shared/core/eventbridge/patterns.js';

const PREFIX = 'iamwatch-prod';
const DETECT = 'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-prod-detect';
const refs = deployedRuleRefs(PREFIX);
const byName = new Map(refs.map((r) => [r.name, r]));
const eb = mockClient(EventBridgeClient);

/** EventBridge as deployed: every rule in its state, with its pattern (keys reordered, as AWS may), one target. */
function healthy() {
  eb.on(DescribeRuleCommand).callsFake((input: { Name: string }) => {
    const r = byName.get(input.Name);
    if (!r)
      throw new ResourceNotFoundException({ message: `Rule ${input.Name} does not exist.`, $metadata: {} });
    const reordered = JSON.parse(JSON.stringify(r.pattern, Object.keys(r.pattern).reverse()));
    return {
      Name: r.name,
      Arn: `arn:aws:events:us-east-1:111122223333:rule/${r.name}`,
      State: r.state,
      EventPattern: JSON.stringify({ ...reordered, ...r.pattern }),
    };
  });
  eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'detect', Arn: DETECT }] });
  eb.on(TestEventPatternCommand).callsFake(async (input: { EventPattern: string; Event: string }) => ({
    Result: await localTestPattern(JSON.parse(input.EventPattern), JSON.parse(input.Event)),
  }));
}

function check(client = new EventBridgeClient({ region: 'us-east-1' })) {
  const rules = new EventBridgeRules(client);
  const deployed = deployedPatterns();
  return selfCheck({
    rules: refs,
    detectArn: DETECT,
    describe: (n) => rules.describe(n),
    listTargets: (n) => rules.listTargets(n),
    testPattern: (p, e) => rules.testPattern(p, e),
    sample: (ref) => sampleFor(deployed.find((r) => r.key === ref.key)!),
  });
}

beforeEach(() => {
  eb.reset();
  healthy();
});
afterEach(() => eb.reset());

describe('selfCheck', () => {
  it('finds nothing wrong with rules as deployed', async () => {
    expect(await check()).toEqual([]);
    expect(eb.commandCalls(TestEventPatternCommand)).toHaveLength(refs.length);
  });

  it('reports a disabled STS rule (and one in plain ENABLED, which misses AssumeRole*)', async () => {
    const sts = refs.find((r) => r.key === 'sts')!;
    eb.on(DescribeRuleCommand, { Name: sts.name }).resolves({
      Name: sts.name,
      State: 'DISABLED',
      EventPattern: JSON.stringify(sts.pattern),
    });
    expect(await check()).toEqual([
      {
        rule: sts.name,
        kind: 'state',
        message: `rule ${sts.name} is DISABLED, expected ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`,
      },
    ]);
    eb.on(DescribeRuleCommand, { Name: sts.name }).resolves({
      Name: sts.name,
      State: 'ENABLED',
      EventPattern: JSON.stringify(sts.pattern),
    });
    expect((await check()).map((d) => d.kind)).toEqual(['state']);
  });

  it('reports a deleted rule', async () => {
    const iam = refs.find((r) => r.key === 'iam')!;
    eb.on(DescribeRuleCommand, { Name: iam.name }).rejects(
      new ResourceNotFoundException({ message: 'Rule does not exist.', $metadata: {} }),
    );
    const drifts = await check();
    expect(drifts).toEqual([
      { rule: iam.name, kind: 'missing', message: expect.stringContaining('does not exist') },
    ]);
  });

  it('reports removed targets and foreign targets', async () => {
    const [first, second] = refs;
    eb.on(ListTargetsByRuleCommand, { Rule: first!.name }).resolves({ Targets: [] });
    eb.on(ListTargetsByRuleCommand, { Rule: second!.name }).resolves({
      Targets: [
        { Id: 'detect', Arn: DETECT },
        { Id: 'x', Arn: 'arn:aws:lambda:us-east-1:444455556666:function:elsewhere' },
      ],
    });
    expect((await check()).map((d) => [d.rule, d.kind])).toEqual([
      [first!.name, 'target-missing'],
      [second!.name, 'extra-target'],
    ]);
  });

  it('follows ListTargetsByRule pages', async () => {
    const [first] = refs;
    eb.on(ListTargetsByRuleCommand, { Rule: first!.name })
      .resolvesOnce({ Targets: [{ Id: 'a', Arn: 'arn:aws:sqs:us-east-1:111122223333:q' }], NextToken: 'p2' })
      .resolves({ Targets: [{ Id: 'detect', Arn: DETECT }] });
    expect((await check()).map((d) => d.kind)).toEqual(['extra-target']);
  });

  it('reports a narrowed pattern, and that its sample no longer matches (TestEventPattern)', async () => {
    const iam = refs.find((r) => r.key === 'iam')!;
    const narrowed = {
      ...iam.pattern,
      detail: { eventSource: ['iam.amazonaws.com'], eventName: ['Nothing'] },
    };
    eb.on(DescribeRuleCommand, { Name: iam.name }).resolves({
      Name: iam.name,
      State: 'ENABLED',
      EventPattern: JSON.stringify(narrowed),
    });
    expect((await check()).map((d) => d.kind)).toEqual(['pattern', 'sample-not-matched']);
  });

  it('turns a failing call into check-failed and goes on with the other rules', async () => {
    const [first] = refs;
    eb.on(DescribeRuleCommand, { Name: first!.name }).rejects(
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
    );
    const drifts = await check();
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ rule: first!.name, kind: 'check-failed' });
    expect(drifts[0]!.message).toContain('AccessDeniedException');
    expect(eb.commandCalls(DescribeRuleCommand)).toHaveLength(refs.length);
  });
});

describe('canonicalPattern', () => {
  it('ignores key order and list order, not content', () => {
    expect(canonicalPattern({ a: ['x', 'y'], b: { c: [1] } })).toBe(
      canonicalPattern({ b: { c: [1] }, a: ['y', 'x'] }),
    );
    expect(canonicalPattern({ a: ['x'] })).not.toBe(canonicalPattern({ a: ['x', 'y'] }));
  });
});

describe('driftAlerts', () => {
  it('makes logging-disabled alerts with stable ids per rule, kind and day', () => {
    const d = [
      { rule: 'iamwatch-prod-sts', kind: 'state' as const, message: 'rule iamwatch-prod-sts is DISABLED' },
    ];
    const ctx = { account: '111122223333', region: 'us-east-1', nowMs: Date.parse('2026-03-01T08:00:00Z') };
    const [a] = driftAlerts(d, ctx);
    expect(a).toMatchObject({
      rule: 'logging-disabled',
      severity: 'critical',
      eventName: 'SelfCheck',
      count: 1,
    });
    expect(a!.reasons).toEqual(['rule iamwatch-prod-sts is DISABLED']);
    expect(driftAlerts(d, { ...ctx, nowMs: ctx.nowMs + 3_600_000 })[0]!.id).toBe(a!.id);
    expect(driftAlerts(d, { ...ctx, nowMs: ctx.nowMs + 86_400_000 })[0]!.id).not.toBe(a!.id);
  });
});
