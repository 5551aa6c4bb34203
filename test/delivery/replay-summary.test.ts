/** `replay --slack-webhook`: the summary tells delivered alerts from parked ones. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type SlackStandIn, startSlackStandIn } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = path.join(root, 'test/fixtures/cloudtrail-public/CreateAccessKey__stratus-red-team.json');
const baseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');

let slack: SlackStandIn;
beforeEach(async () => {
  slack = await startSlackStandIn();
});
afterEach(async () => {
  await slack.close();
});

describe('replay summary', () => {
  it('says 0 delivered and how many were parked when Slack refuses every alert', async () => {
    // A revoked webhook (404, permanent): nothing is delivered, everything is parked.
    slack.reply = () => ({ status: 404, body: `no_service ${slack.url}/services/T0001/B0001/secret` });
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-summary-'));
    const run = await runCli([
      'replay',
      sample,
      '--baseline',
      baseline,
      '--slack-webhook',
      `${slack.url}/services/T0001/B0001/secret`,
      '--store-dir',
      dir,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /delivered: 0 of 1 alerts to slack; 1 parked in .*dead-letters-\d{4}-\d\d-\d\d\.jsonl; send them with iamwatch redrive/,
    );
    expect(run.stderr).not.toContain('secret');
  });

  it('keeps the plain line when everything was delivered', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-summary-'));
    const run = await runCli([
      'replay',
      sample,
      '--baseline',
      baseline,
      '--slack-webhook',
      `${slack.url}/hook`,
      '--store-dir',
      dir,
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/delivered: 1 alerts to slack\n/);
  });
});
