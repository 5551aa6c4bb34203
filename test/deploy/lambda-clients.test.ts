/**
 * The small SNS, SQS and EventBridge clients of the Lambda bundles (infra/lambda-clients, put in place of
 * the SDK clients by infra/esbuild-plugins.cjs) send the same requests as the SDK clients and fail the
 * way the adapters expect: checked side by side against a local capturing server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sdkEventBridge from '@aws-sdk/client-eventbridge';
import * as sdkSns from '@aws-sdk/client-sns';
import * as sdkSqs from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: the clients are plain JavaScript modules; read loosely.
type Any = any;
const load = (name: string): Promise<Any> =>
  import(pathToFileURL(join(import.meta.dirname, '../../infra/lambda-clients', `${name}.mjs`)).href);

interface Captured {
  headers: IncomingMessage['headers'];
  body: string;
}
type Reply = (res: ServerResponse, req: Captured) => void;

let server: Server;
let url = '';
const captured: Captured[] = [];
let reply: Reply = (res) => res.end('{}');

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const c = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      captured.push(c);
      reply(res, c);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const config = () => ({
  region: 'eu-west-1',
  endpoint: url,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
});

/** Sends `input` through the SDK's client and the small one; the two captured requests. */
async function both(
  sdk: { Client: Any; Command: Any },
  small: { Client: Any; Command: Any },
  input: unknown,
): Promise<[Captured, Captured, Any, Any]> {
  captured.length = 0;
  const a = new sdk.Client(config());
  const b = new small.Client(config());
  try {
    const outA = await a.send(new sdk.Command(input));
    const outB = await b.send(new small.Command(input));
    expect(captured).toHaveLength(2);
    return [captured[0]!, captured[1]!, outA, outB];
  } finally {
    a.destroy();
    b.destroy();
  }
}

const json = (status: number, body: unknown, type: string, headers: Record<string, string> = {}): Reply => {
  return (res) => {
    res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': 'req-1', ...headers });
    res.end(JSON.stringify(body));
  };
};

