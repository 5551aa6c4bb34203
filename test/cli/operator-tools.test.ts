/**
 * Issue 10 item 6: `doctor --offline` without region or credentials, a credentials failure named as such,
 * and no AWS SDK Node-version notice on a user's terminal. The built CLI runs in a child process with an
 * environment of our choosing (no AWS variables, IMDS disabled: nothing leaves the machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(root, 'bin/iamwatch.mjs');
const generated = path.join(root, 'infra/generated/eventbridge-rules.yml');

/** An environment with no AWS settings at all, and without the SDK notice opt-out vitest.config.ts sets. */
function bareEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
  };
}

function runBuilt(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: bareEnv(cwd),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'pipe' });
});

describe('built CLI in a bare environment', () => {
  it('doctor without credentials says "no AWS credentials", never "redeploy", and no SDK Node-version notice', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'iamwatch-nocreds-'));
    const r = runBuilt(['doctor', '--region', 'us-east-1'], cwd);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    expect(r.stderr).not.toContain('AWS SDK for JavaScript');
    expect(r.stderr).toContain('no AWS credentials');
    expect(r.stderr).not.toContain('redeploy');
    expect(r.code).toBe(3);
  });

  it('doctor --offline needs no region and no credentials, and says what it did not check', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'iamwatch-offline-'));
    const r = runBuilt(['doctor', '--offline'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}IamEventsRule {2}\(ENABLED\)$/m);
    expect(r.stdout).toMatch(/^ok {4}RootActivityRule/m);
    expect(r.stderr).toMatch(/checked: \d+ event name\(s\) the rule catalogue reads/);
    expect(r.stderr).toMatch(/not checked: whether the rules are deployed, enabled and still target/);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
  });
});

describe('doctor --offline', () => {
  it('reads a template with CloudFormation short-form tags without a YAML warning on stderr', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-tags-'));
    const tagged = readFileSync(generated, 'utf8').replace(
      /^Resources:\n/m,
      'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref AWS::StackName\n',
    );
    expect(tagged).toContain('!Ref');
    writeFileSync(path.join(dir, 'rules.yml'), tagged);
    const r = runBuilt(['doctor', '--offline', '--patterns', 'rules.yml'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/YAMLWarning|TAG_RESOLVE_FAILED|Unresolved tag/);
    expect(r.stdout).toMatch(/^ok {4}IamEventsRule/m);
  });

  it('fails when the generated file lost an event name or changed state', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iamwatch-tampered-'));
    const tampered = readFileSync(generated, 'utf8')
      .replace(/^ {12}- CreateAccessKey\n/m, '')
      .replace('State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', 'State: ENABLED');
    expect(tampered).not.toBe(readFileSync(generated, 'utf8'));
    writeFileSync(path.join(dir, 'rules.yml'), tampered);
    const r = await runCli(['doctor', '--offline', '--patterns', 'rules.yml', '--format', 'json'], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    const kinds = report.problems.map((p: { rule: string; kind: string }) => `${p.rule}:${p.kind}`);
    expect(kinds).toContain('IamEventsRule:pattern');
    expect(kinds).toContain('IamEventsRule:sample-not-matched');
    expect(kinds).toContain('StsEventsRule:state');
    expect(report.problems.find((p: { kind: string }) => p.kind === 'sample-not-matched').message).toContain(
      'iam.amazonaws.com CreateAccessKey',
    );
    expect(report.notChecked.length).toBeGreaterThan(0);
  });

  it('finds the generated file from the working directory of the repository', async () => {
    const r = await runCli(['doctor', '--offline'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('checked infra/generated/eventbridge-rules.yml');
  });
});
