/**
 * `iamwatch doctor`: checks, with the operator's credentials, that the deployed EventBridge rules
 * are enabled in the right state, carry the generated patterns, still target the detect function,
 * and that EventBridge itself (TestEventPattern) matches a sample event per rule.
 * `--offline` needs no region and no credentials: it checks the generated CloudFormation
 * (infra/generated/eventbridge-rules.yml) against the rule catalogue with the project's matcher and says what
 * it did not check. `--print-patterns` prints the patterns generated from the rule catalogue.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkTemplateRules, type Drift, selfCheck, type TemplateRule } from '../../app/self-check.js';
import type { EventPattern } from '../../core/eventbridge/match.js';
import {
  type DeployedRuleRef,
  deployedPatterns,
  deployedRuleRefs,
  sampleFor,
} from '../../core/eventbridge/patterns.js';
import { catalogueSelectors } from '../../core/rules/index.js';
import { type CliContext, CliError, EXIT } from '../context.js';
import { findUp } from '../find-up.js';
import { safeText } from '../text.js';

/** Where the generated EventBridge rules live in the repository and in the installed package. */
export const GENERATED_RULES_REL = 'infra/generated/eventbridge-rules.yml';

/** What an offline run cannot know; printed so nobody mistakes `--offline` for a deployment check. */
export const OFFLINE_NOT_CHECKED = [
  'whether the rules are deployed, enabled and still target the detect function (run `iamwatch doctor --region us-east-1` with credentials)',
  "EventBridge's own matching (TestEventPattern); the project's matcher stands in for it",
  'the forwarding rules in other regions and member accounts (infra/regional-forwarder.yml, infra/org-member-forwarder.yml)',
];

/** Error names of the SDK's credential chain and of STS/EventBridge rejecting the credentials. */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

/** `no AWS credentials: …` / `AWS credentials rejected: …` for a credentials failure, else null. */
export function credentialsProblem(err: unknown, depth = 0): string | null {
  const e = err as { name?: unknown; message?: unknown; cause?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (NO_CREDENTIALS.has(name) || /could not load credentials/i.test(message)) {
    return 'no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; `iamwatch doctor --offline` checks the generated patterns without AWS';
  }
  if (BAD_CREDENTIALS.has(name)) {
    return `AWS credentials rejected (${name}): refresh them (e.g. \`aws sso login\`) and run doctor again`;
  }
  // Adapters wrap SDK errors (AdapterError keeps the original as `cause`).
  return e?.cause !== undefined && depth < 5 ? credentialsProblem(e.cause, depth + 1) : null;
}

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
  patterns?: string;
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
    .option(
      '--offline',
      `no AWS: check the generated rules (${GENERATED_RULES_REL}) against the rule catalogue with the local matcher`,
    )
    .option('--patterns <file>', `with --offline: the generated rules file (default: ${GENERATED_RULES_REL})`)
    .option('--format <fmt>', 'text|json', 'text')
    .action(async (opts: DoctorOptions) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        throw new CliError(EXIT.usage, `--format must be text or json, not ${JSON.stringify(opts.format)}`);
      }
      if (opts.printPatterns) {
        ctx.stdout.write(`${JSON.stringify(deployedPatterns(), null, 2)}\n`);
        return;
      }
      if (opts.offline) {
        await offline(ctx, opts);
        return;
      }
      const stage = opts.stage ?? ctx.env.IAMWATCH_STAGE ?? 'dev';
      const prefix = opts.rulePrefix ?? `${opts.service}-${stage}`;
      const region = opts.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
      if (!region) throw new CliError(EXIT.usage, 'no region: pass --region or set AWS_REGION');
      const refs = deployedRuleRefs(prefix);
      // The EventBridge client is loaded only here (the offline check and every other command skip it).
      const [{ EventBridgeClient }, { EventBridgeRules }] = await Promise.all([
        import('@aws-sdk/client-eventbridge'),
        import('../../adapters/eventbridge-rules.js'),
      ]);
      const client = new EventBridgeClient({ region });
      try {
        const rules = new EventBridgeRules(client, opts.eventBus ? { eventBusName: opts.eventBus } : {});
        let detectArn = opts.detectArn ?? null;
        // The first credentials failure ends the run: every other call would fail the same way.
        let noCredentials: string | null = null;
        const describe = async (name: string) => {
          if (noCredentials) throw new Error(noCredentials);
          const d = await rules.describe(name).catch((err: unknown) => {
            noCredentials = credentialsProblem(err);
            throw err;
          });
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
          testPattern: (p, e) => rules.testPattern(p, e),
          sample: (ref) => sampleFor(deployedPatterns().find((r) => r.key === ref.key)!),
        });
        if (noCredentials) throw new CliError(EXIT.runtime, noCredentials);
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
  const onlyCheckFailures = drifts.length > 0 && drifts.every((d) => d.kind === 'check-failed');
  ctx.stderr.write(
    drifts.length === 0
      ? `iamwatch doctor: ${refs.length} rule(s) in ${where.region} are enabled, unchanged and target iamwatch\n`
      : onlyCheckFailures
        ? `iamwatch doctor: could not read the rules in ${where.region}; check the credentials' permissions (events:DescribeRule, events:ListTargetsByRule, events:TestEventPattern)\n`
        : `iamwatch doctor: ${drifts.length} problem(s) in ${where.region}; redeploy (npx osls deploy) or see docs/deploy.md\n`,
  );
}

