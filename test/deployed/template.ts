/**
 * The packaged stack as the harness sees it: `.serverless/cloudformation-template-update-stack.json`
 * with its intrinsics resolved to a fixed account and region, one entry per Lambda function (handler,
 * zip, timeout, memory, environment, role statements), and a small IAM policy evaluator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; the harness reads it loosely.
type Json = any;

export const ROOT = new URL('../..', import.meta.url).pathname;
export const PACKAGE_DIR = join(ROOT, '.serverless');
export const TEMPLATE_FILE = join(PACKAGE_DIR, 'cloudformation-template-update-stack.json');
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
const PARTITION = 'aws';

export interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface DeployedFunction {
  logicalId: string;
  /** Function name (`iamwatch-dev-detect`). */
  name: string;
  /** `functions/detect/handler.handler` */
  handler: string;
  zip: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** `arm64` or `x86_64`. */
  architecture: string;
  /** LoggingConfig (advanced logging controls), as in the template; {} when absent. */
  logging: { LogFormat?: string; ApplicationLogLevel?: string; SystemLogLevel?: string };
  /** The template's environment variables, intrinsics resolved. */
  env: Record<string, string>;
  /** Statements of the role's inline policies, intrinsics resolved. */
  statements: Statement[];
}

export interface DeployedStack {
  resources: Record<string, { Type: string; Properties?: Json; Condition?: string }>;
  functions: Record<string, DeployedFunction>;
  /** Resolve an intrinsic value against this stack. */
  resolve(v: Json): Json;
}

