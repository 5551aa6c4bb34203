/**
 * Baseline data → domain `Baseline`, with every problem reported as `file:line: field: message`: the part
 * of reading a baseline that does not depend on how the YAML was parsed. parse.ts reads YAML with the
 * `yaml` package; yaml-subset.ts reads the subset baseline files use without loading it.
 *
 * zod strict objects reject unknown keys, and cross-field checks (duplicates, team references, incident
 * windows) run on top.
 */
import type { z } from 'zod';
import { identityKeyOf, identityKeyString } from '../arn.js';
import { baselineChecks, type CheckOptions } from './checks.js';
import { formatPath, parsePath, type Segment } from './field-path.js';
import { type BaselineFile, baselineFileSchema, KEYS_AT } from './schema.js';
import { suggest } from './suggest.js';
import type { Baseline, BaselineIssue, IncidentWindow } from './types.js';
import { baselineWarnings, type WarningOptions } from './warnings.js';
import { readYamlSubset } from './yaml-subset.js';

/** Options of parseBaseline: warnings against a clock, checks against the rule catalogue. */
export type ParseOptions = WarningOptions & CheckOptions;

/** Result of reading a baseline: the baseline when there is no error-level issue, and every issue. */
export interface ParsedBaseline {
  baseline: Baseline | null;
  issues: BaselineIssue[];
}

/** Records one issue of the file being read. */
export type Add = (
  line: number | null,
  field: string,
  message: string,
  level?: BaselineIssue['level'],
) => void;

/** A YAML document as plain data, and the line (1-based) of every map key and list item by field path. */
export interface ReadDocument {
  data: unknown;
  lines: Map<string, number>;
}

/** Parses YAML text (BOM removed) into data and lines, or reports why not (through `add`) and returns null. */
export type YamlReader = (source: string, add: Add) => ReadDocument | null;

/**
 * Reads and validates a baseline with `read` for the YAML. Never throws.
 *
 * @param text - the file's content.
 * @param file - the name to report in issues.
 * @param opts - see parseBaseline.
 * @param read - the YAML reader.
 */
export function parseBaselineWith(
  text: string,
  file: string,
  opts: ParseOptions,
  read: YamlReader,
): ParsedBaseline {
  const issues: BaselineIssue[] = [];
  const add: Add = (line, field, message, level = 'error') =>
    issues.push({ file, line, field, message, level });
  try {
    const doc = read(String(text).replace(/^\uFEFF/, ''), add);
    const baseline = doc === null ? null : validate(doc, add, opts);
    return {
      baseline: issues.some((i) => i.level === 'error') ? null : baseline,
      issues: sortIssues(issues),
    };
  } catch (err) {
    add(
      null,
      '',
      `internal error while reading the baseline: ${err instanceof Error ? err.message : String(err)}`,
    );
    return { baseline: null, issues: sortIssues(issues) };
  }
}

/**
 * parseBaseline without the `yaml` package: the same result when the file lies in the YAML subset that
 * yaml-subset.ts reads, else null (then parse.ts's parseBaseline reads it). Never throws.
 */
export function parseBaselineSubset(
  text: string,
  file: string,
  opts: ParseOptions = {},
): ParsedBaseline | null {
  let declined = false;
  const result = parseBaselineWith(text, file, opts, (source) => {
    const doc = readYamlSubset(source);
    declined = doc === null;
    return doc;
  });
  return declined ? null : result;
}

/**
 * parseBaseline, loading the `yaml` package only for a file outside the subset yaml-subset.ts reads
 * (the same result either way). Never rejects.
 */
export async function parseBaselineLazily(
  text: string,
  file: string,
  opts: ParseOptions = {},
): Promise<ParsedBaseline> {
  const fast = parseBaselineSubset(text, file, opts);
  if (fast !== null) return fast;
  const { parseBaselineWithYaml } = await import('./parse.js');
  return parseBaselineWithYaml(text, file, opts);
}

/** `file:line: field: message` (line and field omitted when unknown). */
export function formatIssue(i: BaselineIssue): string {
  const where = i.line === null ? i.file : `${i.file}:${i.line}`;
  const level = i.level === 'warning' ? 'warning: ' : '';
  return i.field === '' ? `${where}: ${level}${i.message}` : `${where}: ${level}${i.field}: ${i.message}`;
}

