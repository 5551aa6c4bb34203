/**
 * The evaluation use case: replays the labelled public datasets (Stratus Red Team detonations, Panther
 * rule tests and scenarios, OTRF) through the detection pipeline and compares what iamwatch raised with
 * the labels. Files are read through the DatasetReader port; the result is a deterministic report.
 *
 * Each record is judged on its own alerts, so folding of repeats is off (as `replay --no-dedupe`).
 */

import { DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, replay } from '../../shared/app/replay.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import type { Baseline } from '../../shared/core/baseline/types.js';
import type { BaselineView } from '../../shared/core/baseline/view.js';
import type { Rule } from '../../shared/core/detection/rule.js';
import { RULES } from '../../shared/core/rules/index.js';
import { atLeast, SEVERITIES, type Severity } from '../../shared/core/severity.js';
import { parseDisagreements, parseLabels } from './labels.js';
import DISAGREEMENTS_JSON from './panther-disagreements.json' with { type: 'json' };
import {
  BY_DESIGN_ON_BENIGN,
  EVAL_MIN_SEVERITY,
  PANTHER_IN_SCOPE,
  PANTHER_OUT_OF_SCOPE,
  SCOPE_SOURCES,
  STRATUS_TECHNIQUES,
} from './scope.js';
import type {
  EvalReport,
  EvalTotals,
  LabelledFileRow,
  PantherDisagreement,
  PantherOutOfScope,
  PantherRow,
  RecordResult,
  StratusRow,
} from './types.js';

/** Dataset folders under the datasets root (test/datasets in the repository). */
export const DATASETS = {
  stratus: 'stratus-red-team-detonations',
  panther: 'panther-rule-tests',
  scenarios: 'panther-test-scenarios',
  otrf: 'otrf-cloud-breach-s3',
} as const;

/** Reads dataset files; paths are relative to the datasets root, with `/` separators. */
export interface DatasetReader {
  /** Parsed JSON of a file (labels.json). */
  readJson(rel: string): Promise<unknown>;
  /** CloudTrail records of a data file in file order; unreadable pieces go to `onProblem`. */
  records(
    rel: string,
    onProblem: (p: { line: number | null; reason: string }) => void,
  ): AsyncIterable<RawItem[]>;
}

export interface EvalDeps {
  reader: DatasetReader;
  /** The baseline the datasets meet, and how to name it in the report. */
  baseline: { name: string; baseline: Baseline };
  /** Defaults to the catalogue (RULES). */
  rules?: readonly Rule[];
  /** Panther negatives alerting on purpose; defaults to tools/eval/panther-disagreements.json. */
  disagreements?: readonly PantherDisagreement[];
}

/** Where the default list of disagreements lives, as named in errors and in the report. */
export const DISAGREEMENTS_FILE = 'tools/eval/panther-disagreements.json';

interface Ctx {
  deps: EvalDeps;
  pipeline: DetectionPipeline;
  view: BaselineView;
  failures: EvalReport['failures'];
  problems: EvalReport['problems'];
}

/**
 * Runs the evaluation.
 * @throws EvalDatasetError when a labels file is missing a field the eval reads (reader errors pass through).
 */
export async function runEval(deps: EvalDeps): Promise<EvalReport> {
  const rules = deps.rules ?? RULES;
  const ctx: Ctx = {
    deps,
    pipeline: new DetectionPipeline(rules),
    view: buildIndex(deps.baseline.baseline),
    failures: [],
    problems: [],
  };
  const disagreements = deps.disagreements ?? parseDisagreements(DISAGREEMENTS_JSON, DISAGREEMENTS_FILE);
  const stratus = await evalStratus(ctx, rules);
  const panther = await evalPanther(ctx, disagreements);
  const scenarios = await evalScenarios(ctx);
  const otrf = await evalOtrf(ctx);
  return {
    rules: rules.map((r) => r.meta.id),
    baseline: deps.baseline.name,
    minSeverity: EVAL_MIN_SEVERITY,
    stratus,
    panther,
    scenarios,
    otrf,
    totals: totalsOf(stratus, panther.rows, panther.staleDisagreements, scenarios, otrf, ctx),
    failures: ctx.failures,
    problems: ctx.problems,
  };
}

