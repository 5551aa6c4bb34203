#!/usr/bin/env node
// The iamwatch command. The TypeScript sources are bundled to dist/ by `npm run build`
// (run automatically by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';

// The AWS SDK's Node-version notice is for the developers of iamwatch, not its users; it must never reach a
// user's terminal (stderr is for iamwatch's own messages). Set before the bundle creates any SDK client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const entry = new URL('../dist/iamwatch.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('iamwatch: dist/iamwatch.mjs is missing; run `npm run build` first\n');
  process.exit(3);
}
await import(entry.href);
