#!/usr/bin/env node
// The iamwatch command. The TypeScript sources are bundled to dist/ by `npm run build`
// (run automatically by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/iamwatch.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('iamwatch: dist/iamwatch.mjs is missing; run `npm run build` first\n');
  process.exit(3);
}
await import(entry.href);