/** Replays one file; every record gets its own result with the alerts it raised. */
async function evaluateFile(ctx: Ctx, rel: string): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  let current: RecordResult | null = null;
  const reader = ctx.deps.reader;
  async function* oneByOne(): AsyncGenerator<RawItem[]> {
    const onProblem = (p: { line: number | null; reason: string }) =>
      ctx.problems.push({ file: rel, line: p.line, reason: p.reason });
    for await (const batch of reader.records(rel, onProblem)) {
      for (const item of batch) {
        const raw = item.raw;
        const ui = raw.userIdentity;
        current = {
          file: rel,
          index: results.length + 1,
          line: item.line,
          eventSource: typeof raw.eventSource === 'string' ? raw.eventSource : '',
          eventName: typeof raw.eventName === 'string' ? raw.eventName : '',
          actorType:
            ui && typeof ui === 'object' && typeof (ui as { type?: unknown }).type === 'string'
              ? ((ui as { type: string }).type as string)
              : '',
          inScope: false,
          problem: null,
          alerts: [],
        };
        current.inScope = SCOPE_SOURCES.includes(current.eventSource) || current.actorType === 'Root';
        results.push(current);
        // One record per batch: replay() finishes a batch before asking for the next, so every
        // alert and problem it reports belongs to `current`.
        yield [item];
      }
    }
  }
  await replay({
    source: oneByOne(),
    view: ctx.view,
    pipeline: ctx.pipeline,
    dedupe: false,
    emit: (a) => {
      current?.alerts.push({ rule: a.rule, severity: a.severity });
    },
    onProblem: (p) => {
      if (current) current.problem = p.reason;
      ctx.problems.push({ file: rel, line: p.line, reason: p.reason });
    },
    onRuleFailure: (f) => {
      ctx.failures.push({ file: rel, line: current?.line ?? 0, rule: f.rule, error: f.error });
    },
  });
  return results;
}

const counted = (r: RecordResult) => r.alerts.filter((a) => atLeast(a.severity, EVAL_MIN_SEVERITY));

/** `rule:severity`, highest severity per rule, sorted by rule. */
function summarise(alerts: RecordResult['alerts']): string[] {
  const best = new Map<string, Severity>();
  for (const a of alerts) {
    const prev = best.get(a.rule);
    if (!prev || SEVERITIES.indexOf(a.severity) > SEVERITIES.indexOf(prev)) best.set(a.rule, a.severity);
  }
  return [...best.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([r, s]) => `${r}:${s}`);
}

async function evalStratus(ctx: Ctx, rules: readonly Rule[]): Promise<StratusRow[]> {
  const dir = DATASETS.stratus;
  const labels = parseLabels(
    'stratus',
    await ctx.deps.reader.readJson(`${dir}/labels.json`),
    `${dir}/labels.json`,
  );
  const rows: StratusRow[] = [];
  for (const [file, label] of labels) {
    const records = await evaluateFile(ctx, `${dir}/${file}`);
    const all = records.flatMap((r) => r.alerts);
    const above = all.filter((a) => atLeast(a.severity, EVAL_MIN_SEVERITY));
    const below = all.filter((a) => !atLeast(a.severity, EVAL_MIN_SEVERITY));
    const raisedRules = new Set(above.map((a) => a.rule));
    const scope = STRATUS_TECHNIQUES[label.stratus_technique];
    const emulatedBy = rules
      .filter((r) => r.meta.emulatedBy.includes(label.stratus_technique))
      .map((r) => r.meta.id);
    const base = {
      technique: label.stratus_technique,
      file: `${dir}/${file}`,
      records: records.length,
      raised: summarise(above),
      below: summarise(below),
      emulatedButSilent: emulatedBy.filter((id) => !raisedRules.has(id)).sort(),
    };
    if (!scope) {
      rows.push({
        ...base,
        scope: 'unclassified',
        intended: [],
        missing: [],
        verdict: 'unclassified',
        reason: 'technique not in STRATUS_TECHNIQUES (tools/eval/scope.ts): classify it',
      });
    } else if ('outOfScope' in scope) {
      rows.push({
        ...base,
        scope: 'out',
        intended: [],
        missing: [],
        verdict: 'out of scope',
        reason: scope.outOfScope,
      });
    } else {
      const missing = scope.intended.filter((id) => !raisedRules.has(id));
      rows.push({
        ...base,
        scope: 'in',
        intended: [...scope.intended],
        missing,
        verdict: missing.length === 0 ? 'PASS' : 'MISS',
        reason: null,
      });
    }
  }
  return rows.sort((a, b) => a.technique.localeCompare(b.technique));
}

