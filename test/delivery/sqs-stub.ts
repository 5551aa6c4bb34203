/**
 * A tiny SQS stand-in: a real HTTP server on 127.0.0.1 (ephemeral port) speaking the SQS JSON protocol
 * (`x-amz-target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`) for the actions redrive uses:
 * GetQueueUrl, ReceiveMessage, DeleteMessage, ChangeMessageVisibility, SendMessage. Visibility is kept on
 * the wall clock; a test makes messages visible again with {@link SqsStub.expireVisibility}.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubMessage {
  id: string;
  body: string;
  receipt: string | null;
  invisibleUntil: number;
  receiveCount: number;
}

export interface SqsStub {
  endpoint: string;
  queueUrl(name: string): string;
  /** Messages per queue name (create a queue with {@link addQueue}). */
  queues: Map<string, StubMessage[]>;
  addQueue(name: string, bodies?: string[]): void;
  /** Action names in order. */
  calls: string[];
  /** Fail the next N DeleteMessage calls with a 500. */
  failDeletes: number;
  expireVisibility(): void;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export async function startSqsStub(): Promise<SqsStub> {
  const stub: SqsStub = {
    endpoint: '',
    queueUrl: (name) => `${stub.endpoint}/000000000000/${name}`,
    queues: new Map(),
    addQueue(name, bodies = []) {
      stub.queues.set(
        name,
        bodies.map((body) => ({ id: randomUUID(), body, receipt: null, invisibleUntil: 0, receiveCount: 0 })),
      );
    },
    calls: [],
    failDeletes: 0,
    expireVisibility() {
      for (const q of stub.queues.values())
        for (const m of q) {
          m.invisibleUntil = 0;
        }
    },
    close: async () => {},
  };
  const queueOf = (url: unknown) => {
    const name = typeof url === 'string' ? url.slice(url.lastIndexOf('/') + 1) : '';
    return stub.queues.get(name);
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
      stub.calls.push(action);
      const input = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const send = (status: number, body: unknown, errorCode?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          ...(errorCode ? { 'x-amzn-query-error': `AWS.SimpleQueueService.${errorCode};Sender` } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const fail = (code: string, message: string, status = 400) =>
        send(status, { __type: `com.amazonaws.sqs#${code}`, message }, code);
      const now = Date.now();
      if (action === 'GetQueueUrl') {
        const name = String(input.QueueName);
        return stub.queues.has(name)
          ? send(200, { QueueUrl: stub.queueUrl(name) })
          : fail('QueueDoesNotExist', 'The specified queue does not exist.');
      }
      const q = queueOf(input.QueueUrl);
      if (!q) return fail('QueueDoesNotExist', 'The specified queue does not exist.');
      if (action === 'ReceiveMessage') {
        const n = Number(input.MaxNumberOfMessages ?? 1);
        const vis = Number(input.VisibilityTimeout ?? 30);
        const out = q.filter((m) => m.invisibleUntil <= now).slice(0, n);
        for (const m of out) {
          m.receipt = randomUUID();
          m.invisibleUntil = now + vis * 1000;
          m.receiveCount++;
        }
        return send(200, {
          Messages: out.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receipt,
            MD5OfBody: md5(m.body),
            Body: m.body,
            Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
          })),
        });
      }
      if (action === 'DeleteMessage' || action === 'ChangeMessageVisibility') {
        const i = q.findIndex((m) => m.receipt === input.ReceiptHandle);
        if (i < 0) return fail('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        if (action === 'DeleteMessage') {
          if (stub.failDeletes > 0) {
            stub.failDeletes--;
            return fail('InternalError', 'try again', 500);
          }
          q.splice(i, 1);
        } else q[i]!.invisibleUntil = now + Number(input.VisibilityTimeout ?? 0) * 1000;
        return send(200, {});
      }
      if (action === 'SendMessage') {
        const body = String(input.MessageBody);
        const id = randomUUID();
        q.push({ id, body, receipt: null, invisibleUntil: 0, receiveCount: 0 });
        return send(200, { MessageId: id, MD5OfMessageBody: md5(body) });
      }
      return fail('InvalidAction', `unsupported action ${action}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  stub.endpoint = `http://127.0.0.1:${port}`;
  stub.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return stub;
}
