// `npm run generate`: rewrites every generated and golden file from the sources, in dependency order, so one
// command follows any change to rules, fixtures, infra code, renderers or docs/coverage-catalogue.json:
//   1. shared/core/rules/registry.ts   the rule list, from the rule folders   (scripts/rule-registry.mjs)
//   2. docs/coverage.md                from docs/coverage-catalogue.json        (scripts/coverage.mjs)
//   3. shared/adapters/cloudtrail-files/scan/scan-wasm.generated.ts: scan.wat assembled (scripts/scan-wasm.mjs)
//   4. infra/generated/eventbridge-rules.yml, infra/regional-forwarder.yml, infra/org-member-forwarder.yml
//      (vitest file snapshots, `--update`) and test/golden/slack/*.json (UPDATE_GOLDEN=1)
//   5. README.md's Rule catalogue: a row for a rule that has none, from its meta (scripts/readme-rules.mjs)
//   6. test/eval/eval-output.golden.txt  (the CLI bundle, then `iamwatch eval --update-golden`)
// Review the diff (`git status`, `git diff`) and commit it with the change that caused it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const vitest = `${root}node_modules/vitest/vitest.mjs`;

const STEPS = [
  ['rule registry', [node, 'scripts/rule-registry.mjs']],
  ['docs/coverage.md', [node, 'scripts/coverage.mjs']],
  ['WebAssembly record scan', [node, 'scripts/scan-wasm.mjs']],
  [
    'infra/ and Slack goldens',
    [node, vitest, 'run', 'test/deploy/generated.test.ts', 'test/delivery/render-slack.test.ts', '--update'],
    { UPDATE_GOLDEN: '1' },
  ],
  ['CLI bundle', [node, 'scripts/build.mjs']],
  ['README rule rows', [node, 'scripts/readme-rules.mjs']],
  // The table it prints is the golden file it writes: keep stdout quiet.
  ['eval golden', [node, 'bin/iamwatch.mjs', 'eval', '--update-golden'], {}, 'ignore'],
];

for (const [what, [cmd, ...args], env, stdout = 'inherit'] of STEPS) {
  process.stderr.write(`generate: ${what}\n`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ['inherit', stdout, 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) {
    process.stderr.write(`generate: ${what} failed (${r.error?.message ?? `exit ${r.status}`}); stopped\n`);
    process.exit(1);
  }
}
process.stderr.write('generate: done; review `git status` and `git diff`, and commit the result\n');
