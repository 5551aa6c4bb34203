/** Test helpers for delivery: alerts, a fake clock/sleep, a real local HTTP server standing in for Slack. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Timing } from '../../shared/adapters/delivery-retry.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import type { DeadLetter, DeadLetterSink } from '../../shared/core/alert/dead-letter.js';
import type { AlertSink, DedupeDecision, DedupeStore, Log } from '../../shared/ports.js';

export function makeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a1b2c3d4e5f60718',
    rule: 'oidc-unexpected-subject',
    severity: 'high',
    title: 'OIDC role assumed from an unexpected subject',
    reasons: ['subject repo:example-org/api:pull_request is not in the 2 subjects allowed for gha-deploy'],
    eventId: '3b1a2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    eventName: 'AssumeRoleWithWebIdentity',
    eventTime: '2026-03-02T10:15:30Z',
    account: '111122223333',
    region: 'us-east-1',
    actor: {
      type: 'WebIdentityUser',
      arn: null,
      subject: 'repo:example-org/api:pull_request',
      provider: 'token.actions.githubusercontent.com',
      sessionName: 'GitHubActions',
      sourceIp: '192.0.2.10',
      userAgent: 'aws-sdk-js/3.600.0 ua/2.1 os/linux lang/js md/nodejs#20.11.0 api/sts#3.600.0',
    },
    target: { type: 'role', arn: 'arn:aws:iam::111122223333:role/gha-deploy', name: 'gha-deploy' },
    baseline: {
      owner: 'platform-security',
      purpose: 'deploy the api service to production',
      kind: 'ci',
      reviewAfter: '2026-09-01',
    },
    team: 'platform',
    attack: ['T1078.004'],
    dedupeKey:
      'oidc-unexpected-subject|arn:aws:iam::111122223333:role/gha-deploy|repo:example-org/api:pull_request',
    count: 1,
    environment: 'production',
    runbook:
      'iamwatch baseline show <role>; confirm the workflow with the owner; tighten the trust policy if unexplained.',
    ...over,
  };
}

/** Fake time: `sleep` advances the clock instantly and records the waits. */
export function fakeTiming(
  startMs = Date.parse('2026-03-02T10:00:00Z'),
): Timing & { sleeps: number[]; advance(ms: number): void } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    advance: (ms) => {
      now += ms;
    },
  };
}

export type SlackReply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface SlackStandIn {
  url: string;
  /** Parsed JSON bodies of every request, in order (including failed ones). */
  requests: Array<{ path: string; body: unknown }>;
  /** Bodies of requests answered 200. */
  accepted: Array<{ path: string; body: unknown }>;
  reply: (req: { path: string; body: unknown; n: number }) => SlackReply;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, answering like a Slack incoming webhook. */
export async function startSlackStandIn(): Promise<SlackStandIn> {
  const hung: ServerResponse[] = [];
  const standIn: SlackStandIn = {
    url: '',
    requests: [],
    accepted: [],
    reply: () => ({ status: 200, body: 'ok' }),
    close: async () => {},
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const path = req.url ?? '/';
      standIn.requests.push({ path, body });
      const r = standIn.reply({ path, body, n: standIn.requests.length });
      if (r === 'hang') {
        hung.push(res);
        return;
      }
      if (r.status === 200) standIn.accepted.push({ path, body });
      res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  standIn.url = `http://127.0.0.1:${port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

export function memoryLog(): Log & {
  lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** In-memory DedupeStore with event-time windows, like the DynamoDB one. */
export class MemoryDedupe implements DedupeStore {
  readonly items = new Map<string, { firstAlertId: string; count: number }>();
  unavailable = false;
  async claim(alert: Alert, windowMinutes: number): Promise<DedupeDecision> {
    if (this.unavailable) return { kind: 'unavailable', reason: 'ProvisionedThroughputExceededException' };
    const key = this.keyOf(alert, windowMinutes);
    const cur = this.items.get(key);
    if (cur?.firstAlertId === alert.id)
      return { kind: 'repeat', count: cur.count, firstAlertId: cur.firstAlertId, redelivery: true };
    if (cur) {
      cur.count++;
      return { kind: 'repeat', count: cur.count, firstAlertId: cur.firstAlertId };
    }
    this.items.set(key, { firstAlertId: alert.id, count: 1 });
    return { kind: 'new' };
  }
  async release(alert: Alert, windowMinutes: number): Promise<void> {
    const key = this.keyOf(alert, windowMinutes);
    if (this.items.get(key)?.firstAlertId === alert.id) this.items.delete(key);
  }
  private keyOf(alert: Alert, windowMinutes: number): string {
    const w = Math.max(1, windowMinutes) * 60_000;
    return `${alert.dedupeKey}#${Math.floor(Date.parse(alert.eventTime) / w) * w}`;
  }
}

export class MemoryDeadLetters implements DeadLetterSink, AlertSink {
  readonly name = 'memory-dlq';
  readonly entries: DeadLetter[] = [];
  failing = false;
  async park(entry: DeadLetter): Promise<void> {
    if (this.failing) throw new Error('dead-letter queue unavailable');
    this.entries.push(structuredClone(entry));
  }
  async publish(alert: Alert): Promise<void> {
    await this.park({ alert, reason: 'direct', sink: 'unknown', attempts: 0, failedAt: 'x' });
  }
}

export class MemorySink implements AlertSink {
  readonly published: Alert[] = [];
  failWith: Error | null = null;
  constructor(readonly name: string) {}
  async publish(alert: Alert): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(alert);
  }
}

/** Every string value under a `text` key, recursively. */
export function textFields(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) textFields(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'text' && typeof x === 'string') out.push(x);
      else textFields(x, out);
    }
  }
  return out;
}
