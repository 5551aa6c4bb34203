/** Issue 10 item 6: `incident open` for an identity that is not `kind: break-glass` in the baseline warns. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStoreCli } from '../store/cli-harness.js';
import { TestClock } from '../store/helpers.js';

const DEPLOY = 'arn:aws:iam::111122223333:role/gha-deploy';
const BG = 'arn:aws:iam::111122223333:role/break-glass';
const BASELINE = `version: 1
teams:
  platform: { slack: "env:SLACK_PLATFORM" }
defaults: { team: platform }
identities:
  - arn: ${DEPLOY}
    kind: ci
    owner: platform-security
    purpose: deploy the api service
    review_after: 2026-09-01
  - arn: ${BG}
    kind: break-glass
    owner: security
    purpose: emergency administrator access
    review_after: 2026-09-01
`;

describe('incident open', () => {
  let dir: string;
  const clock = new TestClock(Date.parse('2026-03-01T12:00:00Z'));
  const run = (args: string[]) => runStoreCli(args, { cwd: dir, deps: { clock } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iamwatch-incident-'));
    await writeFile(join(dir, 'baseline.yaml'), BASELINE);
    expect((await run(['baseline', 'sync', 'baseline.yaml'])).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a window for a break-glass identity without a warning', async () => {
    const r = await run(['incident', 'open', BG, '--ticket', 'INC-1', '--for', '1h']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('warning');
  });

  it('warns when the identity is of another kind (the window is still opened)', async () => {
    const r = await run(['incident', 'open', DEPLOY, '--ticket', 'INC-2', '--for', '1h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^inc-/);
    expect(r.stderr).toMatch(/^warning: .*gha-deploy is kind ci in the baseline .*not break-glass/m);
  });

  it('warns when the identity is not in the baseline', async () => {
    const r = await run([
      'incident',
      'open',
      'arn:aws:iam::111122223333:role/nobody',
      '--ticket',
      'INC-3',
      '--for',
      '1h',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*role\/nobody is not in the baseline/m);
  });
});
