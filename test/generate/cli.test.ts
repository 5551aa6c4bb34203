import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../shared/cli/commands/generate.js';
import { type CliContext, CliError, EXIT } from '../../shared/cli/context.js';
import { readObjects } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'iamwatch-generate-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ stdout: string; stderr: string; error: unknown }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += String(c);
  });
  stderr.on('data', (c) => {
    err += String(c);
  });
  const ctx: CliContext = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: tmp, isTTY: false };
  const program = new Command('iamwatch')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(program, ctx);
  let error: unknown = null;
  try {
    await program.parseAsync(['node', 'iamwatch', 'generate', ...args]);
  } catch (e) {
    error = e;
  }
  return { stdout: out, stderr: err, error };
}

describe('iamwatch generate', () => {
  it('writes objects, baseline and scenarios; summary on stderr, nothing on stdout', async () => {
    const r = await run([
      '--events',
      '2000',
      '--seed',
      'cli',
      '--out',
      'o1',
      '--attacks',
      'oidc-pr-to-deploy',
      '--occurrences',
      '1',
      '--days',
      '1',
    ]);
    expect(r.error).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/generate: 2000 records in \d+ objects/);
    expect(readObjects(join(tmp, 'o1')).reduce((n, o) => n + o.records.length, 0)).toBe(2000);
    const sc = JSON.parse(readFileSync(join(tmp, 'o1', 'scenarios.json'), 'utf8'));
    expect(sc.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual(['oidc-pr-to-deploy']);
  });

  it.each([
    [['--events', 'many', '--out', 'x'], /--events must be an integer/],
    [
      ['--events', '2000', '--out', 'x', '--attacks', 'oidc-pr-to-deploy,typo'],
      /unknown attack scenario "typo"/,
    ],
    [['--out', 'x', '--days', '-1'], /--days must be a positive number/],
    [['--out', 'x', '--start', 'last tuesday'], /--start must be an ISO-8601/],
    [['--out', 'x', '--profile', 'demo', '--events', '10'], /--profile demo fixes its own options/],
    [['--out', 'x', '--profile', 'big'], /unknown --profile/],
    [['--out', 'o1', '--events', '500'], /not empty \(use --force/],
  ])('%j is a usage error', async (args, message) => {
    const r = await run(args);
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).exitCode).toBe(EXIT.usage);
    expect((r.error as CliError).message).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--profile demo writes the demo archive with its README', async () => {
    const r = await run(['--profile', 'demo', '--out', 'demo']);
    expect(r.error).toBeNull();
    expect(readFileSync(join(tmp, 'demo', 'README.md'), 'utf8')).toMatch(/# Demo archive/);
    expect(readFileSync(join(tmp, 'demo', 'README.md'), 'utf8')).toBe(
      readFileSync(join(import.meta.dirname, '../../examples/demo/README.md'), 'utf8'),
    );
  });
});
