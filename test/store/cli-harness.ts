/** Runs only the store commands (baseline, incident) in-process, as the lead's main.ts will wire them. */
import { Readable, Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { register as registerBaseline } from '../../shared/cli/commands/baseline.js';
import { register as registerIncident } from '../../shared/cli/commands/incident.js';
import { type CliContext, CliError, EXIT } from '../../shared/cli/context.js';
import type { CommandDeps } from '../../shared/cli/store.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runStoreCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; deps?: CommandDeps },
): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: opts.env ?? {},
    cwd: opts.cwd,
    isTTY: false,
  };
  const program = new Command('iamwatch')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  registerBaseline(program, ctx, opts.deps);
  registerIncident(program, ctx, opts.deps);
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CliError) {
      stderr.write(`iamwatch: ${err.message}\n`);
      code = err.exitCode;
    } else if (err instanceof CommanderError) code = EXIT.usage;
    else throw err;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
