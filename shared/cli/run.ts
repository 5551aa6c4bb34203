/** Process entry of the `iamwatch` command (bundled to dist/iamwatch.mjs). */
import { getEventListeners } from 'node:events';
import { EXIT } from './context.js';
import { main } from './main.js';

// Also here, for dist/iamwatch.mjs run directly: the SDK reads it when a client is created, after imports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A closed stdout (`iamwatch replay … | head -1`) means the reader has what it wanted: end quietly,
// with success, for every command (no EPIPE stack, no exit 1 that a script would take for --fail-on).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  process.stderr.write(`iamwatch: writing the output failed: ${err.code ?? err.message}\n`);
  process.exit(EXIT.runtime);
});

// Ctrl-C: a command listening on ctx.signal (replay) prints its partial summary and ends with 130;
// otherwise, or on a second Ctrl-C, the process ends at once with 130.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted || getEventListeners(interrupt.signal, 'abort').length === 0) {
    process.exit(EXIT.interrupted);
  }
  interrupt.abort();
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
  signal: interrupt.signal,
});
// An interrupted read may leave stdin, a FIFO or worker threads open: do not wait for them.
if (code === EXIT.interrupted) process.exit(code);
process.exitCode = code;
