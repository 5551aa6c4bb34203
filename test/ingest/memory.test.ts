import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { emptyStats, readCloudTrail } from '../../shared/adapters/cloudtrail-files/read.js';
import { sampleRecords } from './helpers.js';

const TARGET_BYTES = 200 * 1024 * 1024;

/** ~200 MB of JSON lines, generated as it is read: nothing big exists anywhere at once. */
function generated(template: Record<string, unknown>): { stream: Readable; lines: () => number } {
  const body = JSON.stringify({ ...template, eventID: '@ID@' });
  let produced = 0;
  let lines = 0;
  function* chunks(): Generator<Buffer> {
    while (produced < TARGET_BYTES) {
      const parts: string[] = [];
      for (let k = 0; k < 64; k++) parts.push(body.replace('@ID@', `id-${lines++}`));
      const chunk = Buffer.from(`${parts.join('\n')}\n`);
      produced += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks()), lines: () => lines };
}

describe('memory', () => {
  it('stays flat while streaming ~200 MB of JSON lines', async () => {
    const template = (await sampleRecords()).get('AssumeRole__awsdocs-iam-user-guide__role-chaining.json')!;
    const { stream, lines } = generated(template);
    const stats = emptyStats();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let seen = 0;
    let batches = 0;
    for await (const batch of readCloudTrail(['-'], { stdin: stream, stats, onProblem: () => {} })) {
      seen += batch.length;
      if (++batches % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(stats.bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(seen).toBe(lines());
    expect(stats).toMatchObject({ records: lines(), problems: 0 });
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  }, 120_000);
});