function validate({ data, lines }: ReadDocument, add: Add, opts: ParseOptions): Baseline | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    add(1, '', 'the baseline must be a mapping with version, identities, …');
    return null;
  }

  const locate = (path: readonly Segment[]): number | null => {
    for (let n = path.length; n >= 0; n -= 1) {
      const line = lines.get(formatPath(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return null;
  };

  // jitless: zod would otherwise generate and compile a parser per object schema on first use, which
  // costs more than the one file a process validates (the same issues either way).
  const result = baselineFileSchema.safeParse(data, { reportInput: true, jitless: true });
  if (!result.success) {
    for (const issue of result.error.issues) reportZodIssue(issue, locate, add);
  }
  crossChecks(data as Record<string, unknown>, locate, add);
  if (!result.success) return null;

  const baseline = toDomain(result.data);
  for (const w of baselineWarnings(baseline, opts)) {
    add(locate(parsePath(w.field)), w.field, w.message, 'warning');
  }
  for (const c of baselineChecks(baseline, opts))
    add(locate(parsePath(c.field)), c.field, c.message, c.level);
  return baseline;
}

function reportZodIssue(issue: z.core.$ZodIssue, locate: (p: readonly Segment[]) => number | null, add: Add) {
  const path = issue.path.filter((s): s is Segment => typeof s === 'string' || typeof s === 'number');
  if (issue.code === 'unrecognized_keys') {
    const known = KEYS_AT[locationOf(path)] ?? [];
    for (const key of issue.keys) {
      const keyPath = [...path, key];
      const hint = suggest(key, known);
      const message =
        hint !== null
          ? `unknown key (did you mean "${hint}"?)`
          : `unknown key (allowed: ${known.join(', ') || 'none'})`;
      add(locate(keyPath), formatPath(keyPath), message);
    }
    return;
  }
  add(locate(path), formatPath(path), describe(issue));
}

function describe(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined && issue.code !== 'custom') return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${typeName(input)}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const got = `got ${JSON.stringify(input) ?? typeName(input)}`;
      return values.length === 1
        ? `must be ${values[0]} (${got})`
        : `must be one of ${values.join(', ')} (${got})`;
    }
    case 'too_small':
      return issue.origin === 'array' ? 'must list at least one entry' : 'must not be empty';
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object' || expected === 'record') return 'a mapping';
  return `a ${expected}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : `a ${typeof v}`} (${JSON.stringify(v)})`;
}

/** Checks spanning fields, run on the raw data so that they report alongside schema errors. */
function crossChecks(
  data: Record<string, unknown>,
  locate: (p: readonly Segment[]) => number | null,
  add: Add,
) {
  const accounts = data.accounts;
  if (isRecord(accounts)) {
    for (const id of Object.keys(accounts)) {
      if (!/^\d{12}$/.test(id))
        add(locate(['accounts', id]), formatPath(['accounts', id]), 'account id must be 12 digits');
    }
  }

  const teams = isRecord(data.teams) ? Object.keys(data.teams) : [];
  const identities = Array.isArray(data.identities) ? data.identities : [];
  const seen = new Map<string, number>();
  identities.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    if (typeof raw.arn === 'string') {
      const key = identityKeyOf(raw.arn);
      if (key !== null) {
        const id = identityKeyString(key);
        const first = seen.get(id);
        if (first === undefined) seen.set(id, i);
        else {
          const at = locate(['identities', first]);
          add(
            locate(['identities', i, 'arn']),
            `identities[${i}].arn`,
            `duplicate identity: ${raw.arn} is already declared at identities[${first}]${at === null ? '' : ` (line ${at})`}`,
          );
        }
      }
    }
    if (typeof raw.team === 'string' && !teams.includes(raw.team)) {
      const hint = suggest(raw.team, teams);
      const known = teams.length === 0 ? 'no teams are declared' : `declared: ${teams.join(', ')}`;
      add(
        locate(['identities', i, 'team']),
        `identities[${i}].team`,
        `unknown team "${raw.team}" (${hint === null ? known : `did you mean "${hint}"?`})`,
      );
    }
  });

  const incidents = Array.isArray(data.incidents) ? data.incidents : [];
  incidents.forEach((raw, i) => {
    if (!isRecord(raw) || typeof raw.from !== 'string' || typeof raw.until !== 'string') return;
    const from = Date.parse(raw.from);
    const until = Date.parse(raw.until);
    if (Number.isFinite(from) && Number.isFinite(until) && until <= from) {
      add(locate(['incidents', i, 'until']), `incidents[${i}].until`, `must be after from (${raw.from})`);
    }
  });
}

