/** Process entry of the `iamwatch` command (bundled to dist/iamwatch.mjs). */
import { main } from './main.js';

// Also here, for dist/iamwatch.mjs run directly: the SDK reads it when a client is created, after imports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
});
// A closed stdout (e.g. `| head`) is not an error worth a stack.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(code);
});
process.exitCode = code;