const MOCKED_WHY =
  "Panther's verdict rests on mocked lookups (allow-lists, geo-IP, prior events) that are not in the record";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);

/** JSON with object keys sorted at every level, so equal content gives equal text. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v ?? null;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical(v[k])]),
  );
}

/**
 * What a record says happened, without who, when or from where: the call (source, name), the kind of caller
 * and whether its session had MFA, the parameters, the error, and for sign-ins the MFA flag and outcome.
 * Two Panther tests whose records share this key describe the same behaviour.
 */
export function contentKey(raw: Record<string, unknown>): string {
  const ui = raw.userIdentity;
  return JSON.stringify(
    canonical([
      raw.eventSource,
      raw.eventName,
      field(ui, 'type'),
      field(field(field(ui, 'sessionContext'), 'attributes'), 'mfaAuthenticated'),
      raw.errorCode,
      raw.requestParameters,
      field(raw.additionalEventData, 'MFAUsed'),
      field(raw.responseElements, 'ConsoleLogin'),
    ]),
  );
}

/** Content key of every Panther test record → the positive tests (`rule:line`) with that content. */
async function positivesByContent(
  ctx: Ctx,
  dir: string,
  labels: ReturnType<typeof parseLabels<'panther'>>,
): Promise<{ positives: Map<string, Array<{ rule: string; test: string }>>; keys: Map<string, string> }> {
  const positives = new Map<string, Array<{ rule: string; test: string }>>();
  const keys = new Map<string, string>();
  for (const [file, label] of labels) {
    const expected = new Map(label.tests.map((t) => [t.line, t.expected_alert]));
    for await (const batch of ctx.deps.reader.records(`${dir}/${file}`, () => {})) {
      for (const item of batch) {
        if (!expected.has(item.line)) continue;
        const key = contentKey(item.raw);
        const test = `${label.rule_id}:${item.line}`;
        keys.set(test, key);
        if (expected.get(item.line))
          positives.set(key, [...(positives.get(key) ?? []), { rule: label.rule_id, test }]);
      }
    }
  }
  return { positives, keys };
}

