/**
 * A local stand-in for the AWS APIs the detect function calls besides DynamoDB: SNS Publish (query
 * protocol, XML), EventBridge PutEvents and SQS SendMessage (JSON protocols). One HTTP server on
 * 127.0.0.1; point AWS_ENDPOINT_URL_SNS / _EVENTBRIDGE / _SQS at it.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubCall {
  service: 'sns' | 'eventbridge' | 'sqs';
  action: string;
  /** Form fields (SNS) or JSON body (EventBridge, SQS). */
  body: Record<string, unknown>;
}

export interface AwsStub {
  url: string;
  calls: StubCall[];
  /** Make SNS answer 500 (InternalError) from now on, or answer normally again. */
  failSns(fail: boolean): void;
  close(): Promise<void>;
}

export async function startAwsStub(): Promise<AwsStub> {
  const calls: StubCall[] = [];
  let snsFails = false;
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      if (target.startsWith('AWSEvents.')) {
        const body = JSON.parse(raw) as { Entries?: unknown[] };
        calls.push({ service: 'eventbridge', action: target.slice('AWSEvents.'.length), body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({ FailedEntryCount: 0, Entries: (body.Entries ?? []).map(() => ({ EventId: id })) }),
        );
        return;
      }
      if (target.startsWith('AmazonSQS.')) {
        const body = JSON.parse(raw) as { MessageBody?: string };
        calls.push({ service: 'sqs', action: target.slice('AmazonSQS.'.length), body });
        const md5 = createHash('md5')
          .update(body.MessageBody ?? '')
          .digest('hex');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: id, MD5OfMessageBody: md5 }));
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      calls.push({ service: 'sns', action: String(form.Action), body: form });
      if (snsFails) {
        res.writeHead(500, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalError</Code><Message>stub failure</Message></Error><RequestId>r</RequestId></ErrorResponse>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failSns: (f) => {
      snsFails = f;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
