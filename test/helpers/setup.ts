/**
 * vitest setupFiles, for every test file: Powertools metrics are not printed. Handlers under test write
 * EMF JSON straight to stdout (Powertools keeps its own console), which buries the test report; tests
 * that assert on metrics spy on `addMetric` or set `POWERTOOLS_METRICS_DISABLED=false` themselves.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
