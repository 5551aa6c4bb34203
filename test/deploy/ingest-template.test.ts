/**
 * The packaged stack's S3 mode (issue 15), as `npm run package` produces it (packaged by the global
 * setup with ingestMode=both and a trail bucket): the ingest function, its queue and dead-letter queue,
 * the SQS event source with partial batch responses, and a least-privilege role.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRAIL_BUCKET, TRAIL_PREFIX } from '../deployed/global-setup.js';
import { deployedStack } from '../deployed/harness.js';
import { isAllowed, TEMPLATE_FILE } from '../deployed/template.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped.
type Json = any;

/** The stack's backfill bucket as the harness names it (a bucket without BucketName: iamwatch-<stage>-<id>). */
const BACKFILL_BUCKET = 'iamwatch-dev-backfillbucket';

describe('S3 mode in the packaged stack', () => {
  it('has the ingest function, its queue (redrive to a DLQ) and an SQS source with partial batch responses', () => {
    const stack = deployedStack();
    const fn = stack.functions.ingest;
    expect(fn?.handler).toBe('functions/ingest/handler.handler');
    expect(fn?.env.IAMWATCH_TRAIL_BUCKET).toBe(TRAIL_BUCKET);
    expect(fn?.env.IAMWATCH_TRAIL_PREFIX).toBe(TRAIL_PREFIX);
    const r = stack.resources;
    const queue = r.IngestQueue?.Properties;
    expect(queue?.RedrivePolicy?.maxReceiveCount).toBe(5);
    // At least six times the function's timeout (AWS guidance for SQS sources).
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn?.timeoutSeconds ?? 0));
    const mapping = Object.values(r).find((x) => x.Type === 'AWS::Lambda::EventSourceMapping')
      ?.Properties as Json;
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(JSON.stringify(mapping.EventSourceArn)).toContain('IngestQueue');
  });

  it('gives the ingest role s3:GetObject on the trail prefix only, no listing, no KMS without a key', () => {
    const fn = deployedStack().functions.ingest;
    if (!fn) throw new Error('no ingest function');
    const s3 = fn.statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    // Read the trail; write results-mode backfill alerts under the backfill bucket's results/alerts/ only.
    expect(s3).toEqual([
      {
        effect: 'Allow',
        actions: ['s3:GetObject'],
        resources: [`arn:aws:s3:::${TRAIL_BUCKET}/${TRAIL_PREFIX}*`],
      },
      {
        effect: 'Allow',
        actions: ['s3:PutObject'],
        resources: [`arn:aws:s3:::${BACKFILL_BUCKET}/results/alerts/*`],
      },
    ]);
    expect(fn.env.IAMWATCH_BACKFILL_BUCKET).toBe(BACKFILL_BUCKET);
    expect(
      isAllowed(fn.statements, 's3:PutObject', `arn:aws:s3:::${BACKFILL_BUCKET}/results/alerts/r/b.jsonl`),
    ).toBe(true);
    expect(isAllowed(fn.statements, 's3:PutObject', `arn:aws:s3:::${BACKFILL_BUCKET}/manifests/m.json`)).toBe(
      false,
    );
    expect(
      isAllowed(fn.statements, 's3:GetObject', `arn:aws:s3:::${BACKFILL_BUCKET}/results/alerts/r/b.jsonl`),
    ).toBe(false);
    expect(
      isAllowed(
        fn.statements,
        's3:GetObject',
        `arn:aws:s3:::${TRAIL_BUCKET}/${TRAIL_PREFIX}AWSLogs/x.json.gz`,
      ),
    ).toBe(true);
    expect(isAllowed(fn.statements, 's3:GetObject', `arn:aws:s3:::${TRAIL_BUCKET}/other/x.json.gz`)).toBe(
      false,
    );
    expect(isAllowed(fn.statements, 's3:ListBucket', `arn:aws:s3:::${TRAIL_BUCKET}`)).toBe(false);
    expect(isAllowed(fn.statements, 's3:PutObject', `arn:aws:s3:::${TRAIL_BUCKET}/${TRAIL_PREFIX}x`)).toBe(
      false,
    );
    // kms:Decrypt only on the stack's own alerts key (no trail key was given).
    const kms = fn.statements.filter((s) => s.actions.includes('kms:Decrypt'));
    expect(kms.flatMap((s) => s.resources)).toEqual(['arn:aws:kms:us-east-1:111122223333:key/key-AlertsKey']);
  });

  it('lets only the trail bucket (and the stack rule) send to the ingest queue, in S3 mode only', () => {
    const t = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as Json;
    const policy = t.Resources.IngestQueuePolicy;
    expect(policy.Condition).toBe('IngestFromS3');
    const st = policy.Properties.PolicyDocument.Statement as Json[];
    expect(st.map((s) => s.Principal.Service).sort()).toEqual(['events.amazonaws.com', 's3.amazonaws.com']);
    expect(JSON.stringify(st[0].Condition)).toContain(`s3:::${TRAIL_BUCKET}`);
    expect(t.Resources.TrailObjectCreatedRule.Condition).toBe('IngestFromS3');
    expect(t.Resources.TrailObjectCreatedRule.Properties.EventPattern.detail.object.key).toEqual([
      { prefix: TRAIL_PREFIX },
    ]);
  });
});

