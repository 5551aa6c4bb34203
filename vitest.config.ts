import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const ALL = ['test/**/*.test.ts', 'shared/**/*.test.ts', 'functions/**/*.test.ts'];

/**
 * The `slow` project: suites that package the stack, start Java, soak memory, run property searches, or
 * run end to end over a generated organisation or through the bundled CLI. Chosen by measured per-file
 * duration (README, "Tests"). Files are named here, not moved, so the split renames nobody's tests.
 */
const SLOW = [
  // `osls package` once (globalSetup below), then the packaged bundles run as Lambda would run them.
  'test/deployed/**/*.test.ts',
  'test/deploy/package.test.ts',
  'test/deploy/ingest-template.test.ts',
  // DynamoDB Local: a Java process per run.
  'test/store/store.dynamodb-local.test.ts',
  // Soak: 300k generated records, ~200 MB streamed, with a flat heap.
  'test/generate/streaming.test.ts',
  'test/ingest/memory.test.ts',
  // Property and fuzz searches (fast-check, hundreds of runs each).
  'test/fuzz/**/*.test.ts',
  'test/**/*.property.test.ts',
  'test/policy/fuzz.test.ts',
  'test/ingest/split-fuzz.test.ts',
  'test/ingest/scan-fuzz.test.ts',
  'test/ingest/relevance.test.ts',
  // End to end over a generated organisation in s3rver, and the bundled CLI as a child process.
  'test/s3/ingest.test.ts',
  // ingestMode both: the generated organisation through detect and ingest over dynalite, four times.
  'test/s3/both-mode.test.ts',
  // Replay with 0/1/2 workers over a chain that crosses accounts and regions, against the Lambda path.
  'test/session/replay-order.test.ts',
  'test/s3/replay-s3.test.ts',
  'test/cli/replay-process.test.ts',
  'test/cli/operator-tools.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['test/helpers/setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // `npm test` runs `fast`, `npm run test:slow` runs `slow`, `npm run test:all` (and .ci/run) both.
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ALL,
          exclude: [...configDefaults.exclude, ...SLOW],
          // Worker threads start cheaper than forked processes (~10% less CPU over this project). The slow
          // project keeps forks: its soak tests measure a process's heap and its suites handle signals.
          pool: 'threads',
          // Vitest's default is one worker fewer than the cores: one worker on a 2-core machine, which left
          // a core idle for the whole run. These suites are CPU-bound and isolated (ephemeral ports, their
          // own temp dirs and tables), so they use every core.
          maxWorkers: availableParallelism(),
          // Projects with different worker counts run one after the other: fast first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW,
          sequence: { groupOrder: 1 },
          // `npm run package` once per run; test/deployed runs the bundles it produces.
          globalSetup: ['test/deployed/global-setup.ts'],
        },
      },
    ],
  },
});
