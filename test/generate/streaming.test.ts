import { describe, expect, it } from 'vitest';
import { Generation, parseAttackList } from '../../tools/generate/index.js';

describe('streaming', () => {
  it('generates 300k records with a flat heap, and prints throughput', () => {
    // Prepare
    const gen = new Generation({
      events: 300_000,
      seed: 'stream',
      start: '2026-03-02T00:00:00Z',
      days: 30,
      attacks: parseAttackList('all'),
    });
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let records = 0;
    let bytes = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    // Act
    for (const o of gen.objects()) {
      records += o.records;
      bytes += o.body.length;
      if (gen.stats.objects % 50 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    // Assess
    expect(records).toBe(300_000);
    const growthMb = (peak - before) / 1e6;
    console.log(
      `generate: ${records} records, ${(bytes / 1e6).toFixed(0)} MB raw, ${secs.toFixed(2)} s wall, ` +
        `${Math.round(records / secs)} records/s wall, ${Math.round(records / ((cpu.user + cpu.system) / 1e6))} records/s CPU; heap growth ${growthMb.toFixed(1)} MB`,
    );
    // 300k records are ~450 MB of JSON: a heap that held them would grow by far more than this.
    expect(growthMb).toBeLessThan(120);
  }, 120_000);
});
