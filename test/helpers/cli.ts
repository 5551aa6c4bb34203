import { Readable, Writable } from 'node:stream';
import { main } from '../../shared/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Runs the CLI in-process with captured streams. */
export async function runCli(
  args: string[],
  opts: { cwd?: string; stdin?: string | Buffer; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = Readable.from(
    opts.stdin === undefined ? [] : [typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin],
  );
  const code = await main(args, {
    stdout,
    stderr,
    stdin,
    env: { ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    isTTY: false,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
