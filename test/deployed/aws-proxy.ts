/**
 * One local HTTP endpoint standing in for every AWS API the bundles call. Each request is mapped to its
 * IAM action and resource ARN and checked against the function's role statements: a call the role does
 * not allow is answered as AWS would (AccessDenied) and recorded as a violation. Allowed DynamoDB calls
 * are forwarded to dynalite; SNS, SQS, EventBridge, SSM and Secrets Manager are answered here and kept.
 * Faults (black hole, throttling, 5xx, injected AccessDenied) are set per service.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ACCOUNT, isAllowed, REGION, type Statement } from './template.js';

export type Service = 'dynamodb' | 'sns' | 'sqs' | 'eventbridge' | 'ssm' | 'secretsmanager' | 's3';
export type Fault = 'blackhole' | 'throttle' | '5xx' | 'deny';

export interface ProxyCall {
  service: Service | 'unknown';
  /** IAM action, e.g. `dynamodb:GetItem`. */
  action: string;
  resources: string[];
  allowed: boolean;
  /** Fault injected into this call, if any. */
  fault?: Fault;
  body: Record<string, unknown>;
}

export interface AwsProxy {
  url: string;
  calls: ProxyCall[];
  /** Calls the role did not allow (AccessDenied in AWS) and calls the harness cannot map. */
  violations(): ProxyCall[];
  /** Set or clear the fault of a service. */
  fault(service: Service, fault: Fault | null): void;
  /** SSM parameters the functions may read (SecureString values). */
  parameters: Map<string, string>;
  close(): Promise<void>;
}

const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** IAM action and resources of a DynamoDB request. */
function dynamoTarget(op: string, body: Record<string, unknown>): { action: string; resources: string[] } {
  const table = (n: string) => arn('dynamodb', `table/${n}`);
  const items = body.RequestItems as Record<string, unknown> | undefined;
  if (items) return { action: `dynamodb:${op}`, resources: Object.keys(items).map(table) };
  const t = String(body.TableName ?? '');
  const index = typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
  return { action: `dynamodb:${op}`, resources: [`${table(t)}${index}`] };
}