describe('ingest modes', () => {
  it('deploys the generated EventBridge rules in every mode but s3 (no event judged twice)', () => {
    const t = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as Json;
    const cond = t.Conditions?.IngestFromEventBridge;
    expect(cond).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['both', 's3'] }] });
    const generated = Object.entries(t.Resources as Record<string, Json>).filter(
      ([id, r]) => r.Type === 'AWS::Events::Rule' && /^(Iam|Sts|SignIn|Service)Events|^RootActivity/.test(id),
    );
    expect(generated.length).toBeGreaterThanOrEqual(5);
    for (const [id, r] of generated) {
      expect(r.Condition, id).toBe('IngestFromEventBridge');
      expect(t.Resources[`${id}Permission`]?.Condition, `${id}Permission`).toBe('IngestFromEventBridge');
    }
    expect(t.Resources.DetectTargetDlqPolicy?.Condition).toBe('IngestFromEventBridge');
  });

  it('tells detect and ingest the mode, so that in both mode each claims an event before judging it', () => {
    const fns = deployedStack().functions;
    expect(fns.detect?.env.IAMWATCH_INGEST_MODE).toBe('both');
    expect(fns.ingest?.env.IAMWATCH_INGEST_MODE).toBe('both');
  });
});

describe('backfill state machine in the packaged stack', () => {
  const definition = () => {
    const stack = deployedStack();
    const sm = stack.resources.BackfillStateMachine;
    expect(sm?.Properties?.StateMachineName).toBe('iamwatch-dev-backfill');
    return JSON.parse(stack.resolve(sm?.Properties?.DefinitionString)) as Json;
  };

  it('is a valid Distributed Map over a manifest, batching keys to the ingest function with bounded concurrency', () => {
    const d = definition();
    const states = d.States as Record<string, Json>;
    expect(Object.keys(states)).toContain(d.StartAt);
    const map = states[d.StartAt];
    expect(map.Type).toBe('Map');
    expect(map.End).toBe(true);
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(map.ItemReader.ReaderConfig.InputType).toBe('JSON');
    expect(map.ItemBatcher.MaxItemsPerBatch).toBeGreaterThan(0);
    // The manifest names the run: a results-mode batch writes its alerts under results/alerts/<run>/.
    expect(map.ItemBatcher.BatchInput).toEqual({
      'bucket.$': '$.trailBucket',
      'output.$': '$.output',
      'manifest.$': '$.manifestKey',
    });
    expect(map.MaxConcurrencyPath).toBe('$.maxConcurrency');
    expect(map.ResultWriter.Resource).toBe('arn:aws:states:::s3:putObject');
    expect(map.ResultWriter.Parameters.Prefix).toBe('results');
    // Every state of the processor is reachable and ends; the task invokes this stack's ingest function.
    const proc = map.ItemProcessor;
    const inner = proc.States as Record<string, Json>;
    for (const [name, s] of Object.entries(inner)) {
      expect(s.End === true || (typeof s.Next === 'string' && s.Next in inner), name).toBe(true);
    }
    const task = inner[proc.StartAt];
    expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(task.Parameters.FunctionName).toBe(
      'arn:aws:lambda:us-east-1:111122223333:function:iamwatch-dev-ingest',
    );
    expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).toContain('IngestBatchError');
  });

  it('gives the state machine role only: invoke ingest, read manifests, write results, run its own children', () => {
    const stack = deployedStack();
    const statements = ((stack.resources.BackfillRole?.Properties?.Policies ?? []) as Json[])
      .flatMap((p) => p.PolicyDocument.Statement)
      .map((s: Json) => stack.resolve(s));
    const actions = statements.flatMap((s: Json) => [s.Action].flat()).sort();
    expect(actions).toEqual(
      [
        'lambda:InvokeFunction',
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:ListMultipartUploadParts',
        's3:PutObject',
        'states:DescribeExecution',
        'states:StartExecution',
        'states:StopExecution',
      ].sort(),
    );
    const get = statements.find((s: Json) => s.Action === 's3:GetObject');
    expect(String(get.Resource)).toMatch(/\/manifests\/\*$/);
    for (const s of statements) expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
  });
});
