/**
 * Runs a packaged function as Lambda would: its bundle (unpacked from its zip by ./global-setup.ts) in a
 * child `node`, with exactly the template's environment variables plus what the Lambda runtime sets
 * (region, credentials, function name and memory) and AWS_ENDPOINT_URL_* pointing at a local proxy that
 * enforces the function's role (./aws-proxy.ts). The invocation is killed at the template's timeout.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../shared/adapters/dynamodb/table.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../shared/adapters/embedded-store.js';
import { type AwsProxy, closedPort, type Service, startAwsProxy } from './aws-proxy.js';
import { FAILED_FILE, RUN_DIR } from './global-setup.js';
import { SLACK_CA_FILE } from './slack-stub.js';
import { type DeployedFunction, type DeployedStack, loadStack, REGION } from './template.js';

let cached: DeployedStack | null = null;
const SQS_HOST = `https://sqs.${REGION}.amazonaws.com`;

/** The packaged stack; throws with osls' output when the package step of this run failed. */
export function deployedStack(): DeployedStack {
  if (existsSync(FAILED_FILE)) throw new Error(readFileSync(FAILED_FILE, 'utf8'));
  cached ??= loadStack();
  return cached;
}

export interface Invocation {
  ok: boolean;
  /** The module could not be loaded (the function cannot start). */
  init?: boolean;
  result?: Record<string, unknown>;
  error?: { name?: string; message: string };
  ms: number;
}

export interface RunResult {
  invocations: Invocation[];
  /** Killed at the template's timeout (an invocation did not end in time). */
  timedOut: boolean;
  wallMs: number;
  stdout: string;
  stderr: string;
}

/** One function's world: dynalite behind the IAM-enforcing proxy. */
export interface FunctionWorld {
  fn: DeployedFunction;
  proxy: AwsProxy;
  store: EmbeddedStore;
  /** Services whose endpoint refuses connections in the next run. */
  refused: Set<Service>;
  /**
   * Runs `events` through one fresh container. `overrides`: template variables replaced for this run only
   * (a scenario that needs a setting the template does not use, e.g. observation buffering off).
   */
  run(events: unknown[], overrides?: Record<string, string>): Promise<RunResult>;
  close(): Promise<void>;
}

const ENDPOINT_VARS: Record<Service, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sns: 'AWS_ENDPOINT_URL_SNS',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  eventbridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  ssm: 'AWS_ENDPOINT_URL_SSM',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  s3: 'AWS_ENDPOINT_URL_S3',
};