/** `Ref: AWS::NoValue` (and an `Fn::If` branch choosing it): the property or item is absent. */
const NO_VALUE = Symbol('AWS::NoValue');

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Loads and resolves the packaged template (throws when `npm run package` has not produced it). */
export function loadStack(file = TEMPLATE_FILE): DeployedStack {
  const template = JSON.parse(readFileSync(file, 'utf8')) as {
    Resources: DeployedStack['resources'];
    Conditions?: Record<string, Json>;
  };
  const res = template.Resources;
  const conditions = template.Conditions ?? {};
  const arn = (service: string, rest: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${rest}`;

  const ref = (id: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': PARTITION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'iamwatch-dev',
    };
    if (pseudo[id]) return pseudo[id];
    const r = res[id];
    if (!r) throw new Error(`template: Ref to unknown resource ${id}`);
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return p.TableName;
      case 'AWS::SNS::Topic':
        return arn('sns', p.TopicName);
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${p.QueueName}`;
      case 'AWS::Events::EventBus':
        return p.Name;
      case 'AWS::Lambda::Function':
        return p.FunctionName;
      case 'AWS::KMS::Key':
        return `key-${id}`;
      case 'AWS::IAM::Role':
        return p.RoleName ?? id;
      case 'AWS::S3::Bucket':
        return p.BucketName ?? `iamwatch-dev-${id.toLowerCase()}`;
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${p.StateMachineName}`);
      default:
        throw new Error(`template: Ref to ${r.Type} (${id}) is not modelled by the harness`);
    }
  };

  const getAtt = (id: string, att: string): string => {
    const r = res[id];
    if (!r) throw new Error(`template: GetAtt of unknown resource ${id}`);
    const p = r.Properties ?? {};
    const key = `${r.Type}.${att}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${p.TableName}`);
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', p.QueueName);
      case 'AWS::SQS::Queue.QueueName':
        return p.QueueName;
      case 'AWS::SQS::Queue.QueueUrl':
        return ref(id);
      case 'AWS::SNS::Topic.TopicArn':
        return ref(id);
      case 'AWS::Events::EventBus.Arn':
        return arn('events', `event-bus/${p.Name}`);
      case 'AWS::Events::EventBus.Name':
        return p.Name;
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/key-${id}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${p.FunctionName}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:${PARTITION}:s3:::${ref(id)}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${p.RoleName ?? id}`;
      default:
        throw new Error(`template: GetAtt ${id}.${att} (${r.Type}) is not modelled by the harness`);
    }
  };

  /** A condition of the template (Fn::Equals/Not/And/Or/Condition over resolved values). */
  const condition = (c: Json): boolean => {
    const [k] = Object.keys(c ?? {});
    const a = c[k!];
    switch (k) {
      case 'Condition':
        return condition(conditions[a]);
      case 'Fn::Equals':
        return resolve(a[0]) === resolve(a[1]);
      case 'Fn::Not':
        return !condition(a[0]);
      case 'Fn::And':
        return (a as Json[]).every(condition);
      case 'Fn::Or':
        return (a as Json[]).some(condition);
      default:
        throw new Error(`template: condition ${k} is not modelled by the harness`);
    }
  };
  const isNoValue = (v: Json) => v !== null && typeof v === 'object' && v.Ref === 'AWS::NoValue';

  const resolve = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(resolve).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const k = keys[0]!;
      const a = v[k];
      if (isNoValue(v)) return NO_VALUE;
      if (k === 'Fn::If') {
        const name = String(a[0]);
        if (!(name in conditions)) throw new Error(`template: unknown condition ${name}`);
        return resolve(condition(conditions[name]) ? a[1] : a[2]);
      }
      if (k === 'Ref') return ref(a);
      if (k === 'Fn::GetAtt') {
        const [id, att] = Array.isArray(a) ? a : String(a).split('.');
        return getAtt(id, att);
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(a) ? [a[0], resolve(a[1] ?? {})] : [a, {}];
        return String(text).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (vars[name] !== undefined) return String(vars[name]);
          if (name.includes('.') && !name.startsWith('AWS::')) {
            const [id, att] = name.split('.');
            return getAtt(id!, att!);
          }
          return ref(name);
        });
      }
      if (k === 'Fn::Join') return (resolve(a[1]) as string[]).join(a[0]);
      if (k.startsWith('Fn::')) throw new Error(`template: ${k} is not modelled by the harness`);
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(v[key])]).filter(([, x]) => x !== NO_VALUE));
  };

  const functions: Record<string, DeployedFunction> = {};
  for (const [id, r] of Object.entries(res)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties ?? {};
    const roleId = p.Role?.['Fn::GetAtt']?.[0];
    const role = roleId ? res[roleId] : undefined;
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${id}: role is not a role of this stack`);
    const statements: Statement[] = [];
    for (const pol of asList<Json>(role.Properties?.Policies)) {
      for (const st of asList<Json>(pol.PolicyDocument?.Statement)) {
        const s = resolve(st);
        if (s === NO_VALUE) continue;
        statements.push({
          effect: s.Effect,
          actions: asList<string>(s.Action),
          resources: asList<string>(s.Resource),
        });
      }
    }
    // Policies attached as separate resources (AWS::IAM::Policy naming the role) count too.
    for (const [, pr] of Object.entries(res)) {
      if (pr.Type !== 'AWS::IAM::Policy') continue;
      if (!JSON.stringify(pr.Properties?.Roles ?? []).includes(`"${roleId}"`)) continue;
      for (const st of asList<Json>(pr.Properties?.PolicyDocument?.Statement)) {
        const s = resolve(st);
        statements.push({
          effect: s.Effect,
          actions: asList<string>(s.Action),
          resources: asList<string>(s.Resource),
        });
      }
    }
    const name: string = p.FunctionName;
    const short = name.replace(/^iamwatch-[^-]+-/, '');
    functions[short] = {
      logicalId: id,
      name,
      handler: p.Handler,
      zip: join(PACKAGE_DIR, String(p.Code?.S3Key).split('/').pop()!),
      timeoutSeconds: p.Timeout ?? 6,
      memoryMb: p.MemorySize ?? 1024,
      architecture: asList<string>(p.Architectures)[0] ?? 'x86_64',
      logging: p.LoggingConfig ?? {},
      env: resolve(p.Environment?.Variables ?? {}),
      statements,
    };
  }
  return { resources: res, functions, resolve };
}

/** IAM wildcard match (`*` any run, `?` one character), case-sensitive like resources. */
function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '').test(value);
}

/**
 * IAM evaluation of identity-based statements: an explicit Deny wins, otherwise one Allow whose
 * action (case-insensitive) and resource match is needed.
 */
export function isAllowed(statements: Statement[], action: string, resource: string): boolean {
  const matches = (s: Statement) =>
    s.actions.some((a) => globMatch(a, action, true)) && s.resources.some((r) => globMatch(r, resource));
  if (statements.some((s) => s.effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.effect === 'Allow' && matches(s));
}
