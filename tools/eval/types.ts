/** The evaluation report: what `iamwatch eval` prints (table) or emits (json). Deterministic. */
import type { Severity } from '../../shared/core/severity.js';

/** One alert as the eval sees it. */
export interface RaisedAlert {
  rule: string;
  severity: Severity;
}

/** One record of a dataset file after replay. */
export interface RecordResult {
  /** Path relative to the datasets root. */
  file: string;
  /** 1-based position of the record in its file. */
  index: number;
  line: number;
  eventSource: string;
  eventName: string;
  actorType: string;
  /** eventSource is watched by iamwatch (SCOPE_SOURCES), or the actor is root. */
  inScope: boolean;
  /** Why the record could not be evaluated (normaliser), when it could not. */
  problem: string | null;
  /** Every alert the record raised, in pipeline order (folding off). */
  alerts: RaisedAlert[];
}

export interface StratusRow {
  technique: string;
  file: string;
  records: number;
  scope: 'in' | 'out' | 'unclassified';
  intended: string[];
  /** `rule:severity` of alerts at >= the eval's minimum severity, sorted, each once. */
  raised: string[];
  /** `rule:severity` of alerts below the minimum severity. */
  below: string[];
  /** Intended rules that did not raise at >= the minimum severity. */
  missing: string[];
  verdict: 'PASS' | 'MISS' | 'out of scope' | 'unclassified';
  reason: string | null;
  /** Rules whose metadata (`emulatedBy`) names this technique but that did not raise on it. */
  emulatedButSilent: string[];
}

export interface PantherRow {
  rule: string;
  file: string;
  line: number;
  test: string;
  expected: boolean;
  raised: string[];
  /**
   * `contested`: a negative whose record has the same content as a positive of another Panther rule
   * (`contestedBy`); `disagreement`: a negative alerting on purpose, with the reason from
   * tools/eval/panther-disagreements.json in `why`.
   */
  verdict: 'ok' | 'MISS' | 'FP' | 'n/a' | 'unreadable' | 'contested' | 'disagreement';
  why: string | null;
  /** For a negative: the other Panther tests (`rule:line`) whose positive record has the same content. */
  contestedBy: string[];
}

/** A Panther negative on which iamwatch alerts on purpose (tools/eval/panther-disagreements.json). */
export interface PantherDisagreement {
  /** `PantherRuleId:line` of the negative test. */
  test: string;
  /** iamwatch rules allowed to raise on it. */
  iamwatch: string[];
  reason: string;
}

export interface PantherOutOfScope {
  rule: string;
  sources: string[];
  tests: number;
  reason: string;
}

/** A labelled record set (scenario files, OTRF lines) summarised per file. */
export interface LabelledFileRow {
  file: string;
  label: string;
  records: number;
  malicious: { total: number; inScope: number; caught: number };
  benign: { total: number; inScope: number; alerting: number; explained: number };
  /** `rule:count` of alerts at >= the minimum severity over the file. */
  byRule: string[];
  /** Notable records: in-scope malicious records raising nothing, benign records alerting. */
  notes: string[];
}

export interface Ratio {
  hit: number;
  of: number;
}

export interface EvalTotals {
  stratus: { pass: number; inScope: number; outOfScope: number; unclassified: number };
  /** Panther positives in scope: `unreadable` ones (no eventSource: Panther data-model tests) are not judged. */
  pantherPositives: { alerted: number; explained: number; missed: number; unreadable: number; of: number };
  /**
   * Panther negatives in scope: `contested` (another Panther rule labels the same content positive) and
   * `disagreements` (listed with a reason) are explained; `stale` counts list entries matching no alerting negative.
   */
  pantherNegatives: {
    alerting: number;
    contested: number;
    disagreements: number;
    unexplained: number;
    stale: number;
    of: number;
  };
  scenarioMalicious: Ratio;
  scenarioBenign: { alerting: number; explained: number; of: number };
  otrfMalicious: Ratio & { outOfScope: number };
  otrfBenign: { alerting: number; explained: number; of: number };
  /** In-scope positives caught / in-scope positives (Stratus counted per technique, others per record). */
  recall: Ratio;
  /** The same without the Panther positives that do not apply (a why) or cannot be read. */
  recallApplicable: Ratio;
  /** Negatives alerting at >= the minimum severity without a by-design explanation. */
  unexplainedFalsePositives: number;
  ruleFailures: number;
  unreadable: number;
}

export interface EvalReport {
  rules: string[];
  baseline: string;
  minSeverity: Severity;
  stratus: StratusRow[];
  panther: {
    rows: PantherRow[];
    outOfScope: PantherOutOfScope[];
    /** Disagreement entries that match no alerting negative (`test`): fix or drop them. */
    staleDisagreements: string[];
  };
  scenarios: LabelledFileRow[];
  otrf: LabelledFileRow[];
  totals: EvalTotals;
  /** Rules that threw (the engine caught them): a bug to fix. */
  failures: Array<{ file: string; line: number; rule: string; error: string }>;
  /** Records that could not be read or normalised. */
  problems: Array<{ file: string; line: number | null; reason: string }>;
}
