/**
 * A local Slack incoming webhook over HTTPS (self-signed certificate for 127.0.0.1 in ./fixtures, trusted
 * by the child process through NODE_EXTRA_CA_CERTS): webhook URLs must be https in the deployed code.
 * Modes reproduce Slack's failure shapes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export const SLACK_CA_FILE = new URL('./fixtures/slack-stub.crt', import.meta.url).pathname;

export type SlackMode = 'ok' | '429-short' | '429-long' | '5xx' | 'hang' | 'huge-body' | 'redirect';

export interface SlackStub {
  /** Webhook URL of this stub. */
  url: string;
  mode: SlackMode;
  /** Bodies of the posts answered with 2xx (delivered messages). */
  delivered: Array<Record<string, unknown>>;
  /** Every request received. */
  requests: number;
  close(): Promise<void>;
}

export async function startSlackStub(mode: SlackMode = 'ok'): Promise<SlackStub> {
  const sockets = new Set<Duplex>();
  const stub: SlackStub = {
    url: '',
    mode,
    delivered: [],
    requests: 0,
    close: async () => {},
  };
  const server: Server = createServer(
    {
      key: readFileSync(new URL('./fixtures/slack-stub.key', import.meta.url)),
      cert: readFileSync(SLACK_CA_FILE),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        stub.requests++;
        const ok = () => {
          stub.delivered.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        };
        switch (stub.mode) {
          case 'ok':
            return ok();
          case '429-short':
            // Slack asks for one second, then accepts.
            if (stub.requests === 1) {
              res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' });
              return res.end('rate_limited');
            }
            return ok();
          case '429-long':
            res.writeHead(429, { 'retry-after': '3600', 'content-type': 'text/plain' });
            return res.end('rate_limited');
          case '5xx':
            res.writeHead(503, { 'content-type': 'text/html' });
            return res.end('<html>service unavailable</html>');
          case 'hang':
            return; // accepted, never answered
          case 'huge-body': {
            // Accepted, with a 64 MiB answer streamed back.
            stub.delivered.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            res.writeHead(200, { 'content-type': 'text/plain' });
            const block = Buffer.alloc(1024 * 1024, 'x');
            let left = 64;
            const write = () => {
              while (left > 0) {
                left--;
                if (!res.write(block)) return void res.once('drain', write);
              }
              res.end();
            };
            res.on('error', () => undefined);
            return write();
          }
          case 'redirect':
            res.writeHead(302, { location: 'https://127.0.0.1:1/elsewhere' });
            return res.end();
        }
      });
    },
  );
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  stub.url = `https://127.0.0.1:${port}/services/T000/B000/XXXXXXXX`;
  stub.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return stub;
}
