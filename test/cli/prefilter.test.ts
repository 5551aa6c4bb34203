import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ReadStats, readCloudTrail } from '../../shared/adapters/cloudtrail-files/read.js';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { replay } from '../../shared/app/replay.js';
import { needlesFor } from '../../shared/cli/commands/replay-wiring.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = path.join(root, 'examples/demo');

async function run(filter: boolean): Promise<{ alerts: Alert[]; stats: ReadStats }> {
  const file = path.join(demo, 'baseline.yaml');
  const { baseline } = parseBaseline(readFileSync(file, 'utf8'), file);
  const pipeline = new DetectionPipeline();
  const stats: ReadStats = { files: 0, bytes: 0, records: 0, skippedIrrelevant: 0, problems: 0 };
  const alerts: Alert[] = [];
  await replay({
    source: readCloudTrail([path.join(demo, 'cloudtrail')], {
      onProblem: () => {},
      stats,
      ...(filter
        ? { relevantPairs: pipeline.engine.pairs(), needles: needlesFor(baseline!.identities) }
        : {}),
    }),
    view: buildIndex(baseline!),
    pipeline,
    dedupe: true,
    emit: (a) => {
      alerts.push(a);
    },
    onProblem: () => {},
  });
  return { alerts, stats };
}

describe('relevance pre-filter', () => {
  it('skips most records before JSON.parse and changes no alert (rules reading every event included)', async () => {
    const all = await run(false);
    const filtered = await run(true);
    expect(filtered.stats.skippedIrrelevant).toBeGreaterThan(filtered.stats.records);
    expect(all.alerts.map((a) => a.rule)).toContain('break-glass-used');
    expect(all.alerts.map((a) => a.rule)).toContain('root-activity');
    expect(filtered.alerts).toEqual(all.alerts);
  });
});
