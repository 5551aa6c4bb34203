import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { DetectionPipeline, evaluateWithSessionsSync } from '../../shared/app/detect.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { RULES } from '../../shared/core/rules/index.js';
import { atLeast } from '../../shared/core/severity.js';
import { DEMO_OPTIONS, demoReadme, Generation, type PlantedScenario } from '../../tools/generate/index.js';
import { readObjects } from './helpers.js';

const DEMO = join(import.meta.dirname, '../../examples/demo');

describe('examples/demo', () => {
  const objects = readObjects(DEMO);
  const records = objects.flatMap((o) => o.records);
  const scenarios = (
    JSON.parse(readFileSync(join(DEMO, 'scenarios.json'), 'utf8')) as { scenarios: PlantedScenario[] }
  ).scenarios;

  it('is what `generate --profile demo` writes today (records, baseline, scenarios, README)', () => {
    const gen = new Generation(DEMO_OPTIONS);
    const fresh = [...gen.objects()];
    expect(fresh.map((o) => o.key).sort()).toEqual(objects.map((o) => o.key).sort());
    const byKey = new Map(objects.map((o) => [o.key, o.text]));
    for (const o of fresh) expect(o.body.toString('latin1') === byKey.get(o.key), o.key).toBe(true);
    expect(gen.baselineYaml()).toBe(readFileSync(join(DEMO, 'baseline.yaml'), 'utf8'));
    expect(gen.scenariosJson()).toBe(readFileSync(join(DEMO, 'scenarios.json'), 'utf8'));
    expect(demoReadme(gen)).toBe(readFileSync(join(DEMO, 'README.md'), 'utf8'));
  });

  it('is a realistic day: 3,000-6,000 records in 20-40 objects, with the requested incidents only', () => {
    expect(records.length).toBeGreaterThanOrEqual(3000);
    expect(records.length).toBeLessThanOrEqual(6000);
    expect(objects.length).toBeGreaterThanOrEqual(20);
    expect(objects.length).toBeLessThanOrEqual(40);
    expect(scenarios.map((s) => s.scenario).sort()).toEqual([
      'admin-policy-attached',
      'break-glass-in-incident',
      'break-glass-outside-incident',
      'chained-pr-to-apply',
      'ci-token-reused',
      'key-for-other-user',
      'oidc-pr-to-deploy',
      'root-console-login',
    ]);
  });

  it('raises the expected findings on planted records and nothing at low or above on benign ones (current catalogue)', () => {
    const { baseline, issues } = parseBaseline(
      readFileSync(join(DEMO, 'baseline.yaml'), 'utf8'),
      'baseline.yaml',
    );
    expect(issues.filter((i) => i.level === 'error')).toEqual([]);
    const view = buildIndex(baseline!);
    // As replay evaluates: in time order, with the session state (lineage rules need the issuing events).
    const pipeline = new DetectionPipeline();
    const sessions = new MemorySessionStore();
    const byEvent = new Map<string, Alert[]>();
    const implemented = new Set(RULES.map((r) => r.meta.id));
    const expected = new Map(scenarios.flatMap((s) => s.alerting.map((a) => [a.eventId, a] as const)));
    const benign: string[] = [];
    const missing: string[] = [];
    const ordered = records
      .map((raw) => normaliseRecord(raw))
      .map((n) => {
        expect(n.ok).toBe(true);
        if (!n.ok) throw new Error(n.reason);
        return n.event;
      })
      .sort((a, b) => a.eventTimeMs - b.eventTimeMs);
    for (const e of ordered) {
      const found = evaluateWithSessionsSync(pipeline, e, view, sessions).alerts.filter((a) =>
        atLeast(a.severity, 'low'),
      );
      byEvent.set(e.eventId, found);
      const exp = expected.get(e.eventId);
      if (!exp) {
        for (const f of found) benign.push(`${e.eventName} ${e.eventId}: ${f.rule} ${f.severity}`);
        continue;
      }
      const got = new Set(found.map((f) => f.rule));
      for (const rule of exp.rules)
        if (implemented.has(rule) && !got.has(rule)) missing.push(`${exp.eventName} ${exp.eventId}: ${rule}`);
      if (exp.severity) for (const f of found) expect(f.severity).toBe(exp.severity);
    }
    expect(benign).toEqual([]);
    expect(missing).toEqual([]);
    // Planted chains: the last alerting record names its whole lineage (scenarios.json \`lineage\`).
    const withLineage = scenarios.filter((s) => s.lineage);
    expect(withLineage.length).toBeGreaterThanOrEqual(2);
    for (const s of withLineage) {
      const last = s.alerting[s.alerting.length - 1]!;
      const origin = byEvent.get(last.eventId)?.[0]?.origin;
      expect(origin?.complete, s.scenario).toBe(true);
      expect(origin?.chain.map((h) => h.identity?.split('/').pop())).toEqual(s.lineage?.roles);
      expect(origin?.chain[0]?.via).toBe(s.lineage?.via);
      expect(origin?.chain[0]?.subject).toBe(s.lineage?.subject);
    }
  });
});