function toDefaults(d: BaselineFile['defaults']): Baseline['defaults'] {
  const out: Baseline['defaults'] = {};
  if (d?.team !== undefined) out.team = d.team;
  if (d?.sign_in?.iam_users !== undefined || d?.sign_in?.device_code !== undefined)
    out.signIn = compact({ iamUsers: d.sign_in.iam_users, deviceCode: d.sign_in.device_code });
  return out;
}

function toDomain(f: BaselineFile): Baseline {
  return {
    version: 1,
    accounts: { ...(f.accounts ?? {}) },
    teams: Object.fromEntries(
      Object.entries(f.teams ?? {}).map(([k, t]) => [k, t.slack === undefined ? {} : { slack: t.slack }]),
    ),
    defaults: toDefaults(f.defaults),
    identities: (f.identities ?? []).map((i) =>
      compact({
        arn: i.arn,
        kind: i.kind,
        owner: i.owner,
        purpose: i.purpose,
        environment: i.environment,
        team: i.team,
        reviewAfter: i.review_after,
        oidc: (i.oidc ?? []).map((o) =>
          compact({
            provider: o.provider,
            audience: o.audience,
            subjects: o.subjects,
            workflows: o.workflows,
            allowPullRequests: o.allow_pull_requests ?? false,
          }),
        ),
        callers: i.callers ?? [],
        callersDeclared: i.callers !== undefined && i.callers.length === 0 ? true : undefined,
        passedBy: i.passed_by,
        passedTo: i.passed_to,
      }),
    ),
    suppressions: (f.suppressions ?? []).map((s) =>
      compact({
        rule: s.rule,
        actor: s.actor,
        target: s.target,
        reason: s.reason,
        owner: s.owner,
        expires: s.expires,
      }),
    ),
    incidents: (f.incidents ?? []).map(
      (w, index): IncidentWindow =>
        compact({
          id: `file:${index}`,
          identity: w.identity,
          ticket: w.ticket,
          from: w.from,
          until: w.until,
          reason: w.reason,
          source: 'file' as const,
        }),
    ),
    ...(f.rules === undefined
      ? {}
      : {
          rules: f.rules.map(({ count_thresholds, ...r }) =>
            compact({
              ...r,
              countThresholds: count_thresholds?.map((t) => ({ atLeast: t.at_least, severity: t.severity })),
            }),
          ),
        }),
    ...(f.protected_rules === undefined ? {} : { protectedRules: f.protected_rules }),
    ...(f.trail_buckets === undefined ? {} : { trailBuckets: f.trail_buckets }),
    ...(f.admin_permission_sets === undefined ? {} : { adminPermissionSets: f.admin_permission_sets }),
  };
}

/** Drop undefined members (optional fields stay absent, as in a hand-written object). */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Location of an object for KEYS_AT: indexes → `[]`, record keys under accounts/teams → `*`. */
function locationOf(path: readonly Segment[]): string {
  const parts: string[] = [];
  path.forEach((s, i) => {
    if (typeof s === 'number') parts.push('[]');
    else if (i === 1 && (path[0] === 'accounts' || path[0] === 'teams')) parts.push('.*');
    else parts.push(parts.length === 0 ? s : `.${s}`);
  });
  return parts.join('');
}

function sortIssues(issues: BaselineIssue[]): BaselineIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort(
      (a, b) =>
        (a.issue.line ?? Number.MAX_SAFE_INTEGER) - (b.issue.line ?? Number.MAX_SAFE_INTEGER) || a.i - b.i,
    )
    .map(({ issue }) => issue);
}