/** Starts dynalite (with the table the template declares) and the proxy for function `name`. */
export async function startWorld(name: string, opts: { s3?: string } = {}): Promise<FunctionWorld> {
  const stack = deployedStack();
  const fn = stack.functions[name];
  if (!fn) throw new Error(`no function ${name} in the packaged template`);
  const store = await startEmbeddedStore();
  const tableName = Object.values(stack.resources).find((r) => r.Type === 'AWS::DynamoDB::Table')?.Properties
    ?.TableName as string;
  const ddb = new DynamoDBClient({
    region: REGION,
    endpoint: store.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(ddb, tableName);
  ddb.destroy();
  const proxy = await startAwsProxy({
    statements: fn.statements,
    dynamodb: store.endpoint,
    ...(opts.s3 ? { s3: opts.s3 } : {}),
  });
  const refused = new Set<Service>();
  return {
    fn,
    proxy,
    store,
    refused,
    async run(events, overrides) {
      const dead = refused.size > 0 ? await closedPort() : '';
      const endpoints = Object.fromEntries(
        (Object.keys(ENDPOINT_VARS) as Service[]).map((s) => [
          ENDPOINT_VARS[s],
          refused.has(s) ? dead : proxy.url,
        ]),
      );
      return runBundle(overrides ? { ...fn, env: { ...fn.env, ...overrides } } : fn, events, endpoints);
    },
    async close() {
      await proxy.close();
      await store.close();
    },
  };
}

/** Runs `events` through one fresh container of `fn` (a child process), in order. */
export async function runBundle(
  fn: DeployedFunction,
  events: unknown[],
  endpoints: Record<string, string>,
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iamwatch-invoke-'));
  const eventsFile = join(dir, 'events.json');
  const resultFile = join(dir, 'result.json');
  writeFileSync(eventsFile, JSON.stringify(events));
  const [modulePath, exportName] = [fn.handler.replace(/\.[^.]+$/, ''), fn.handler.split('.').pop()!];
  const file = join(RUN_DIR, fn.name.replace(/^iamwatch-[^-]+-/, ''), `${modulePath}.mjs`);
  const timeoutMs = fn.timeoutSeconds * 1000;
  const env: Record<string, string> = {
    // What the Lambda runtime sets.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'ASIAHARNESS',
    AWS_SECRET_ACCESS_KEY: 'harness',
    AWS_SESSION_TOKEN: 'harness',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // What Lambda sets under the template's advanced logging controls (LoggingConfig).
    ...(fn.logging.LogFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    ...(fn.logging.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.logging.ApplicationLogLevel } : {}),
    // Harness: local endpoints, and trust in the local Slack stub's certificate.
    ...endpoints,
    NODE_EXTRA_CA_CERTS: SLACK_CA_FILE,
    // The template's own variables, exactly; queue URLs (Ref of a queue) on the local SQS endpoint, as
    // the SQS client sends requests to the queue URL's host.
    ...Object.fromEntries(
      Object.entries(fn.env).map(([k, v]) => [
        k,
        v.replace(SQS_HOST, (endpoints.AWS_ENDPOINT_URL_SQS ?? SQS_HOST).replace(/\/$/, '')),
      ]),
    ),
  };
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${fn.memoryMb}`,
      new URL('./invoke-child.mjs', import.meta.url).pathname,
      file,
      exportName,
      eventsFile,
      resultFile,
      String(timeoutMs),
    ],
    { cwd: join(RUN_DIR, fn.name.replace(/^iamwatch-[^-]+-/, '')), env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    if (stdout.length < 2_000_000) stdout += c;
  });
  child.stderr.on('data', (c) => {
    if (stderr.length < 2_000_000) stderr += c;
  });
  // Each invocation gets the template's timeout; module loading happens within the first one.
  let timedOut = false;
  const killer = setTimeout(
    () => {
      timedOut = true;
      child.kill('SIGKILL');
    },
    timeoutMs * events.length + 1000,
  );
  await new Promise<void>((r) => child.on('close', () => r()));
  clearTimeout(killer);
  const invocations: Invocation[] = existsSync(resultFile)
    ? JSON.parse(readFileSync(resultFile, 'utf8'))
    : [];
  rmSync(dir, { recursive: true, force: true });
  if (invocations.some((i) => i.ms > timeoutMs)) timedOut = true;
  return { invocations, timedOut, wallMs: Date.now() - started, stdout, stderr };
}

/**
 * Lambda's asynchronous invocation: the event is retried up to the function's MaximumRetryAttempts
 * (EventInvokeConfig) when an attempt throws or times out; `between` runs before each retry. After the
 * last failure the event is on the on-failure destination (where an operator finds it).
 */
export async function invokeAsync(
  world: FunctionWorld,
  event: unknown,
  between?: (attempt: number) => void | Promise<void>,
): Promise<{ attempts: RunResult[]; onFailureDestination: boolean }> {
  const stack = deployedStack();
  const config = Object.values(stack.resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties?.FunctionName?.Ref === world.fn.logicalId,
  );
  const retries = Number(config?.Properties?.MaximumRetryAttempts ?? 2);
  const attempts: RunResult[] = [];
  for (let i = 0; i <= retries; i++) {
    if (i > 0) await between?.(i);
    const r = await world.run([event]);
    attempts.push(r);
    if (!r.timedOut && r.invocations[0]?.ok) return { attempts, onFailureDestination: false };
  }
  return { attempts, onFailureDestination: true };
}