const signedFor = (c: Captured, service: string) =>
  expect(String(c.headers.authorization)).toMatch(
    new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/${service}/aws4_request, `),
  );

describe('small Lambda clients: the same requests as the SDK', () => {
  it('SNS Publish: the same form, signed for sns; MessageId read from the XML answer', async () => {
    const small = await load('sns');
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1&amp;2</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
      );
    };
    const input = {
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts.fifo',
      Message: '{"rule":"x","text":"a & b <c> é"}',
      Subject: 'iamwatch: high',
      MessageGroupId: 'iamwatch-team',
      MessageDeduplicationId: 'abc',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        team: { DataType: 'String', StringValue: 'platform & co' },
      },
    };
    const [a, b, outA, outB] = await both(
      { Client: sdkSns.SNSClient, Command: sdkSns.PublishCommand },
      { Client: small.SNSClient, Command: small.PublishCommand },
      input,
    );
    const form = (c: Captured) => Object.fromEntries(new URLSearchParams(c.body));
    expect(form(b)).toEqual(form(a));
    expect(b.headers['content-type']).toBe(a.headers['content-type']);
    signedFor(b, 'sns');
    expect(outB.MessageId).toBe(outA.MessageId);
    expect(outB.MessageId).toBe('m-1&2');
  });

  it('EventBridge PutEvents: the same target and JSON (Time in epoch seconds), signed for events', async () => {
    const small = await load('eventbridge');
    reply = json(200, { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }, 'application/x-amz-json-1.1');
    const input = {
      Entries: [
        {
          EventBusName: 'iamwatch-alerts',
          Source: 'iamwatch',
          DetailType: 'iamwatch alert',
          Detail: '{"a":1}',
          Time: new Date('2026-12-01T10:02:03.500Z'),
        },
      ],
    };
    const [a, b, outA, outB] = await both(
      { Client: sdkEventBridge.EventBridgeClient, Command: sdkEventBridge.PutEventsCommand },
      { Client: small.EventBridgeClient, Command: small.PutEventsCommand },
      input,
    );
    expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
    expect(b.headers['x-amz-target']).toBe(a.headers['x-amz-target']);
    expect(b.headers['content-type']).toBe(a.headers['content-type']);
    signedFor(b, 'events');
    expect(outB.Entries).toEqual(outA.Entries);
    expect(outB.$metadata.httpStatusCode).toBe(200);
  });

  it('SQS SendMessage: the same target and JSON, signed for sqs; a wrong MD5 fails like the SDK', async () => {
    const small = await load('sqs');
    const { createHash } = await import('node:crypto');
    reply = (res, req) => {
      const body = JSON.parse(req.body) as { MessageBody: string };
      json(
        200,
        { MessageId: 'q-1', MD5OfMessageBody: createHash('md5').update(body.MessageBody).digest('hex') },
        'application/x-amz-json-1.0',
      )(res, req);
    };
    const input = {
      QueueUrl: `${url}/111122223333/iamwatch-dlq`,
      MessageBody: '{"alert":"é"}',
      MessageAttributes: { sink: { DataType: 'String', StringValue: 'sns' } },
    };
    const [a, b, outA, outB] = await both(
      { Client: sdkSqs.SQSClient, Command: sdkSqs.SendMessageCommand },
      { Client: small.SQSClient, Command: small.SendMessageCommand },
      input,
    );
    expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
    expect(b.headers['x-amz-target']).toBe(a.headers['x-amz-target']);
    signedFor(b, 'sqs');
    expect(outB.MessageId).toBe(outA.MessageId);

    reply = json(200, { MessageId: 'q-2', MD5OfMessageBody: '0'.repeat(32) }, 'application/x-amz-json-1.0');
    const c = new small.SQSClient(config());
    await expect(c.send(new small.SendMessageCommand(input))).rejects.toThrow(/MD5/);
    c.destroy();
  });
});

describe('small Lambda clients: errors as the adapters read them', () => {
  it('a JSON protocol error has the SDK name, fault, status and message', async () => {
    const small = await load('sqs');
    reply = json(
      400,
      { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
      'application/x-amz-json-1.0',
      { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
    );
    const input = { QueueUrl: `${url}/111122223333/gone`, MessageBody: 'x' };
    const sdk = new sdkSqs.SQSClient(config());
    const mine = new small.SQSClient(config());
    const errA: Any = await sdk.send(new sdkSqs.SendMessageCommand(input)).catch((e: unknown) => e);
    const errB: Any = await mine.send(new small.SendMessageCommand(input)).catch((e: unknown) => e);
    sdk.destroy();
    mine.destroy();
    expect(errB).toBeInstanceOf(Error);
    expect({
      name: errB.name,
      fault: errB.$fault,
      status: errB.$metadata.httpStatusCode,
      message: errB.message,
    }).toEqual({
      name: errA.name,
      fault: errA.$fault,
      status: errA.$metadata.httpStatusCode,
      message: errA.message,
    });
    expect(errB.name).toBe('QueueDoesNotExist');
  });

  it('a 5xx is a server fault; the error code names it', async () => {
    const small = await load('eventbridge');
    reply = json(500, { __type: 'InternalException', message: 'boom' }, 'application/x-amz-json-1.1');
    const c = new small.EventBridgeClient(config());
    const err: Any = await c.send(new small.PutEventsCommand({ Entries: [] })).catch((e: unknown) => e);
    c.destroy();
    expect([err.name, err.$fault, err.$metadata.httpStatusCode, err.message]).toEqual([
      'InternalException',
      'server',
      500,
      'boom',
    ]);
  });

  it('an SNS XML error is named by its code, with its message and status', async () => {
    const small = await load('sns');
    reply = (res) => {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>User is not authorized &lt;x&gt;</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    };
    const c = new small.SNSClient(config());
    const err: Any = await c
      .send(new small.PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:t', Message: 'm' }))
      .catch((e: unknown) => e);
    c.destroy();
    expect([err.name, err.$fault, err.$metadata.httpStatusCode, err.message]).toEqual([
      'AuthorizationError',
      'client',
      403,
      'User is not authorized <x>',
    ]);
  });

  it('a request that is never answered fails with TimeoutError within the request timeout', async () => {
    const small = await load('sns');
    reply = () => {}; // accept, never answer
    const c = new small.SNSClient({
      ...config(),
      requestHandler: { connectionTimeout: 1000, requestTimeout: 200, throwOnRequestTimeout: true },
    });
    const err: Any = await c
      .send(new small.PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:t', Message: 'm' }))
      .catch((e: unknown) => e);
    c.destroy();
    expect(err.name).toBe('TimeoutError');
  });

  it('refuses a Publish field it does not serialise rather than dropping it', async () => {
    const small = await load('sns');
    const c = new small.SNSClient(config());
    await expect(
      c.send(new small.PublishCommand({ TopicArn: 't', Message: 'm', MessageAttributes: {}, Foo: 1 })),
    ).rejects.toThrow(/Foo is not supported/);
    c.destroy();
  });
});

describe('small Lambda document client: the same marshalling as @aws-sdk/lib-dynamodb', () => {
  const item = {
    pk: 'ID#arn:aws:iam::111122223333:role/x',
    sk: 'OBS#2026-12-01',
    n: 42,
    f: 1.5,
    b: true,
    nul: null,
    gone: undefined,
    tags: ['a', { k: 'v', deep: [1, 'two', false] }],
    set: new Set(['x', 'y']),
    m: { a: { b: { c: 'd' } }, empty: {} },
  };
  const stored = {
    pk: { S: 'p' },
    sk: { S: 's' },
    n: { N: '42' },
    b: { BOOL: true },
    nul: { NULL: true },
    l: { L: [{ S: 'a' }, { M: { k: { S: 'v' } } }] },
    ss: { SS: ['x', 'y'] },
  };
  const cases: Array<[string, unknown, unknown]> = [
    ['GetCommand', { TableName: 't', Key: { pk: 'p', sk: 's' }, ConsistentRead: true }, { Item: stored }],
    [
      'PutCommand',
      {
        TableName: 't',
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': 1764583200 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
      {},
    ],
    [
      'UpdateCommand',
      {
        TableName: 't',
        Key: { pk: 'p', sk: 's' },
        UpdateExpression: 'ADD #c :one SET #l = list_append(if_not_exists(#l, :e), :v)',
        ExpressionAttributeNames: { '#c': 'count', '#l': 'l' },
        ExpressionAttributeValues: { ':one': 1, ':e': [], ':v': [{ at: 'x' }] },
        ReturnValues: 'ALL_NEW',
      },
      { Attributes: stored },
    ],
    [
      'DeleteCommand',
      { TableName: 't', Key: { pk: 'p', sk: 's' }, ReturnValues: 'ALL_OLD' },
      { Attributes: stored },
    ],
    [
      'QueryCommand',
      {
        TableName: 't',
        IndexName: 'gsi1',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': 'p', ':p': 'OBS#' },
        ExclusiveStartKey: { pk: 'p', sk: 'OBS#1' },
        Limit: 2,
      },
      { Items: [stored, stored], Count: 2, LastEvaluatedKey: { pk: { S: 'p' }, sk: { S: 'OBS#2' } } },
    ],
    [
      'BatchGetCommand',
      {
        RequestItems: {
          t: {
            Keys: [
              { pk: 'p', sk: 's' },
              { pk: 'q', sk: 's' },
            ],
          },
        },
      },
      { Responses: { t: [stored] }, UnprocessedKeys: { t: { Keys: [{ pk: { S: 'q' }, sk: { S: 's' } }] } } },
    ],
    [
      'BatchWriteCommand',
      {
        RequestItems: {
          t: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: { pk: 'p', sk: 's' } } }],
        },
      },
      { UnprocessedItems: { t: [{ PutRequest: { Item: stored } }] } },
    ],
  ];

  it.each(cases)('%s: the same request body and the same output', async (name, input, answer) => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const lib: Any = await import('@aws-sdk/lib-dynamodb');
    const small = await load('lib-dynamodb');
    reply = json(200, answer, 'application/x-amz-json-1.0');
    const options = { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } };
    const out: Any[] = [];
    captured.length = 0;
    for (const mod of [lib, small]) {
      const client = new DynamoDBClient(config());
      const doc = mod.DynamoDBDocumentClient.from(client, options);
      const { $metadata: _, ...rest } = await doc.send(new mod[name](input));
      out.push(rest);
      client.destroy();
    }
    expect(captured).toHaveLength(2);
    expect(captured[1]!.headers['x-amz-target']).toBe(captured[0]!.headers['x-amz-target']);
    expect(JSON.parse(captured[1]!.body)).toEqual(JSON.parse(captured[0]!.body));
    expect(out[1]).toEqual(out[0]);
  });
});

describe('small DynamoDB client: the same requests and answers as @aws-sdk/client-dynamodb', () => {
  const key = { pk: { S: 'ID#arn:aws:iam::111122223333:role/x' }, sk: { S: 'ID' } };
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  /** An item with every AttributeValue type, binary ones at the top and nested in a list and a map. */
  const stored = {
    ...key,
    n: { N: '42.5' },
    s: { S: 'é "quoted" \\ back' },
    b: { B: Buffer.from('bin\u0000ary').toString('base64') },
    bs: { BS: [Buffer.from('one').toString('base64'), Buffer.from('two').toString('base64')] },
    l: { L: [{ B: Buffer.from('in list').toString('base64') }, { NULL: true }, { BOOL: false }] },
    m: { M: { deep: { M: { b: { B: Buffer.from('in map').toString('base64') } } }, ns: { NS: ['1', '2'] } } },
    ss: { SS: ['x', 'y'] },
  };
  const cases: Array<[string, string, unknown, unknown]> = [
    ['GetItem', 'GetItemCommand', { TableName: 't', Key: key, ConsistentRead: true }, { Item: stored }],
    [
      'Query',
      'QueryCommand',
      {
        TableName: 't',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
        ExpressionAttributeValues: { ':pk': { S: 'BASELINE' }, ':id': { S: 'ID#' } },
        ExclusiveStartKey: key,
        ConsistentRead: false,
        Limit: 2,
      },
      { Items: [stored, key], Count: 2, ScannedCount: 2, LastEvaluatedKey: key },
    ],
    [
      'PutItem',
      'PutItemCommand',
      {
        TableName: 't',
        Item: { ...key, b: { B: bytes('written') }, bs: { BS: [bytes('a'), bytes('b')] }, n: { N: '1' } },
        ConditionExpression: 'attribute_not_exists(pk) OR #rank < :rank',
        ExpressionAttributeNames: { '#rank': 'rank' },
        ExpressionAttributeValues: { ':rank': { N: '3' } },
      },
      {},
    ],
    [
      'UpdateItem',
      'UpdateItemCommand',
      {
        TableName: 't',
        Key: key,
        UpdateExpression: 'ADD #c :one',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      },
      { Attributes: stored },
    ],
    [
      'BatchGetItem',
      'BatchGetItemCommand',
      { RequestItems: { t: { Keys: [key, key], ConsistentRead: true } } },
      { Responses: { t: [stored] }, UnprocessedKeys: { t: { Keys: [stored] } } },
    ],
    [
      'BatchWriteItem',
      'BatchWriteItemCommand',
      { RequestItems: { t: [{ PutRequest: { Item: key } }, { DeleteRequest: { Key: key } }] } },
      { UnprocessedItems: { t: [{ PutRequest: { Item: stored } }, { DeleteRequest: { Key: stored } }] } },
    ],
  ];

  it.each(cases)(
    '%s: the same target, JSON and signature scope; the same answer',
    async (op, name, input, answer) => {
      const sdk: Any = await import('@aws-sdk/client-dynamodb');
      const small = await load('client-dynamodb');
      reply = json(200, answer, 'application/x-amz-json-1.0');
      const [a, b, outA, outB] = await both(
        { Client: sdk.DynamoDBClient, Command: sdk[name] },
        { Client: small.DynamoDBClient, Command: small[name] },
        input,
      );
      expect(b.headers['x-amz-target']).toBe(`DynamoDB_20120810.${op}`);
      expect(b.headers['x-amz-target']).toBe(a.headers['x-amz-target']);
      expect(b.headers['content-type']).toBe(a.headers['content-type']);
      expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
      signedFor(b, 'dynamodb');
      const { $metadata: metaA, ...restA } = outA;
      const { $metadata: metaB, ...restB } = outB;
      expect(restB).toEqual(restA);
      expect(metaB.httpStatusCode).toBe(metaA.httpStatusCode);
    },
  );

  it('binary values come back as bytes, as from the SDK client', async () => {
    const small = await load('client-dynamodb');
    reply = json(200, { Item: stored }, 'application/x-amz-json-1.0');
    const c = new small.DynamoDBClient(config());
    const out: Any = await c.send(new small.GetItemCommand({ TableName: 't', Key: key }));
    c.destroy();
    expect(out.Item.b.B).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out.Item.b.B).toString('utf8')).toBe('bin\u0000ary');
    expect(out.Item.bs.BS.map((x: Uint8Array) => Buffer.from(x).toString('utf8'))).toEqual(['one', 'two']);
    expect(Buffer.from(out.Item.m.M.deep.M.b.B).toString('utf8')).toBe('in map');
  });

  it('under the small document client, items read as with the SDK client', async () => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const lib: Any = await import('@aws-sdk/lib-dynamodb');
    const smallDoc = await load('lib-dynamodb');
    const small = await load('client-dynamodb');
    reply = json(200, { Items: [stored, stored], Count: 2 }, 'application/x-amz-json-1.0');
    const input = {
      TableName: 't',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'BASELINE' },
    };
    const a = new DynamoDBClient(config());
    const b = new small.DynamoDBClient(config());
    try {
      const { $metadata: _a, ...outA } = await lib.DynamoDBDocumentClient.from(a).send(
        new lib.QueryCommand(input),
      );
      const { $metadata: _b, ...outB } = await smallDoc.DynamoDBDocumentClient.from(b).send(
        new smallDoc.QueryCommand(input),
      );
      expect(outB).toEqual(outA);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  const errorCases: Array<[string, number, Record<string, unknown>, Record<string, string>]> = [
    [
      'a lost condition',
      400,
      {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
      {},
    ],
    [
      'throttling named by the header',
      400,
      {
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'slow down',
      },
      { 'x-amzn-errortype': 'ProvisionedThroughputExceededException:http://internal.amazon.com/' },
    ],
    [
      'access denied',
      400,
      { __type: 'com.amazon.coral.service#AccessDeniedException', Message: 'denied' },
      {},
    ],
    [
      'a server error',
      500,
      { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'x' },
      {},
    ],
  ];

  it.each(errorCases)('%s: the SDK name, fault, status and message', async (_what, status, body, headers) => {
    const sdk: Any = await import('@aws-sdk/client-dynamodb');
    const small = await load('client-dynamodb');
    reply = json(status, body, 'application/x-amz-json-1.0', headers);
    const input = { TableName: 't', Item: key, ConditionExpression: 'attribute_not_exists(pk)' };
    const a = new sdk.DynamoDBClient(config());
    const b = new small.DynamoDBClient(config());
    const errA: Any = await a.send(new sdk.PutItemCommand(input)).catch((e: unknown) => e);
    const errB: Any = await b.send(new small.PutItemCommand(input)).catch((e: unknown) => e);
    a.destroy();
    b.destroy();
    expect(errB).toBeInstanceOf(Error);
    const seen = (e: Any) => ({
      name: e.name,
      fault: e.$fault,
      status: e.$metadata.httpStatusCode,
      message: e.message,
    });
    expect(seen(errB)).toEqual(seen(errA));
  });

  it('FIPS or dual-stack asked for without an endpoint: refused, naming the variable, nothing sent', async () => {
    const small = await load('client-dynamodb');
    const names = [
      'AWS_ENDPOINT_URL',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_USE_FIPS_ENDPOINT',
      'AWS_USE_DUALSTACK_ENDPOINT',
    ];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    try {
      for (const k of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB']) delete process.env[k];
      for (const v of ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']) {
        process.env[v] = 'true';
        captured.length = 0;
        const { endpoint: _, ...noEndpoint } = config();
        const c = new small.DynamoDBClient(noEndpoint);
        await expect(c.send(new small.GetItemCommand({ TableName: 't', Key: key }))).rejects.toThrow(
          new RegExp(`${v}=true is not supported .* AWS_ENDPOINT_URL_DYNAMODB`),
        );
        c.destroy();
        expect(captured).toHaveLength(0);
        delete process.env[v];
      }
    } finally {
      for (const [n, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[n];
        else process.env[n] = v;
      }
    }
  });

  it('a request that is never answered fails with TimeoutError within the request timeout', async () => {
    const small = await load('client-dynamodb');
    reply = () => {}; // accept, never answer
    const c = new small.DynamoDBClient({
      ...config(),
      requestHandler: { connectionTimeout: 1000, requestTimeout: 200, throwOnRequestTimeout: true },
    });
    const err: Any = await c
      .send(new small.GetItemCommand({ TableName: 't', Key: key }))
      .catch((e: unknown) => e);
    c.destroy();
    expect(err.name).toBe('TimeoutError');
  });
});
