import { PassThrough, Readable } from 'node:stream';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectArnFromRuleArn } from '../../shared/cli/commands/doctor.js';
import type { CliContext } from '../../shared/cli/context.js';
import { main } from '../../shared/cli/main.js';
import { matchesPattern } from '../../shared/core/eventbridge/match.js';
import { deployedPatterns, deployedRuleRefs } from '../../shared/core/eventbridge/patterns.js';

const eb = mockClient(EventBridgeClient);
const refs = deployedRuleRefs('iamwatch-prod');

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' },
    cwd: process.cwd(),
    isTTY: false,
  };
  const code = await main(args, ctx);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

beforeEach(() => {
  eb.reset();
  eb.on(DescribeRuleCommand).callsFake((input: { Name: string }) => {
    const r = refs.find((x) => x.name === input.Name)!;
    return {
      Name: r.name,
      Arn: `arn:aws:events:us-east-1:111122223333:rule/${r.name}`,
      State: r.state,
      EventPattern: JSON.stringify(r.pattern),
    };
  });
  eb.on(ListTargetsByRuleCommand).resolves({
    Targets: [{ Id: 'detect', Arn: 'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-prod-detect' }],
  });
  eb.on(TestEventPatternCommand).callsFake((input: { EventPattern: string; Event: string }) => ({
    Result: matchesPattern(JSON.parse(input.EventPattern), JSON.parse(input.Event)),
  }));
});
afterEach(() => eb.reset());

describe('iamwatch doctor', () => {
  it('exits 0 and lists every rule as ok when the deployment is intact', async () => {
    const r = await run(['doctor', '--stage', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(refs.map((x) => `ok    ${x.name}  (${x.state})`));
    expect(r.stderr).toContain(`${refs.length} rule(s) in us-east-1`);
    expect(eb.commandCalls(TestEventPatternCommand)).toHaveLength(refs.length);
  });

  it('exits 1 with the problem on stdout when a rule lost its target', async () => {
    eb.on(ListTargetsByRuleCommand, { Rule: refs[0]!.name }).resolves({ Targets: [] });
    const r = await run(['doctor', '--stage', 'prod', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.rules[0].problems).toEqual([
      {
        kind: 'target-missing',
        message: `rule ${refs[0]!.name} no longer targets the detect function arn:aws:lambda:us-east-1:111122223333:function:iamwatch-prod-detect`,
      },
    ]);
  });

  it('exits 3 when no rule could be checked (credentials)', async () => {
    eb.on(DescribeRuleCommand).rejects(
      Object.assign(new Error('no credentials'), { name: 'CredentialsProviderError' }),
    );
    const r = await run(['doctor', '--stage', 'prod']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no AWS credentials');
    expect(r.stderr).not.toContain('redeploy');
    expect(eb.commandCalls(DescribeRuleCommand)).toHaveLength(1);
  });

  it('says the credentials were rejected when they expired, not "redeploy"', async () => {
    eb.on(DescribeRuleCommand).rejects(
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
      }),
    );
    const r = await run(['doctor', '--stage', 'prod']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('AWS credentials rejected (ExpiredTokenException)');
    expect(r.stderr).not.toContain('redeploy');
  });

  it('does not say "redeploy" when every call was denied', async () => {
    eb.on(DescribeRuleCommand).rejects(
      Object.assign(new Error('not authorized to perform: events:DescribeRule'), {
        name: 'AccessDeniedException',
      }),
    );
    const r = await run(['doctor', '--stage', 'prod']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('events:DescribeRule');
    expect(r.stderr).not.toContain('redeploy');
  });

  it('--print-patterns prints the generated rules without AWS', async () => {
    const r = await run(['doctor', '--print-patterns']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(deployedPatterns())));
    expect(eb.calls()).toHaveLength(0);
  });

  it('rejects an unknown format as a usage error', async () => {
    expect((await run(['doctor', '--format', 'xml'])).code).toBe(2);
  });
});

describe('detectArnFromRuleArn', () => {
  it('keeps partition, region and account of the rule', () => {
    expect(
      detectArnFromRuleArn(
        'arn:aws-us-gov:events:us-gov-west-1:111122223333:rule/iamwatch-prod-iam',
        'iamwatch-prod',
      ),
    ).toBe('arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:iamwatch-prod-detect');
    expect(detectArnFromRuleArn('not-an-arn', 'p')).toBeNull();
  });
});
