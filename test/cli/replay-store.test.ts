import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const samples = path.join(root, 'test/fixtures/cloudtrail-public');
const baseline = path.join(root, 'shared/core/rules/_baselines/org.yaml');

describe('replay against the baseline store', () => {
  it('after baseline sync, replay without --baseline gives the same alerts as replay --baseline FILE', async () => {
    // Prepare: an embedded store in a fresh directory, synced from the file.
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-store-'));
    const store = ['--store-dir', path.join(dir, '.iamwatch')];
    const sync = await runCli(['baseline', 'sync', baseline, ...store], { cwd: dir });
    expect(sync.code, sync.stderr).toBe(0);
    // Act
    const fromFile = await runCli(['replay', samples, '--baseline', baseline, '--quiet']);
    const fromStore = await runCli(['replay', samples, ...store, '--quiet'], { cwd: dir });
    // Assess
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromFile.stdout.length).toBeGreaterThan(100);
    expect(fromStore.stdout).toBe(fromFile.stdout);
  });

  it('records observations of role assumptions into the store during replay', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-obs-'));
    const store = ['--store-dir', path.join(dir, '.iamwatch')];
    expect((await runCli(['baseline', 'sync', baseline, ...store], { cwd: dir })).code).toBe(0);
    expect((await runCli(['replay', samples, ...store, '--quiet'], { cwd: dir })).code).toBe(0);
    const role =
      'arn:aws:iam::774305579662:role/cloud-snitch-github-actio-GithubActionsRoleF5CC769F-MoeCHSu77MYt';
    const seen = await runCli(
      ['baseline', 'seen', role, '--since', '100000d', '--format', 'json', ...store],
      { cwd: dir },
    );
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.stdout).toContain('repo:ccbrown/cloud-snitch:ref:refs/heads/main');
  });

  it('counts each event once when the same archive is replayed twice, or a copy of it alongside', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-twice-'));
    const store = ['--store-dir', path.join(dir, '.iamwatch')];
    const demo = path.join(root, 'examples/demo');
    expect(
      (await runCli(['baseline', 'sync', path.join(demo, 'baseline.yaml'), ...store], { cwd: dir })).code,
    ).toBe(0);
    const role = 'arn:aws:iam::111122223333:role/gha-deploy-api';
    const counts = async () => {
      const seen = await runCli(
        ['baseline', 'seen', role, '--since', '100000d', '--format', 'json', ...store],
        { cwd: dir },
      );
      expect(seen.code, seen.stderr).toBe(0);
      return (
        JSON.parse(seen.stdout) as { principals: Array<{ principal: string; count: number }> }
      ).principals.map((p) => [p.principal, p.count]);
    };
    const archive = path.join(demo, 'cloudtrail');
    expect((await runCli(['replay', archive, ...store, '--quiet'], { cwd: dir })).code).toBe(0);
    const once = await counts();
    // The demo's deploy role is assumed many times by its main-branch subject: an aggregate, not one event.
    expect(Math.max(...once.map(([, n]) => Number(n)))).toBeGreaterThan(1);
    // Again, and then the same files under another directory (an overlapping copy of the archive).
    expect((await runCli(['replay', archive, ...store, '--quiet'], { cwd: dir })).code).toBe(0);
    const copy = path.join(dir, 'copy');
    cpSync(archive, copy, { recursive: true });
    expect((await runCli(['replay', copy, ...store, '--quiet'], { cwd: dir })).code).toBe(0);
    expect(await counts()).toEqual(once);
  });

  it('warns when the store has no baseline and still replays', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-empty-'));
    const run = await runCli(['replay', samples, '--store-dir', path.join(dir, '.iamwatch'), '--quiet'], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/holds no baseline yet/);
    expect(run.stdout).toContain('oidc-role-without-baseline');
  });
});
