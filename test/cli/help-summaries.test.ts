/**
 * Top-level help (`iamwatch`, `--help`, `-h`) is printed from SUMMARIES in main.ts, without loading any
 * command module (issue 14, start-up). It must read exactly as the help the modules themselves register.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandsFor, SUMMARIES } from '../../shared/cli/main.js';
import { runCli } from '../helpers/cli.js';

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
const ctx = {
  stdout: sink(),
  stderr: sink(),
  stdin: process.stdin,
  env: {},
  cwd: process.cwd(),
  isTTY: false,
};

describe('top-level help from SUMMARIES', () => {
  it('lists each command with the term and description its module registers, in order', async () => {
    const program = await buildProgram(ctx);
    const help = program.createHelp();
    const registered = program.commands.map((c) => [help.subcommandTerm(c), c.description()] as const);
    // On failure: copy the registered list into SUMMARIES (shared/cli/main.ts).
    expect(SUMMARIES).toEqual(registered);
  });

  it('prints the same text as the program with every module loaded', async () => {
    const full = (await buildProgram(ctx)).helpInformation();
    expect((await buildProgram(ctx, [], null)).helpInformation()).toBe(full);
    const run = await runCli(['--help']);
    expect(run).toEqual({ code: 0, stdout: full, stderr: '' });
  });

  it('loads no module for help or --version, one for a command or `help CMD`, all when commander judges', () => {
    expect(commandsFor([])).toBeNull();
    expect(commandsFor(['--help'])).toBeNull();
    expect(commandsFor(['-h'])).toBeNull();
    expect(commandsFor(['--version'])).toEqual([]);
    expect(commandsFor(['replay', 'x', '--help'])).toEqual(['replay']);
    expect(commandsFor(['help', 'baseline'])).toEqual(['baseline']);
    // Unknown words get commander's suggestions, which need every name and module.
    for (const argv of [['repaly'], ['help', 'nope'], ['--help', 'replay'], ['--version', 'x'], ['toString']])
      expect(commandsFor(argv)).toHaveLength(SUMMARIES.length);
  });
});
