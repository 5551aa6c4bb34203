import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, readmeRuleIds } from '../../scripts/readme-rules.mjs';
import { expectedRegistry, REGISTRY } from '../../scripts/rule-registry.mjs';
import { MemorySessionStore } from '../../shared/adapters/memory-sessions.js';
import { DetectionPipeline, evaluateWithSessions } from '../../shared/app/detect.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { catalogueSelectors, RULES } from '../../shared/core/rules/index.js';
import { isSeverity } from '../../shared/core/severity.js';
import { fixtureBaseline, fixturesOf, ruleFolders } from '../helpers/rule-fixtures.js';

describe('rule catalogue', () => {
  it('shared/core/rules/registry.ts lists every rule folder (npm run generate)', () => {
    const stale = 'shared/core/rules/registry.ts is stale: run `npm run generate` and commit the result';
    expect(readFileSync(REGISTRY, 'utf8'), stale).toBe(expectedRegistry());
  });

  // README's Rule catalogue table is the catalogue of record and the one hand-written list of ids: a rule
  // renamed or removed while its row stays fails here (released ids are a contract).
  it("README's Rule catalogue table lists every rule once, and only rules", () => {
    const documented = readmeRuleIds(readFileSync(README, 'utf8'));
    const ids = RULES.map((r) => r.meta.id);
    const offenders = [
      ...documented.filter((id, i) => documented.indexOf(id) !== i).map((id) => `${id}: listed twice`),
      ...documented
        .filter((id) => !ids.includes(id))
        .map(
          (id) => `${id}: in README's Rule catalogue but no rule has this id (ids are stable once released)`,
        ),
      ...ids
        .filter((id) => !documented.includes(id))
        .map((id) => `${id}: no row in README's Rule catalogue table (npm run generate adds one)`),
    ];
    expect(offenders).toEqual([]);
  });

  it('every rule folder holds a registered rule with complete metadata (all offenders listed at once)', () => {
    const offenders: string[] = [];
    const folders = ruleFolders();
    const registered = new Map(RULES.map((r) => [r.meta.id, r]));
    for (const folder of folders) {
      const rule = registered.get(folder);
      if (!rule) {
        offenders.push(`${folder}: rule.ts has no meta.id "${folder}" (the id is the folder name)`);
        continue;
      }
      const m = rule.meta;
      if (!m.title.trim()) offenders.push(`${folder}: empty title`);
      if (m.description.trim().length < 40) offenders.push(`${folder}: description too short`);
      if (!isSeverity(m.severity)) offenders.push(`${folder}: bad severity ${m.severity}`);
      if (m.attack.length === 0 || m.attack.some((a) => !/^T\d{4}(\.\d{3})?$/.test(a))) {
        offenders.push(`${folder}: ATT&CK ids missing or malformed (${m.attack.join(',')})`);
      }
      if (m.emulatedBy.some((s) => !/^aws\.[a-z-]+\.[a-z0-9-]+$/.test(s)))
        offenders.push(`${folder}: malformed Stratus id`);
      if (m.falsePositives.length === 0) offenders.push(`${folder}: no false positives listed`);
      if (!/\biamwatch\b/.test(m.runbook))
        offenders.push(`${folder}: runbook does not name an iamwatch command`);
      if (!(m.dedupWindowMinutes > 0)) offenders.push(`${folder}: dedupWindowMinutes must be > 0`);
      if (
        m.appliesTo !== 'any' &&
        (m.appliesTo.eventNames.length === 0 || m.appliesTo.eventSources.length === 0)
      ) {
        offenders.push(`${folder}: appliesTo lists no events`);
      }
      const fx = fixturesOf(folder);
      if (!fx.some((f) => f.expect.includes(folder))) offenders.push(`${folder}: no must-fire fixture`);
      if (!fx.some((f) => !f.expect.includes(folder))) offenders.push(`${folder}: no must-not-fire fixture`);
    }
    for (const id of registered.keys())
      if (!folders.includes(id)) offenders.push(`${id}: registered but has no folder`);
    expect(offenders).toEqual([]);
  });

  it('every fixture expectation holds (all offenders listed at once)', async () => {
    const pipeline = new DetectionPipeline();
    const offenders: string[] = [];
    let checked = 0;
    for (const folder of ruleFolders()) {
      for (const f of fixturesOf(folder)) {
        checked += 1;
        const n = normaliseRecord(f.record);
        if (!n.ok) {
          offenders.push(`${f.file}: record does not normalise: ${n.reason}`);
          continue;
        }
        const view = buildIndex(fixtureBaseline(f.baseline));
        let result = pipeline.evaluate(n.event, view);
        if (f.before) {
          // Lineage fixtures: the records before are fed through the session state as replay does.
          const sessions = new MemorySessionStore();
          for (const b of f.before) {
            const nb = normaliseRecord(b);
            if (!nb.ok) offenders.push(`${f.file}: a record before does not normalise: ${nb.reason}`);
            else await evaluateWithSessions(pipeline, nb.event, view, sessions);
          }
          result = await evaluateWithSessions(pipeline, n.event, view, sessions);
        }
        const { alerts, failures } = result;
        for (const fail of failures) offenders.push(`${f.file}: rule ${fail.rule} threw: ${fail.error}`);
        const fired = new Map(alerts.map((a) => [a.rule, a]));
        for (const id of f.expect)
          if (!fired.has(id)) offenders.push(`${f.file}: expected ${id}, got [${[...fired.keys()]}]`);
        if (!f.expect.includes(folder) && fired.has(folder)) {
          offenders.push(`${f.file}: ${folder} must not fire (${fired.get(folder)?.reasons.join('; ')})`);
        }
        // `expect` is exact: every rule the record fires, at any severity, is listed.
        for (const id of fired.keys())
          if (id !== folder && !f.expect.includes(id))
            offenders.push(`${f.file}: ${id} fired but is not in expect (${fired.get(id)?.severity})`);
        for (const [id, sev] of Object.entries(f.severity ?? {})) {
          const got = fired.get(id)?.severity;
          if (got && got !== sev) offenders.push(`${f.file}: ${id} severity ${got}, expected ${sev}`);
        }
        for (const a of alerts)
          if (a.reasons.length === 0) offenders.push(`${f.file}: ${a.rule} gave no reasons`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('exports the eventNames the rules read, per eventSource', () => {
    const sel = catalogueSelectors();
    const sts = sel.find((s) => s.eventSource === 'sts.amazonaws.com');
    expect(sts?.eventNames).toContain('AssumeRoleWithWebIdentity');
    const iam = sel.find((s) => s.eventSource === 'iam.amazonaws.com');
    expect(iam?.eventNames).toContain('CreateAccessKey');
    for (const s of sel) expect(new Set(s.eventNames).size).toBe(s.eventNames.length);
  });
});
