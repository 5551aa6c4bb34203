/**
 * `osls package` once (offline, no AWS credentials), then: the CloudFormation it generates is
 * least-privilege and loses nothing silently; the detect bundle is small; and the packaged detect
 * artefact itself (not the sources) handles sample EventBridge events against the embedded
 * DynamoDB (dynalite) and a local SNS/EventBridge/SQS stub.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../shared/adapters/dynamodb/table.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../shared/adapters/embedded-store.js';
import { canonicalPattern } from '../../shared/app/self-check.js';
import { deployedPatterns } from '../../shared/core/eventbridge/patterns.js';
import { FAILED_FILE } from '../deployed/global-setup.js';
import { PACKAGE_DIR } from '../deployed/template.js';
import { type AwsStub, startAwsStub } from './aws-stub.js';
import { envelope, fixture } from './envelope.js';
import { readZip } from './zip.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation and EMF JSON are untyped; tests read them loosely.
type Json = any;

// `npm run package` runs once per test run, in vitest's globalSetup (test/deployed/global-setup.ts).
const OUT = PACKAGE_DIR;
// 400 KiB (issue 13), with the AWS SDK bundled since issue 14: tree-shaken DynamoDB client, environment-only
// credentials, small SNS/SQS/EventBridge clients and no dead SDK code in Lambda (infra/esbuild-plugins.cjs).
const MAX_DETECT_BYTES = 400 * 1024;

type Cfn = { Type: string; Properties?: Record<string, Json>; Condition?: string };
let template: { Resources: Record<string, Cfn> } = { Resources: {} };
const skipReason: string | null = null;

beforeAll(() => {
  if (existsSync(FAILED_FILE)) throw new Error(readFileSync(FAILED_FILE, 'utf8'));
  template = JSON.parse(readFileSync(join(OUT, 'cloudformation-template-update-stack.json'), 'utf8'));
});

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('npm run package (osls package, offline)', () => {
  it('produces a template and one zip per function', (ctx) => {
    if (skipReason) ctx.skip();
    for (const f of ['detect', 'slack-notify', 'digest', 'ingest'])
      expect(existsSync(join(OUT, `${f}.zip`)), f).toBe(true);
    console.info(`package: ${Object.keys(template.Resources).length} CloudFormation resources`);
  });

  it('grants no wildcard action in any role or policy', (ctx) => {
    if (skipReason) ctx.skip();
    const offenders: string[] = [];
    const roles = [
      ...resources('AWS::IAM::Role'),
      ...resources('AWS::IAM::Policy'),
      ...resources('AWS::IAM::ManagedPolicy'),
    ];
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const [id, r] of roles) {
      const docs =
        r.Type === 'AWS::IAM::Role'
          ? (r.Properties?.Policies ?? []).map((p: Json) => p.PolicyDocument)
          : [r.Properties?.PolicyDocument];
      for (const doc of docs) {
        for (const st of asList<Json>(doc?.Statement)) {
          if (st.NotAction) offenders.push(`${id}: NotAction`);
          for (const a of asList<string>(st.Action))
            if (a === '*' || /:\*$/.test(a)) offenders.push(`${id}: ${a}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('gives every function its own role', (ctx) => {
    if (skipReason) ctx.skip();
    const fns = resources('AWS::Lambda::Function');
    expect(fns).toHaveLength(4);
    const roles = fns.map(([, f]) => JSON.stringify(f.Properties?.Role));
    expect(new Set(roles).size).toBe(4);
    for (const r of roles) expect(r).toMatch(/"(Detect|SlackNotify|Digest|Ingest)Role"/);
  });

  it('gives every (asynchronously invoked) function an on-failure destination and bounded retries', (ctx) => {
    if (skipReason) ctx.skip();
    const configs = resources('AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties!);
    // Functions fed by an SQS event source are invoked synchronously; the queue's redrive catches failures.
    const polled = new Set(
      resources('AWS::Lambda::EventSourceMapping').map(
        ([, m]) => m.Properties?.FunctionName?.['Fn::GetAtt']?.[0],
      ),
    );
    expect(polled).toEqual(new Set(['IngestLambdaFunction']));
    for (const [id] of resources('AWS::Lambda::Function')) {
      if (polled.has(id)) continue;
      const c = configs.find((x) => x.FunctionName?.Ref === id);
      expect(c, `${id} has no EventInvokeConfig`).toBeDefined();
      expect(
        c!.DestinationConfig?.OnFailure?.Destination,
        `${id} has no on-failure destination`,
      ).toBeDefined();
      expect(c!.MaximumRetryAttempts).toBeLessThanOrEqual(2);
    }
  });

  it('sends what EventBridge and SNS could not deliver to dead-letter queues, each with a depth alarm', (ctx) => {
    if (skipReason) ctx.skip();
    for (const [id, rule] of resources('AWS::Events::Rule')) {
      if (id.includes('Schedule')) continue;
      for (const t of rule.Properties!.Targets)
        expect(t.DeadLetterConfig?.Arn, `${id} target ${t.Id}`).toBeDefined();
    }
    const sub = resources('AWS::SNS::Subscription');
    expect(sub.every(([, s]) => s.Properties?.RedrivePolicy)).toBe(true);
    const alarmed = resources('AWS::CloudWatch::Alarm').map(([, a]) =>
      JSON.stringify(a.Properties?.Dimensions),
    );
    for (const [id] of resources('AWS::SQS::Queue')) {
      expect(
        alarmed.some((d) => d.includes(`"${id}"`)),
        `no depth alarm on ${id}`,
      ).toBe(true);
    }
    for (const [id] of resources('AWS::Lambda::Function')) {
      expect(
        alarmed.some((d) => d.includes(`"${id}"`)),
        `no alarm on ${id}`,
      ).toBe(true);
    }
  });

  it('keeps the table recoverable, encrypted and expiring (PITR, SSE, TTL on expiresAt, on-demand, gsi1)', (ctx) => {
    if (skipReason) ctx.skip();
    const [[, table] = []] = resources('AWS::DynamoDB::Table');
    const p = table!.Properties!;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(p.GlobalSecondaryIndexes.map((g: Json) => g.IndexName)).toEqual(['gsi1']);
  });

  it('encrypts every SNS topic with KMS', (ctx) => {
    if (skipReason) ctx.skip();
    const topics = resources('AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThanOrEqual(1);
    for (const [id, t] of topics) expect(t.Properties?.KmsMasterKeyId, id).toBeDefined();
  });

  it('deploys exactly the generated EventBridge rules, STS in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', (ctx) => {
    if (skipReason) ctx.skip();
    for (const r of deployedPatterns()) {
      const res = template.Resources[r.logicalId];
      expect(res, `${r.logicalId} missing: regenerate infra (docs/deploy.md)`).toBeDefined();
      expect(res!.Properties!.State).toBe(r.state);
      expect(canonicalPattern(res!.Properties!.EventPattern)).toBe(canonicalPattern(r.pattern));
      expect(res!.Properties!.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['DetectLambdaFunction', 'Arn'] });
    }
    expect(template.Resources.StsEventsRule?.Properties?.State).toBe(
      'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    );
  });

  it('builds ESM arm64 nodejs22.x functions whose handler file is in their zip', (ctx) => {
    if (skipReason) ctx.skip();
    for (const [id, f] of resources('AWS::Lambda::Function')) {
      const p = f.Properties!;
      expect(p.Runtime, id).toBe('nodejs22.x');
      expect(p.Architectures, id).toEqual(['arm64']);
      const zipName = String(p.Code.S3Key).split('/').pop()!;
      const entries = readZip(readFileSync(join(OUT, zipName)));
      const file = `${String(p.Handler).replace(/\.[^.]+$/, '')}.mjs`;
      const entry = entries.find((e) => e.name === file);
      expect(entry, `${file} in ${zipName}`).toBeDefined();
      expect(entry!.read().subarray(0, 200).toString()).toContain('createRequire');
      console.info(`bundle ${file}: ${(entry!.size / 1024).toFixed(1)} KiB minified`);
    }
  });

  it(`keeps the detect bundle (handler and its chunks) at most ${MAX_DETECT_BYTES / 1024} KiB minified`, (ctx) => {
    if (skipReason) ctx.skip();
    const entries = readZip(readFileSync(join(OUT, 'detect.zip')));
    expect(
      entries.every((e) => e.name.startsWith('functions/detect/')),
      'only detect files in detect.zip',
    ).toBe(true);
    const total = entries.reduce((n, e) => n + e.size, 0);
    console.info(
      `detect.zip: ${entries.map((e) => `${e.name} ${(e.size / 1024).toFixed(1)} KiB`).join(', ')}; total ${(total / 1024).toFixed(1)} KiB`,
    );
    expect(total).toBeLessThanOrEqual(MAX_DETECT_BYTES);
  });

  it('loads the alert delivery clients only with the first alert (a chunk no quiet event imports)', (ctx) => {
    if (skipReason) ctx.skip();
    const files = new Map(
      readZip(readFileSync(join(OUT, 'detect.zip'))).map((e) => [
        e.name.slice('functions/detect/'.length),
        e.read().toString('utf8'),
      ]),
    );
    const delivery = [...files.keys()].filter((f) => f.startsWith('delivery-sinks-'));
    expect(delivery, 'one delivery chunk').toHaveLength(1);
    // What a quiet event loads: the handler, its event schema and runtime chunks, and their static imports.
    const loaded = new Set<string>();
    const visit = (f: string, dynamic: boolean) => {
      if (loaded.has(f)) return;
      loaded.add(f);
      const code = files.get(f) ?? '';
      for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.mjs)"/g)) visit(m[1]!, false);
      if (dynamic)
        for (const m of code.matchAll(/import\("\.\/((?:runtime|event-schema)-[^"]+\.mjs)"\)/g))
          visit(m[1]!, true);
    };
    visit('handler.mjs', true);
    expect(loaded.has('handler.mjs') && [...loaded].some((f) => f.startsWith('runtime-'))).toBe(true);
    expect([...loaded].filter((f) => f.startsWith('delivery-sinks-'))).toEqual([]);
  });
});

describe('the packaged detect artefact', () => {
  let store: EmbeddedStore;
  let stub: AwsStub;
  let handler: (event: unknown, context?: unknown) => Promise<Record<string, number>>;
  const savedEnv = { ...process.env };
  const stdout: string[] = [];
  let bundle = '';

  beforeAll(async () => {
    if (skipReason) return;
    store = await startEmbeddedStore();
    stub = await startAwsStub();
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: store.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(ddb, 'iamwatch-test');
    ddb.destroy();
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
      AWS_ENDPOINT_URL_SNS: stub.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: stub.url,
      AWS_ENDPOINT_URL_SQS: stub.url,
      IAMWATCH_TABLE: 'iamwatch-test',
      IAMWATCH_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:iamwatch-test-alerts',
      IAMWATCH_EVENT_BUS: 'iamwatch-test-alerts',
      IAMWATCH_DEAD_LETTER_URL: `${stub.url}/111122223333/iamwatch-test-alert-delivery-failures`,
      IAMWATCH_BASELINE_CACHE_SECONDS: '0',
      POWERTOOLS_SERVICE_NAME: 'iamwatch',
      POWERTOOLS_METRICS_NAMESPACE: 'iamwatch',
      // As in Lambda: metrics on (test/helpers/setup.ts turns them off for the other tests).
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    // The exact file Lambda would run, next to node_modules so the runtime-provided AWS SDK resolves.
    const dir = join(OUT, 'run-in-process');
    for (const e of readZip(readFileSync(join(OUT, 'detect.zip')))) {
      mkdirSync(join(dir, e.name, '..'), { recursive: true });
      writeFileSync(join(dir, e.name), e.read());
    }
    bundle = join(dir, 'functions/detect/handler.mjs');
    // Powertools writes INFO to stdout and WARN/ERROR to stderr; keep both for assertions.
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout.push(String(chunk));
        return true;
      });
    }
    ({ handler } = await import(pathToFileURL(bundle).href));
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    process.env = savedEnv;
    await stub?.close();
    await store?.close();
  });

  // Bundle size and cold-import time are figures of `npm run bench` (section d), not timed tests.

  const published = () => stub.calls.filter((c) => c.service === 'sns' && c.action === 'Publish');

  it('publishes an alert for a real CreateAccessKey record to SNS and the alerts bus', async (ctx) => {
    if (skipReason) ctx.skip();
    const record = fixture('CreateAccessKey__stratus-red-team.json');
    const summary = await handler(envelope(record));
    expect(summary).toMatchObject({ received: 1, evaluated: 1, parseFailures: 0, deadLettered: 0 });
    expect(summary.published).toBeGreaterThanOrEqual(1);
    const messages = published().map((c) => JSON.parse(String(c.body.Message)));
    expect(messages.map((m) => m.rule)).toContain('access-key-created');
    expect(messages.every((m) => m.eventId === record.eventID)).toBe(true);
    expect(published()[0]!.body.TopicArn).toBe(process.env.IAMWATCH_ALERTS_TOPIC_ARN);
    const put = stub.calls.filter((c) => c.service === 'eventbridge');
    expect(put.length).toBeGreaterThanOrEqual(1);
    expect((put[0]!.body.Entries as Json[])[0]).toMatchObject({
      Source: 'iamwatch',
      DetailType: 'IAM Anomaly',
    });
  });

  it('folds the same event delivered twice into the first alert (DynamoDB dedupe)', async (ctx) => {
    if (skipReason) ctx.skip();
    const before = published().length;
    const summary = await handler(envelope(fixture('CreateAccessKey__stratus-red-team.json')));
    expect(summary.published).toBe(0);
    expect(summary.repeats).toBeGreaterThanOrEqual(1);
    expect(published().length).toBe(before);
  });

  it('logs JSON with the CloudTrail eventID as correlation id and emits EMF metrics', async (ctx) => {
    if (skipReason) ctx.skip();
    const record = fixture('AssumeRoleWithWebIdentity__ccbrown-cloud-snitch__github-actions.json');
    stdout.length = 0;
    const summary = await handler(envelope(record));
    expect(summary.evaluated).toBe(1);
    const lines = stdout
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const finding = lines.find((l) => l.message === 'finding');
    expect(finding).toMatchObject({
      correlation_id: record.eventID,
      rule: 'oidc-role-without-baseline',
      level: 'INFO',
    });
    const emf = lines.filter((l) => l._aws?.CloudWatchMetrics);
    const names = emf.flatMap((l) =>
      l._aws.CloudWatchMetrics.flatMap((m: Json) => m.Metrics.map((x: Json) => x.Name)),
    );
    expect(names).toEqual(
      // Counters with nothing to count are not published (issue 14); the evaluated count goes out with the
      // observations (every invocation here: IAMWATCH_OBSERVATION_FLUSH_SECONDS is not set).
      expect.arrayContaining(['EventsEvaluated', 'Findings']),
    );
    const findings = emf.find((l) => l.rule === 'oidc-role-without-baseline');
    expect(findings).toMatchObject({ severity: 'medium', Findings: 1 });
  });

  it('counts and logs a malformed event instead of throwing', async (ctx) => {
    if (skipReason) ctx.skip();
    stdout.length = 0;
    const summary = await handler({ version: '0', source: 'aws.iam', detail: 'not a record' });
    expect(summary).toMatchObject({ received: 1, evaluated: 0, parseFailures: 1 });
    expect(stdout.join('')).toContain('input rejected');
  });

  it('dead-letters an alert SNS refuses, and still delivers it to the bus', async (ctx) => {
    if (skipReason) ctx.skip();
    stub.failSns(true);
    const busBefore = stub.calls.filter((c) => c.service === 'eventbridge').length;
    try {
      // A record with a new dedupe key: the CreateAccessKey alert above would fold as a repeat.
      const summary = await handler(envelope(fixture('AttachRolePolicy__stratus-red-team.json')));
      expect(summary.deadLettered).toBeGreaterThanOrEqual(1);
      const dlq = stub.calls.filter((c) => c.service === 'sqs');
      expect(dlq.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(String(dlq[0]!.body.MessageBody))).toMatchObject({ sink: 'sns' });
      expect(stub.calls.filter((c) => c.service === 'eventbridge').length).toBeGreaterThan(busBefore);
    } finally {
      stub.failSns(false);
    }
  }, 60_000);

  it('fails open when DynamoDB is unreachable: the alert goes out marked baseline-unavailable', async (ctx) => {
    if (skipReason) ctx.skip();
    await store.close();
    const before = published().length;
    const summary = await handler(envelope(fixture('StopLogging__stratus-red-team.json')));
    expect(summary.published).toBeGreaterThanOrEqual(1);
    const fresh = published()
      .slice(before)
      .map((c) => JSON.parse(String(c.body.Message)));
    expect(fresh.every((a) => a.degraded?.includes('baseline-unavailable'))).toBe(true);
  }, 60_000);
});
