/**
 * Plain-text rendering of the evaluation report. Deterministic (no timings, no absolute paths), so the
 * output is kept as a golden file and changes in detection show up in review.
 */
import type { EvalReport, LabelledFileRow, Ratio } from './types.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function clean(s: string, max: number): string {
  const out = s.replace(CONTROL, ' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function table(headers: string[], rows: string[][], max: number[] = []): string[] {
  const cells = rows.map((r) => r.map((c, i) => clean(c, max[i] ?? 80)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

const pct = (r: Ratio) => (r.of === 0 ? 'n/a' : `${((100 * r.hit) / r.of).toFixed(1)}%`);
const list = (xs: readonly string[]) => (xs.length === 0 ? '-' : xs.join(', '));

/** The report as the plain-text table `iamwatch eval` prints. */
export function renderEvalReport(r: EvalReport): string {
  const out: string[] = [];
  const t = r.totals;
  out.push('iamwatch eval: the detection catalogue against labelled public CloudTrail data (test/datasets)');
  out.push(`rules (${r.rules.length}): ${r.rules.join(', ')}`);
  out.push(`baseline: ${r.baseline}`);
  out.push(`an alert counts at severity >= ${r.minSeverity}; each record is judged alone (folding off)`);
  out.push('');

  out.push(`== Stratus Red Team detonations: ${r.stratus.length} techniques ==`);
  out.push(
    ...table(
      ['TECHNIQUE', 'RECORDS', 'INTENDED', 'RAISED', 'VERDICT'],
      r.stratus.map((s) => [
        s.technique,
        String(s.records),
        s.scope === 'in' ? list(s.intended) : '-',
        list(s.raised) + (s.below.length > 0 ? ` (below: ${s.below.join(', ')})` : ''),
        s.verdict === 'MISS'
          ? `MISS (${s.missing.join(', ')})`
          : s.verdict === 'PASS'
            ? 'PASS'
            : `${s.verdict}: ${s.reason ?? ''}`,
      ]),
      [60, 7, 60, 120, 160],
    ),
  );
  const silent = r.stratus.filter((s) => s.emulatedButSilent.length > 0);
  for (const s of silent)
    out.push(
      `note: ${s.emulatedButSilent.join(', ')} list ${s.technique} in emulatedBy but raised nothing on it`,
    );
  out.push('');

  const rows = r.panther.rows;
  const inRules = new Set(rows.map((p) => p.rule));
  out.push(
    `== Panther rule tests: ${inRules.size} rules in scope (${rows.length} tests), ${r.panther.outOfScope.length} out of scope ==`,
  );
  out.push(
    ...table(
      ['PANTHER TEST', 'NAME', 'EXPECTED', 'IAMWATCH', 'VERDICT', 'WHY'],
      rows.map((p) => [
        `${p.rule}:${p.line}`,
        p.test,
        p.expected ? 'alert' : 'none',
        list(p.raised),
        p.verdict,
        p.why ?? '',
      ]),
      [60, 50, 8, 90, 10, 200],
    ),
  );
  out.push('');
  out.push(...negatives(r));
  out.push('');
  out.push('Panther rules out of scope (service: rules):');
  const bySource = new Map<string, string[]>();
  for (const o of r.panther.outOfScope) {
    const key = `${o.sources.join('+') || '(no records)'}${o.reason === 'service not watched by iamwatch' ? '' : ` [${o.reason}]`}`;
    bySource.set(key, [...(bySource.get(key) ?? []), `${o.rule} (${o.tests})`]);
  }
  for (const key of [...bySource.keys()].sort())
    out.push(`  ${clean(key, 200)}: ${(bySource.get(key) ?? []).join(', ')}`);
  out.push('');

  out.push('== Panther test scenarios (label per file) ==');
  out.push(...labelled(r.scenarios));
  out.push('');
  out.push('== OTRF cloud breach S3 (label per line) ==');
  out.push(...labelled(r.otrf));
  out.push('');

  out.push('== Totals ==');
  const pp = t.pantherPositives;
  const pn = t.pantherNegatives;
  out.push(
    ...table(
      ['MEASURE', 'RESULT'],
      [
        [
          'Stratus techniques in scope: PASS',
          `${t.stratus.pass}/${t.stratus.inScope} (out of scope ${t.stratus.outOfScope}, unclassified ${t.stratus.unclassified})`,
        ],
        [
          'Panther positives in scope: alerted',
          `${pp.alerted}/${pp.of} (n/a with a why ${pp.explained}, unreadable ${pp.unreadable}, MISS ${pp.missed}; recall on applicable ${pct({ hit: pp.alerted, of: pp.of - pp.explained - pp.unreadable })})`,
        ],
        [
          'Scenario malicious records in scope: caught',
          `${t.scenarioMalicious.hit}/${t.scenarioMalicious.of}`,
        ],
        [
          'OTRF malicious records in scope: caught',
          `${t.otrfMalicious.hit}/${t.otrfMalicious.of} (out of scope ${t.otrfMalicious.outOfScope})`,
        ],
        ['Recall on in-scope positives', `${t.recall.hit}/${t.recall.of} = ${pct(t.recall)}`],
        [
          'Recall on applicable in-scope positives',
          `${t.recallApplicable.hit}/${t.recallApplicable.of} = ${pct(t.recallApplicable)}`,
        ],
        [
          'Panther negatives in scope: alerting',
          `${pn.alerting}/${pn.of} (contested ${pn.contested}, documented disagreements ${pn.disagreements}, unexplained FP ${pn.unexplained})`,
        ],
        ['Stale disagreement entries', String(pn.stale)],
        [
          'Scenario benign records: alerting',
          `${t.scenarioBenign.alerting}/${t.scenarioBenign.of} (by design ${t.scenarioBenign.explained})`,
        ],
        [
          'OTRF benign records: alerting',
          `${t.otrfBenign.alerting}/${t.otrfBenign.of} (by design ${t.otrfBenign.explained})`,
        ],
        ['False positives without a why', String(t.unexplainedFalsePositives)],
        ['Rule failures (rules that threw)', String(t.ruleFailures)],
        ['Unreadable or unusable records', String(t.unreadable)],
      ],
      [50, 200],
    ),
  );
  for (const f of r.failures) out.push(`rule failure: ${f.file}:${f.line} ${f.rule}: ${clean(f.error, 200)}`);
  for (const p of r.problems)
    out.push(`problem: ${p.file}${p.line === null ? '' : `:${p.line}`}: ${clean(p.reason, 200)}`);
  return `${out.join('\n')}\n`;
}

/** The Panther negatives that alert at >= the minimum severity, grouped by how they are explained. */
function negatives(r: EvalReport): string[] {
  const alerting = r.panther.rows.filter((p) => !p.expected && p.raised.length > 0);
  const out = [`Panther negatives alerting at >= ${r.minSeverity}: ${alerting.length}`];
  const group = (verdict: string, head: string, line: (p: (typeof alerting)[number]) => string) => {
    const rows = alerting.filter((p) => p.verdict === verdict);
    out.push(`  ${head}: ${rows.length}`);
    for (const p of rows)
      out.push(`    ${clean(`${p.rule}:${p.line} -> ${list(p.raised)}; ${line(p)}`, 300)}`);
  };
  group(
    'contested',
    'contested (another Panther rule labels a record of the same content positive: same call, caller kind, parameters, error and sign-in outcome; not noise)',
    (p) => `positive for ${p.contestedBy.join(', ')}`,
  );
  group(
    'disagreement',
    'documented disagreements (alert on purpose; tools/eval/panther-disagreements.json)',
    (p) => p.why ?? '',
  );
  group('FP', 'unexplained (false positives)', (p) => p.why ?? 'no contest, not listed');
  for (const t of r.panther.staleDisagreements)
    out.push(
      `  stale: ${clean(t, 120)} is listed in tools/eval/panther-disagreements.json but is not an alerting, uncontested negative`,
    );
  return out;
}

function labelled(rows: LabelledFileRow[]): string[] {
  const out = table(
    ['FILE', 'LABEL', 'RECORDS', 'MALICIOUS IN SCOPE CAUGHT', 'BENIGN ALERTING', 'ALERTS BY RULE'],
    rows.map((r) => [
      r.file,
      r.label,
      String(r.records),
      r.malicious.total === 0
        ? '-'
        : `${r.malicious.caught}/${r.malicious.inScope} (of ${r.malicious.total} malicious)`,
      r.benign.total === 0
        ? '-'
        : `${r.benign.alerting}/${r.benign.total}${r.benign.explained > 0 ? ` (by design ${r.benign.explained})` : ''}`,
      list(r.byRule),
    ]),
    [70, 10, 7, 40, 30, 120],
  );
  for (const r of rows) for (const n of r.notes) out.push(`  ${clean(n, 300)}`);
  return out;
}