async function evalPanther(
  ctx: Ctx,
  disagreements: readonly PantherDisagreement[],
): Promise<EvalReport['panther']> {
  const dir = DATASETS.panther;
  const labels = parseLabels(
    'panther',
    await ctx.deps.reader.readJson(`${dir}/labels.json`),
    `${dir}/labels.json`,
  );
  const listed = new Map(disagreements.map((d) => [d.test, d]));
  const content = await positivesByContent(ctx, dir, labels);
  const rows: PantherRow[] = [];
  const outOfScope: PantherOutOfScope[] = [];
  for (const [file, label] of labels) {
    const scope = PANTHER_IN_SCOPE[label.rule_id];
    if (!scope) {
      outOfScope.push({
        rule: label.rule_id,
        sources: [],
        tests: label.tests.length,
        reason: PANTHER_OUT_OF_SCOPE[label.rule_id] ?? '',
      });
      continue;
    }
    const records = await evaluateFile(ctx, `${dir}/${file}`);
    const byLine = new Map(records.map((r) => [r.line, r]));
    for (const t of [...label.tests].sort((a, b) => a.line - b.line)) {
      const rec = byLine.get(t.line);
      const raised = rec ? summarise(counted(rec)) : [];
      const id = `${label.rule_id}:${t.line}`;
      const note = scope.lines?.[t.line];
      let verdict: PantherRow['verdict'];
      let why: string | null = null;
      let contestedBy: string[] = [];
      if (!rec || rec.problem) {
        verdict = 'unreadable';
        why = rec?.problem ?? 'no record at this line';
      } else if (t.expected_alert === raised.length > 0) {
        verdict = 'ok';
      } else if (t.expected_alert) {
        // A positive that iamwatch misses needs its own reason.
        why = note?.missWhy ?? scope.missWhy ?? null;
        verdict = why ? 'n/a' : 'MISS';
      } else {
        // A negative that alerts: contested when another Panther rule calls the same content positive,
        // a documented disagreement when listed for every rule it raises, else a false positive.
        const key = content.keys.get(id);
        contestedBy = (key ? (content.positives.get(key) ?? []) : [])
          .filter((p) => p.rule !== label.rule_id)
          .map((p) => p.test);
        const entry = listed.get(id);
        const raisedRules = raised.map((r) => r.slice(0, r.lastIndexOf(':')));
        if (contestedBy.length > 0) {
          verdict = 'contested';
          why = `the same content is a positive of ${contestedBy.join(', ')}`;
        } else if (entry && raisedRules.every((r) => entry.iamwatch.includes(r))) {
          verdict = 'disagreement';
          why = entry.reason;
        } else {
          verdict = 'FP';
          if (entry)
            why = `${DISAGREEMENTS_FILE} lists ${entry.iamwatch.join(', ')} for this test, not ${raisedRules
              .filter((r) => !entry.iamwatch.includes(r))
              .join(', ')}`;
          else if (t.panther_mocks || t.panther_enrichment_dependent)
            why = `${MOCKED_WHY} (not listed in ${DISAGREEMENTS_FILE})`;
        }
      }
      rows.push({
        rule: label.rule_id,
        file: `${dir}/${file}`,
        line: t.line,
        test: t.test_name,
        expected: t.expected_alert,
        raised,
        verdict,
        why,
        contestedBy,
      });
    }
  }
  // A listed test that is contested, or no longer alerts, is stale: the list must say only what is needed.
  const disagreeing = new Set(
    rows.filter((r) => r.verdict === 'disagreement').map((r) => `${r.rule}:${r.line}`),
  );
  const staleDisagreements = disagreements.map((d) => d.test).filter((t) => !disagreeing.has(t));
  // Out-of-scope rules: name the services their positive tests come from (read, not evaluated).
  for (const o of outOfScope) {
    const sources = new Set<string>();
    const entry = labels.find(([, l]) => l.rule_id === o.rule);
    if (entry) {
      const [file, label] = entry;
      const positives = new Set(label.tests.filter((t) => t.expected_alert).map((t) => t.line));
      for await (const batch of ctx.deps.reader.records(`${dir}/${file}`, () => {})) {
        for (const item of batch) {
          if (positives.size > 0 && !positives.has(item.line)) continue;
          const s = item.raw.eventSource;
          sources.add(typeof s === 'string' && s.length > 0 ? s : '(none)');
        }
      }
    }
    o.sources = [...sources].sort();
    if (!o.reason) {
      o.reason = [...sources].some((s) => SCOPE_SOURCES.includes(s))
        ? 'not about IAM, STS, sign-in or CloudTrail tampering'
        : 'service not watched by iamwatch';
    }
  }
  return { rows, outOfScope, staleDisagreements };
}

