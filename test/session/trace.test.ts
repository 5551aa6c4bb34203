import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { chainAssume, oidcAssume, sessionCall } from './records.js';

const PLAN = 'ASIAPLAN000000000001';
const APPLY = 'ASIAAPPLY00000000002';

let dir: string;
let applyEventId: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iamwatch-trace-'));
  const records = [
    oidcAssume('gha-plan', 'repo:fork/api:pull_request', PLAN, { time: '2026-11-02T10:02:00Z' }),
    chainAssume('gha-plan', PLAN, 'tf-apply', APPLY, { time: '2026-11-02T10:04:00Z' }),
    sessionCall('tf-apply', APPLY, 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    // Unrelated noise: another session's call.
    sessionCall('other', 'ASIAOTHER00000000009', 'CreateAccessKey', { time: '2026-11-02T10:05:30Z' }),
  ];
  applyEventId = String(records[1]?.eventID);
  // Hostile session name must stay one line on the terminal.
  const hostile = chainAssume(
    'tf-apply',
    APPLY,
    'admin',
    'ASIAADMIN00000000003',
    { time: '2026-11-02T10:07:00Z' },
    'x\u001b[31mred\ny',
  );
  writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: [...records, hostile] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iamwatch trace --from', () => {
  it('an access key: the chain to the OIDC origin, the calls in time order and the alerts on them', async () => {
    const r = await runCli(['trace', APPLY, '--from', join(dir, 'trail.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete — origin: OIDC token');
    expect(r.stdout).toContain('repo:fork/api:pull_request (oidc via token.actions.githubusercontent.com)');
    expect(r.stdout).toMatch(/└─ gha-plan {2}ASIAPLAN000000000001[\s\S]*└─ tf-apply {2}ASIAAPPLY00000000002/);
    expect(r.stdout).toMatch(/actions \(3\)\n.*AssumeRole.*\n.*CreateAccessKey.*\n.*AssumeRole/);
    expect(r.stdout).toContain('access-key-created');
    expect(r.stdout).not.toContain('ASIAOTHER');
  });

  it('an event id and a session ARN resolve to the same session; --format json for scripts', async () => {
    const byEvent = await runCli([
      'trace',
      applyEventId,
      '--from',
      join(dir, 'trail.json'),
      '--format',
      'json',
    ]);
    const byArn = await runCli([
      'trace',
      'arn:aws:sts::111122223333:assumed-role/tf-apply/GitHubActions',
      '--from',
      join(dir, 'trail.json'),
      '--format',
      'json',
    ]);
    const a = JSON.parse(byEvent.stdout);
    const b = JSON.parse(byArn.stdout);
    expect(a.key).toBe(APPLY);
    expect(b.key).toBe(APPLY);
    expect(a.origin.chain.map((h: { via: string }) => h.via)).toEqual(['oidc', 'caller']);
    expect(a.origin.complete).toBe(true);
  });

  it('attacker-controlled session names cannot add lines or escapes to the tree', async () => {
    const r = await runCli(['trace', 'ASIAADMIN00000000003', '--from', join(dir, 'trail.json')]);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout.split('\n').some((l) => /^y/.test(l))).toBe(false);
  });

  it('an unknown key is a normal answer, not a crash', async () => {
    const r = await runCli(['trace', 'ASIANOPE000000000000', '--from', join(dir, 'trail.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('INCOMPLETE — origin unknown');
  });
});

describe('iamwatch trace (store)', () => {
  it('an event id the store does not hold is a normal answer that says what to pass instead', async () => {
    const r = await runCli(['trace', applyEventId, '--store-dir', join(dir, 'store')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--from');
  });
});