export async function startAwsProxy(opts: {
  statements: Statement[];
  /** dynalite endpoint to forward allowed DynamoDB calls to. */
  dynamodb: string;
  /** s3rver endpoint to forward allowed S3 calls to (path-style; absent: every object is missing). */
  s3?: string;
}): Promise<AwsProxy> {
  const calls: ProxyCall[] = [];
  const faults = new Map<Service, Fault>();
  const parameters = new Map<string, string>();
  const sockets = new Set<Socket>();
  let n = 0;

  const json = (res: ServerResponse, status: number, body: unknown, type = 'application/x-amz-json-1.0') => {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  };
  const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    );
  };

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    let service: ProxyCall['service'] = 'unknown';
    let action = target || 'unknown';
    let resources: string[] = [];
    let body: Record<string, unknown> = {};
    try {
      if (target.startsWith('DynamoDB_20120810.')) {
        service = 'dynamodb';
        body = JSON.parse(raw.toString('utf8'));
        ({ action, resources } = dynamoTarget(target.split('.')[1]!, body));
      } else if (target.startsWith('AmazonSQS.')) {
        service = 'sqs';
        body = JSON.parse(raw.toString('utf8'));
        const q = String(body.QueueUrl ?? '').split('/');
        action = `sqs:${target.split('.')[1]}`;
        resources = [arn('sqs', q[q.length - 1] ?? '')];
      } else if (target.startsWith('AWSEvents.')) {
        service = 'eventbridge';
        body = JSON.parse(raw.toString('utf8'));
        const op = target.split('.')[1]!;
        action = `events:${op}`;
        const bus = (b: unknown) => {
          const s = typeof b === 'string' && b !== '' ? b : 'default';
          return s.startsWith('arn:') ? s : arn('events', `event-bus/${s}`);
        };
        if (op === 'PutEvents')
          resources = [
            ...new Set(
              ((body.Entries as Array<{ EventBusName?: string }>) ?? []).map((e) => bus(e.EventBusName)),
            ),
          ];
        else {
          const rule = String(body.Name ?? body.Rule ?? '');
          const b = typeof body.EventBusName === 'string' ? body.EventBusName : 'default';
          resources = [arn('events', b === 'default' ? `rule/${rule}` : `rule/${b}/${rule}`)];
        }
      } else if (target.startsWith('AmazonSSM.')) {
        service = 'ssm';
        body = JSON.parse(raw.toString('utf8'));
        action = `ssm:${target.split('.')[1]}`;
        const names = body.Names ? (body.Names as string[]) : [String(body.Name ?? '')];
        resources = names.map((p) => arn('ssm', `parameter${p.startsWith('/') ? '' : '/'}${p}`));
      } else if (target.startsWith('secretsmanager.')) {
        service = 'secretsmanager';
        body = JSON.parse(raw.toString('utf8'));
        action = `secretsmanager:${target.split('.')[1]}`;
        resources = [arn('secretsmanager', `secret:${String(body.SecretId ?? '')}-AbCdEf`)];
      } else if (!target && (req.method === 'GET' || req.method === 'HEAD')) {
        // S3, path-style (the SDK uses it for an IP endpoint): /bucket/key or /bucket?list…
        service = 's3';
        const u = new URL(req.url ?? '/', 'http://x');
        const [, bucket = '', ...rest] = u.pathname.split('/');
        const key = rest.map(decodeURIComponent).join('/');
        if (key) {
          action = 's3:GetObject';
          resources = [`arn:aws:s3:::${bucket}/${key}`];
        } else {
          action = 's3:ListBucket';
          resources = [`arn:aws:s3:::${bucket}`];
        }
      } else if (!target) {
        const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        if (form.Action) {
          service = 'sns';
          body = form;
          action = `sns:${form.Action}`;
          resources = [String(form.TopicArn ?? form.TargetArn ?? '')];
        }
      }
    } catch {
      // unparseable: recorded as unknown below
    }
    const allowed =
      service !== 'unknown' &&
      resources.length > 0 &&
      resources.every((r) => isAllowed(opts.statements, action, r));
    const fault = service === 'unknown' ? undefined : faults.get(service);
    calls.push({ service, action, resources, allowed, body, ...(fault ? { fault } : {}) });

    if (!allowed && service === 's3') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
      return;
    }
    if (!allowed) {
      const msg = `User: arn:aws:sts::${ACCOUNT}:assumed-role/harness is not authorized to perform: ${action} on resource: ${resources.join(', ') || '?'}`;
      if (service === 'sns') return xmlError(res, 403, 'AuthorizationError', msg);
      return json(res, 400, {
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: msg,
        Message: msg,
      });
    }
    if (fault === 'blackhole') return; // accept, never answer
    if (fault === 'deny') {
      const msg = `User is not authorized to perform: ${action} (injected)`;
      if (service === 'sns') return xmlError(res, 403, 'AuthorizationError', msg);
      return json(res, 400, {
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: msg,
        Message: msg,
      });
    }
    if (fault === 'throttle') {
      if (service === 'sns') return xmlError(res, 400, 'Throttling', 'Rate exceeded');
      if (service === 'dynamodb')
        return json(res, 400, {
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded',
        });
      return json(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    }
    if (fault === '5xx') {
      if (service === 'sns') return xmlError(res, 500, 'InternalError', 'stub failure');
      return json(res, 500, { __type: 'InternalFailure', message: 'stub failure' });
    }

    switch (service) {
      case 'dynamodb': {
        const up = new URL(opts.dynamodb);
        const fwd = httpRequest(
          { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 500, r.headers);
            r.pipe(res);
          },
        );
        fwd.on('error', () => json(res, 500, { __type: 'InternalFailure', message: 'dynalite unreachable' }));
        fwd.end(raw);
        return;
      }
      case 's3': {
        if (!opts.s3) {
          res.writeHead(404, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>',
          );
          return;
        }
        // Forwarded anonymously: the role was checked here, s3rver serves what it holds.
        const up = new URL(opts.s3);
        const u = new URL(req.url ?? '/', 'http://x');
        for (const k of [...u.searchParams.keys()]) if (k.startsWith('X-Amz-')) u.searchParams.delete(k);
        const fwd = httpRequest(
          { host: up.hostname, port: up.port, method: req.method, path: `${u.pathname}${u.search}` },
          (r) => {
            res.writeHead(r.statusCode ?? 500, r.headers);
            r.pipe(res);
          },
        );
        fwd.on('error', () => {
          res.writeHead(500);
          res.end();
        });
        fwd.end();
        return;
      }
      case 'sns':
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></PublishResponse>`,
        );
        return;
      case 'sqs': {
        const md5 = createHash('md5')
          .update(String(body.MessageBody ?? ''))
          .digest('hex');
        return json(res, 200, { MessageId: id, MD5OfMessageBody: md5 });
      }
      case 'eventbridge': {
        if (action === 'events:PutEvents')
          return json(
            res,
            200,
            {
              FailedEntryCount: 0,
              Entries: ((body.Entries as unknown[]) ?? []).map(() => ({ EventId: id })),
            },
            'application/x-amz-json-1.1',
          );
        return json(
          res,
          400,
          { __type: 'ResourceNotFoundException', message: 'Rule does not exist.' },
          'application/x-amz-json-1.1',
        );
      }
      case 'ssm': {
        const name = String(body.Name ?? '');
        const value = parameters.get(name);
        if (value === undefined)
          return json(
            res,
            400,
            { __type: 'ParameterNotFound', message: 'not found' },
            'application/x-amz-json-1.1',
          );
        return json(
          res,
          200,
          { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1, ARN: resources[0] } },
          'application/x-amz-json-1.1',
        );
      }
      case 'secretsmanager':
        return json(
          res,
          400,
          { __type: 'ResourceNotFoundException', message: 'not found' },
          'application/x-amz-json-1.1',
        );
      default:
        res.writeHead(400);
        res.end('unknown request');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    violations: () => calls.filter((c) => !c.allowed),
    fault: (s, f) => {
      if (f) faults.set(s, f);
      else faults.delete(s);
    },
    parameters,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A port that refuses connections (listened on, then closed). */
export async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