function labelledRow(
  file: string,
  label: string,
  records: RecordResult[],
  isMalicious: (r: RecordResult) => boolean,
): LabelledFileRow {
  const row: LabelledFileRow = {
    file,
    label,
    records: records.length,
    malicious: { total: 0, inScope: 0, caught: 0 },
    benign: { total: 0, inScope: 0, alerting: 0, explained: 0 },
    byRule: [],
    notes: [],
  };
  const byRule = new Map<string, number>();
  // One document of records (`{"Records":[…]}`) puts every record on line 1: name them by position then.
  const byPosition = new Set(records.map((r) => r.line)).size < records.length;
  for (const r of records) {
    const hits = counted(r);
    for (const a of hits) byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + 1);
    const where = `${r.file}${byPosition ? `#${r.index}` : `:${r.line}`} ${r.eventName || '(no eventName)'}`;
    if (isMalicious(r)) {
      row.malicious.total += 1;
      if (!r.inScope) continue;
      row.malicious.inScope += 1;
      if (hits.length > 0) row.malicious.caught += 1;
      else row.notes.push(`malicious, not caught: ${where}${r.problem ? ` (${r.problem})` : ''}`);
    } else {
      row.benign.total += 1;
      if (r.inScope) row.benign.inScope += 1;
      if (hits.length === 0) continue;
      row.benign.alerting += 1;
      const unexplained = hits.filter((a) => !BY_DESIGN_ON_BENIGN[a.rule]);
      if (unexplained.length === 0) {
        row.benign.explained += 1;
        row.notes.push(`benign, alerting by design: ${where} -> ${summarise(hits).join(', ')}`);
      } else {
        row.notes.push(`benign, alerting: ${where} -> ${summarise(hits).join(', ')}`);
      }
    }
  }
  row.byRule = [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${r}:${n}`);
  return row;
}

async function evalScenarios(ctx: Ctx): Promise<LabelledFileRow[]> {
  const dir = DATASETS.scenarios;
  const labels = parseLabels(
    'scenarios',
    await ctx.deps.reader.readJson(`${dir}/labels.json`),
    `${dir}/labels.json`,
  );
  const rows: LabelledFileRow[] = [];
  for (const [file, label] of labels) {
    const records = await evaluateFile(ctx, `${dir}/${file}`);
    rows.push(labelledRow(`${dir}/${file}`, label.label, records, () => label.label === 'malicious'));
  }
  return rows;
}

async function evalOtrf(ctx: Ctx): Promise<LabelledFileRow[]> {
  const dir = DATASETS.otrf;
  const labels = parseLabels(
    'otrf',
    await ctx.deps.reader.readJson(`${dir}/labels.json`),
    `${dir}/labels.json`,
  );
  const rows: LabelledFileRow[] = [];
  for (const [file, label] of labels) {
    const bad = new Set(label.malicious_lines);
    const records = await evaluateFile(ctx, `${dir}/${file}`);
    rows.push(labelledRow(`${dir}/${file}`, 'per line', records, (r) => bad.has(r.line)));
  }
  return rows;
}

function totalsOf(
  stratus: StratusRow[],
  panther: PantherRow[],
  staleDisagreements: readonly string[],
  scenarios: LabelledFileRow[],
  otrf: LabelledFileRow[],
  ctx: Ctx,
): EvalTotals {
  const sum = (rows: LabelledFileRow[], f: (r: LabelledFileRow) => number) =>
    rows.reduce((n, r) => n + f(r), 0);
  const pos = panther.filter((r) => r.expected);
  const neg = panther.filter((r) => !r.expected);
  const t: EvalTotals = {
    stratus: {
      pass: stratus.filter((r) => r.verdict === 'PASS').length,
      inScope: stratus.filter((r) => r.scope === 'in').length,
      outOfScope: stratus.filter((r) => r.scope === 'out').length,
      unclassified: stratus.filter((r) => r.scope === 'unclassified').length,
    },
    pantherPositives: {
      alerted: pos.filter((r) => r.verdict === 'ok').length,
      explained: pos.filter((r) => r.verdict === 'n/a').length,
      missed: pos.filter((r) => r.verdict === 'MISS').length,
      unreadable: pos.filter((r) => r.verdict === 'unreadable').length,
      of: pos.length,
    },
    pantherNegatives: {
      alerting: neg.filter((r) => r.raised.length > 0).length,
      contested: neg.filter((r) => r.verdict === 'contested').length,
      disagreements: neg.filter((r) => r.verdict === 'disagreement').length,
      unexplained: neg.filter((r) => r.verdict === 'FP').length,
      stale: staleDisagreements.length,
      of: neg.length,
    },
    scenarioMalicious: {
      hit: sum(scenarios, (r) => r.malicious.caught),
      of: sum(scenarios, (r) => r.malicious.inScope),
    },
    scenarioBenign: {
      alerting: sum(scenarios, (r) => r.benign.alerting),
      explained: sum(scenarios, (r) => r.benign.explained),
      of: sum(scenarios, (r) => r.benign.total),
    },
    otrfMalicious: {
      hit: sum(otrf, (r) => r.malicious.caught),
      of: sum(otrf, (r) => r.malicious.inScope),
      outOfScope: sum(otrf, (r) => r.malicious.total - r.malicious.inScope),
    },
    otrfBenign: {
      alerting: sum(otrf, (r) => r.benign.alerting),
      explained: sum(otrf, (r) => r.benign.explained),
      of: sum(otrf, (r) => r.benign.total),
    },
    recall: { hit: 0, of: 0 },
    recallApplicable: { hit: 0, of: 0 },
    unexplainedFalsePositives: 0,
    ruleFailures: ctx.failures.length,
    unreadable: ctx.problems.length,
  };
  t.recall = {
    hit: t.stratus.pass + t.pantherPositives.alerted + t.scenarioMalicious.hit + t.otrfMalicious.hit,
    of: t.stratus.inScope + t.pantherPositives.of + t.scenarioMalicious.of + t.otrfMalicious.of,
  };
  t.recallApplicable = {
    hit: t.recall.hit,
    of: t.recall.of - t.pantherPositives.explained - t.pantherPositives.unreadable,
  };
  t.unexplainedFalsePositives =
    t.pantherNegatives.unexplained +
    (t.scenarioBenign.alerting - t.scenarioBenign.explained) +
    (t.otrfBenign.alerting - t.otrfBenign.explained);
  return t;
}
