/**
 * `iamwatch doctor`: checks, with the operator's credentials, that the deployed EventBridge rules
 * are enabled in the right state, carry the generated patterns, still target the detect function,
 * and that EventBridge itself (TestEventPattern) matches a sample event per rule.
 * `--print-patterns` prints the patterns generated from the rule catalogue (offline).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Command } from 'commander';
import { EventBridgeRules } from '../../adapters/eventbridge-rules.js';
import { type Drift, localTestPattern, selfCheck } from '../../app/self-check.js';
import {
  type DeployedRuleRef,
  deployedPatterns,
  deployedRuleRefs,
  sampleFor,
} from '../../core/eventbridge/patterns.js';
import { type CliContext, CliError, EXIT } from '../context.js';

interface DoctorOptions {
  printPatterns?: boolean;
  service: string;
  stage?: string;
  rulePrefix?: string;
  region?: string;
  detectArn?: string;
  eventBus?: string;
  format: string;
  offline?: boolean;
}

/** The detect function's ARN, derived from a rule ARN in the same account and region. */
export function detectArnFromRuleArn(ruleArn: string, prefix: string): string | null {
  const m = /^arn:([^:]+):events:([^:]+):(\d{12}):rule\//.exec(ruleArn);
  return m ? `arn:${m[1]}:lambda:${m[2]}:${m[3]}:function:${prefix}-detect` : null;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('Check that the deployed EventBridge rules are enabled, unchanged and still target iamwatch')
    .option(
      '--print-patterns',
      'print the EventBridge rules generated from the rule catalogue (JSON) and exit',
    )
    .option('--service <name>', 'service name in serverless.yml', 'iamwatch')
    .option('--stage <stage>', 'deployment stage (default IAMWATCH_STAGE or dev)')
    .option('--rule-prefix <prefix>', 'rule name prefix (default <service>-<stage>)')
    .option('--region <region>', 'home region (default AWS_REGION)')
    .option('--detect-arn <arn>', 'ARN the rules must target (default <prefix>-detect in the rules’ account)')
    .option('--event-bus <name>', 'bus holding the rules (default: the default bus)')
    .option('--offline', 'check TestEventPattern samples with the local matcher instead of AWS')
    .option('--format <fmt>', 'text|json', 'text')
    .action(async (opts: DoctorOptions) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        throw new CliError(EXIT.usage, `--format must be text or json, not ${JSON.stringify(opts.format)}`);
      }
      if (opts.printPatterns) {
        ctx.stdout.write(`${JSON.stringify(deployedPatterns(), null, 2)}\n`);
        return;
      }
      const stage = opts.stage ?? ctx.env.IAMWATCH_STAGE ?? 'dev';
      const prefix = opts.rulePrefix ?? `${opts.service}-${stage}`;
      const region = opts.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
      if (!region) throw new CliError(EXIT.usage, 'no region: pass --region or set AWS_REGION');
      const refs = deployedRuleRefs(prefix);
      const client = new EventBridgeClient({ region });
      try {
        const rules = new EventBridgeRules(client, opts.eventBus ? { eventBusName: opts.eventBus } : {});
        let detectArn = opts.detectArn ?? null;
        const describe = async (name: string) => {
          const d = await rules.describe(name);
          if (!detectArn && d?.arn) detectArn = detectArnFromRuleArn(d.arn, prefix);
          return d;
        };
        const drifts = await selfCheck({
          rules: refs,
          // Known only once a DescribeRule returned the rules' account and partition.
          get detectArn() {
            return detectArn ?? `${prefix}-detect`;
          },
          describe,
          listTargets: (name) => rules.listTargets(name),
          testPattern: opts.offline ? localTestPattern : (p, e) => rules.testPattern(p, e),
          sample: (ref) => sampleFor(deployedPatterns().find((r) => r.key === ref.key)!),
        });
        report(ctx, opts.format, refs, drifts, { prefix, region });
        if (drifts.length > 0 && drifts.every((d) => d.kind === 'check-failed')) {
          throw new CliError(
            EXIT.runtime,
            `could not check any rule in ${region} (credentials or permissions?)`,
          );
        }
        if (drifts.length > 0)
          throw new CliError(EXIT.failOn, `${drifts.length} problem(s) with the deployed rules`);
      } finally {
        client.destroy();
      }
    });
}

function report(
  ctx: CliContext,
  format: string,
  refs: DeployedRuleRef[],
  drifts: Drift[],
  where: { prefix: string; region: string },
): void {
  if (format === 'json') {
    const rules = refs.map((r) => ({
      name: r.name,
      expectedState: r.state,
      problems: drifts.filter((d) => d.rule === r.name).map(({ kind, message }) => ({ kind, message })),
    }));
    ctx.stdout.write(
      `${JSON.stringify({ region: where.region, prefix: where.prefix, ok: drifts.length === 0, rules }, null, 2)}\n`,
    );
    return;
  }
  for (const r of refs) {
    const mine = drifts.filter((d) => d.rule === r.name);
    ctx.stdout.write(`${mine.length === 0 ? 'ok  ' : 'FAIL'}  ${r.name}  (${r.state})\n`);
    for (const d of mine) ctx.stdout.write(`      ${d.kind}: ${d.message.replace(/[\r\n\t]+/g, ' ')}\n`);
  }
  ctx.stderr.write(
    drifts.length === 0
      ? `iamwatch doctor: ${refs.length} rule(s) in ${where.region} are enabled, unchanged and target iamwatch\n`
      : `iamwatch doctor: ${drifts.length} problem(s) in ${where.region}; redeploy (npx osls deploy) or see docs/deploy.md\n`,
  );
}
