import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = path.join(root, 'test/fixtures/cloudtrail-public/CreateAccessKey__stratus-red-team.json');
const baseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

/** A real HTTP server standing in for Slack's incoming webhook. */
async function slackStub(status: number): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'error');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`, bodies };
}

describe('replay --slack-webhook', () => {
  it('posts each alert once, with attacker-controlled text inert', async () => {
    // Prepare: a key created for another user, whose user agent carries Slack control syntax.
    const rec = JSON.parse(readFileSync(sample, 'utf8')) as Record<string, unknown>;
    rec.userAgent = '<!channel> <!here> <https://evil.example|click> *bold*';
    const slack = await slackStub(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-slack-'));
    // Act
    const run = await runCli(
      ['replay', '-', '--baseline', baseline, '--slack-webhook', slack.url, '--store-dir', dir],
      {
        stdin: JSON.stringify(rec),
      },
    );
    // Assess
    expect(run.code).toBe(0);
    expect(slack.bodies).toHaveLength(1);
    const posted = slack.bodies[0]!;
    expect(posted).toContain('access-key-created');
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toContain('<!here>');
    expect(posted).not.toContain('<https://evil.example|click>');
    expect(run.stderr).toMatch(/delivered: 1 alerts to slack/);
  });

  it('parks alerts in the dead-letter file and exits 3 when Slack keeps failing', async () => {
    const slack = await slackStub(404);
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-dlq-'));
    const run = await runCli([
      'replay',
      sample,
      '--baseline',
      baseline,
      '--slack-webhook',
      slack.url,
      '--store-dir',
      dir,
    ]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('access-key-created');
    const files = readdirSync(path.join(dir, 'dead-letters'));
    expect(files).toHaveLength(1);
    const parked = readFileSync(path.join(dir, 'dead-letters', files[0]!), 'utf8')
      .trim()
      .split('\n');
    const entry = JSON.parse(parked[0]!) as { alert: { rule: string; reasons: string[] }; reason: string };
    expect(entry.alert.rule).toBe('access-key-created');
    expect(entry.alert.reasons.length).toBeGreaterThan(0);
  });
});
