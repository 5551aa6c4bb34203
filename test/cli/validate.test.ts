/**
 * `iamwatch baseline validate FILE [--strict] [--format text|github]`, and the one baseline-file
 * reader shared with `replay --baseline`: same file, same verdict, issues one per line as
 * `file:line: field: message` with the path as typed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const NO_ALERTS = 'version: 1\nidentities: []\n';

const VALID = `version: 1
identities:
  - arn: arn:aws:iam::111122223333:role/gha-deploy
    kind: ci
    owner: platform-security
    purpose: deploy the api service
    review_after: 2099-01-01
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iamwatch-validate-'));
  await writeFile(join(dir, 'ok.yaml'), VALID);
  await writeFile(join(dir, 'todo.yaml'), VALID.replace('owner: platform-security', 'owner: TODO'));
  await writeFile(
    join(dir, 'two-errors.yaml'),
    VALID.replace('kind: ci', 'kind: robot').replace(
      '    review_after: 2099-01-01\n',
      '    environment: prod\n',
    ),
  );
  // "purpose: déploiement" saved as Latin-1: é is the single byte 0xE9.
  await writeFile(
    join(dir, 'latin1.yaml'),
    Buffer.from(VALID.replace('deploy the api service', 'd\u00e9ploiement'), 'latin1'),
  );
  await writeFile(join(dir, 'empty.json'), '{"Records":[]}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { cwd: dir });

describe('baseline validate', () => {
  it('ok: exit 0, nothing on stdout, a summary on stderr', async () => {
    const r = await cli(['baseline', 'validate', 'ok.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('ok.yaml: ok (1 identities, 0 errors, 0 warnings)\n');
  });

  it('errors: one per line on stderr, path as typed, exit 2', async () => {
    const r = await cli(['baseline', 'validate', 'two-errors.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('two-errors.yaml:'))).toEqual([
      'two-errors.yaml:4: identities[0].kind: must be one of human, workload, ci, iac, vendor, break-glass (got "robot")',
      'two-errors.yaml:7: identities[0].environment: must be one of production, staging, development, sandbox, shared, management (got "prod"; did you mean "production"?)',
    ]);
    // Schema errors stop the checks that need a valid file; the summary says so rather than "0 warnings".
    expect(r.stderr).toContain(
      'iamwatch: two-errors.yaml: 2 errors, 0 warnings; the checks that need a valid file (rule and identity ' +
        'references, placeholders, review dates, patterns) run once these are fixed\n',
    );
  });

  it('warnings pass, unless --strict (exit 2)', async () => {
    const lax = await cli(['baseline', 'validate', 'todo.yaml']);
    expect(lax.code).toBe(0);
    expect(lax.stderr).toContain('todo.yaml:5: warning: identities[0].owner: "TODO" is a placeholder');
    const strict = await cli(['baseline', 'validate', 'todo.yaml', '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('todo.yaml: 0 errors, 1 warning (--strict)');
    expect((await cli(['baseline', 'validate', 'ok.yaml', '--strict'])).code).toBe(0);
  });

  it('--format github prints Actions annotations on stdout', async () => {
    const bad = await cli(['baseline', 'validate', 'two-errors.yaml', '--format', 'github']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe(
      '::error file=two-errors.yaml,line=4,title=identities[0].kind::must be one of human, workload, ci, iac, vendor, break-glass (got "robot")\n' +
        '::error file=two-errors.yaml,line=7,title=identities[0].environment::must be one of production, staging, development, sandbox, shared, management (got "prod"; did you mean "production"?)\n',
    );
    const warn = await cli(['baseline', 'validate', 'todo.yaml', '--format', 'github']);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toMatch(
      /^::warning file=todo\.yaml,line=5,title=identities\[0\]\.owner::"TODO" is a placeholder/,
    );
    const missing = await cli(['baseline', 'validate', 'nope.yaml', '--format', 'github']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('::error file=nope.yaml::nope.yaml: no such file\n');
    expect((await cli(['baseline', 'validate', 'ok.yaml', '--format', 'xml'])).code).toBe(2);
  });
});

describe('one reader for validate and replay --baseline', () => {
  it('a Latin-1 file is rejected by both, at the line of the bad byte', async () => {
    const v = await cli(['baseline', 'validate', 'latin1.yaml']);
    expect(v.code).toBe(2);
    const line =
      'latin1.yaml:6: is not valid UTF-8 text (byte 0xE9; Latin-1 or another encoding? save the file as UTF-8)';
    expect(v.stderr).toContain(`${line}\n`);
    const r = await cli(['replay', 'empty.json', '--baseline', 'latin1.yaml', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${line}\n`);
  });

  it('replay prints baseline errors one per line, path as typed (no control character joins)', async () => {
    const r = await cli(['replay', 'empty.json', '--baseline', 'two-errors.yaml', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('\u2400');
    expect(r.stderr).not.toContain(dir);
    const lines = r.stderr.split('\n');
    expect(lines).toContain(
      'two-errors.yaml:4: identities[0].kind: must be one of human, workload, ci, iac, vendor, break-glass (got "robot")',
    );
    expect(lines).toContain(
      'two-errors.yaml:7: identities[0].environment: must be one of production, staging, development, sandbox, shared, management (got "prod"; did you mean "production"?)',
    );
  });

  it('a valid file replays (exit 0)', async () => {
    await writeFile(join(dir, 'none.yaml'), NO_ALERTS);
    const r = await cli(['replay', 'empty.json', '--baseline', 'none.yaml', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });
});