/** The generated rules file: `--patterns`, else searched upwards from the working directory, then from the CLI. */
export function findGeneratedRules(cwd: string, moduleUrl: string = import.meta.url): string | null {
  return findUp(cwd, moduleUrl, (dir) => {
    const f = path.join(dir, GENERATED_RULES_REL);
    return existsSync(f) ? f : null;
  });
}

/** EventBridge rules of a CloudFormation template (YAML or JSON text). */
export function templateRules(text: string, file: string): TemplateRule[] {
  let doc: unknown;
  try {
    // CloudFormation short-form tags (!Ref, !GetAtt) are unknown to YAML: not a problem with the rules.
    doc = parseYaml(text, { logLevel: 'error' });
  } catch (err) {
    throw new CliError(EXIT.usage, `${file}: not YAML: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const resources = (doc as { Resources?: unknown } | null)?.Resources;
  if (!resources || typeof resources !== 'object')
    throw new CliError(EXIT.usage, `${file}: no Resources section`);
  const out: TemplateRule[] = [];
  for (const [logicalId, r] of Object.entries(resources as Record<string, unknown>)) {
    const res = r as { Type?: unknown; Properties?: { State?: unknown; EventPattern?: unknown } } | null;
    if (res?.Type !== 'AWS::Events::Rule') continue;
    const p = res.Properties ?? {};
    out.push({
      logicalId,
      state: typeof p.State === 'string' ? p.State : null,
      pattern: p.EventPattern && typeof p.EventPattern === 'object' ? (p.EventPattern as EventPattern) : null,
    });
  }
  return out;
}

async function offline(ctx: CliContext, opts: DoctorOptions): Promise<void> {
  const file = opts.patterns ? path.resolve(ctx.cwd, opts.patterns) : findGeneratedRules(ctx.cwd);
  if (!file) {
    throw new CliError(
      EXIT.usage,
      `${GENERATED_RULES_REL} not found from ${ctx.cwd} or the iamwatch installation; pass --patterns FILE`,
    );
  }
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new CliError(EXIT.usage, `${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  });
  const shown = path.relative(ctx.cwd, file) || file;
  const result = checkTemplateRules(templateRules(text, shown), deployedPatterns(), catalogueSelectors());
  const ok = result.problems.length === 0;
  if (opts.format === 'json') {
    ctx.stdout.write(
      `${JSON.stringify({ offline: true, file: shown, ok, problems: result.problems, checked: result.checked, notChecked: OFFLINE_NOT_CHECKED }, null, 2)}\n`,
    );
  } else {
    for (const r of deployedPatterns()) {
      const mine = result.problems.filter((d) => d.rule === r.logicalId);
      ctx.stdout.write(`${mine.length === 0 ? 'ok  ' : 'FAIL'}  ${r.logicalId}  (${r.state})\n`);
      for (const d of mine) ctx.stdout.write(`      ${d.kind}: ${safeText(d.message, 300)}\n`);
    }
    for (const d of result.problems.filter((p) => !deployedPatterns().some((r) => r.logicalId === p.rule)))
      ctx.stdout.write(`FAIL  ${safeText(d.rule, 80)}\n      ${d.kind}: ${safeText(d.message, 300)}\n`);
    ctx.stderr.write(`iamwatch doctor --offline: checked ${shown}:\n`);
    for (const c of result.checked) ctx.stderr.write(`  checked: ${c}\n`);
    for (const n of OFFLINE_NOT_CHECKED) ctx.stderr.write(`  not checked: ${n}\n`);
  }
  if (!ok) throw new CliError(EXIT.failOn, `${result.problems.length} problem(s) in ${shown}`);
}
