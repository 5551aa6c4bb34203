/**
 * Baseline file → domain `Baseline`, with every problem reported as `file:line: field: message`.
 *
 * YAML is read with the core schema (YAML 1.2: dates stay strings, `yes` is not a boolean) and walked
 * node by node so that each value keeps the line it came from; zod strict objects then reject unknown
 * keys, and cross-field checks (duplicates, team references, incident windows) run on top.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseDocument,
  type YAMLError,
  type Node as YamlNode,
} from 'yaml';
import type { z } from 'zod';
import { identityKeyOf, identityKeyString } from '../arn.js';
import { baselineChecks, type CheckOptions } from './checks.js';
import { type BaselineFile, baselineFileSchema, KEYS_AT } from './schema.js';
import { suggest } from './suggest.js';
import type { Baseline, BaselineIssue, IncidentWindow } from './types.js';
import { baselineWarnings, type WarningOptions } from './warnings.js';

export type ParseOptions = WarningOptions & CheckOptions;

export { suggest };

/** Result of reading a baseline: the baseline when there is no error-level issue, and every issue. */
export interface ParsedBaseline {
  baseline: Baseline | null;
  issues: BaselineIssue[];
}

type Segment = string | number;
type LineMap = Map<string, number>;

const MAX_DEPTH = 64;
const MAX_ALIASES = 256;

/**
 * Parse and validate a baseline file. Never throws.
 *
 * @param text - the file's content.
 * @param file - the name to report in issues (usually the path as the user gave it).
 * @param opts - `nowMs` enables "suppression already expired" and "review overdue" warnings; `ruleIds`
 *   (the rule catalogue's ids) makes a suppression of any other rule an error.
 */
export function parseBaseline(text: string, file: string, opts: ParseOptions = {}): ParsedBaseline {
  const issues: BaselineIssue[] = [];
  const add = (
    line: number | null,
    field: string,
    message: string,
    level: BaselineIssue['level'] = 'error',
  ) => issues.push({ file, line, field, message, level });
  try {
    const baseline = parseInto(String(text), add, opts);
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

/** `file:line: field: message` (line and field omitted when unknown). */
export function formatIssue(i: BaselineIssue): string {
  const where = i.line === null ? i.file : `${i.file}:${i.line}`;
  const level = i.level === 'warning' ? 'warning: ' : '';
  return i.field === '' ? `${where}: ${level}${i.message}` : `${where}: ${level}${i.field}: ${i.message}`;
}

type Add = (line: number | null, field: string, message: string, level?: BaselineIssue['level']) => void;

function parseInto(text: string, add: Add, opts: ParseOptions): Baseline | null {
  const counter = new LineCounter();
  const source = text.replace(/^\uFEFF/, '');
  const doc = parseDocument(source, {
    lineCounter: counter,
    prettyErrors: false,
    schema: 'core',
    uniqueKeys: true,
  });
  const lineAt = (offset: number | undefined): number | null =>
    offset === undefined ? null : counter.linePos(offset).line;

  if (doc.errors.length > 0) {
    // Only the first: what follows a syntax error is the parser's guesswork, not more mistakes.
    const [first] = doc.errors
      .map((e) => ({ e, at: syntaxErrorOffset(source, e) }))
      .sort((a, b) => a.at - b.at);
    if (first !== undefined) add(lineAt(first.at), '', `YAML: ${firstLine(first.e.message)}`);
    return null;
  }
  for (const w of doc.warnings) add(lineAt(w.pos[0]), '', `YAML: ${firstLine(w.message)}`, 'warning');

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    add(1, '', 'the baseline is empty: expected a mapping starting with "version: 1"');
    return null;
  }

  const lines: LineMap = new Map([['', 1]]);
  const walker = new Walker(doc, lines, lineAt, add);
  const data = walker.toValue(doc.contents, []);
  if (walker.failed) return null;
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

/** Converts YAML nodes to plain values, recording the line of every map key and sequence item. */
class Walker {
  failed = false;
  private aliases = 0;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineMap,
    private readonly lineAt: (offset: number | undefined) => number | null,
    private readonly add: Add,
  ) {}

  toValue(node: unknown, path: Segment[]): unknown {
    if (this.failed) return null;
    if (path.length > MAX_DEPTH) return this.fail(node, path, 'nested too deeply');
    if (isAlias(node)) {
      this.aliases += 1;
      if (this.aliases > MAX_ALIASES) return this.fail(node, path, 'too many aliases');
      return this.toValue(node.resolve(this.doc), path);
    }
    if (isScalar(node)) {
      const v = node.value;
      // Keep the written text when a plain number would lose it (account ids with a leading zero, 1.0).
      if (
        typeof v === 'number' &&
        node.type === 'PLAIN' &&
        node.source !== undefined &&
        node.source !== String(v)
      ) {
        return node.source;
      }
      if (typeof v === 'bigint') return String(v);
      return v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const itemPath = [...path, i];
        const line = this.lineAt((item as YamlNode | null)?.range?.[0]);
        if (line !== null) this.lines.set(formatPath(itemPath), line);
        return this.toValue(item, itemPath);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
          return this.fail(key ?? node, path, 'keys must be plain words');
        }
        const name = key.source ?? String(key.value);
        const keyPath = [...path, name];
        const line = this.lineAt(key.range?.[0]);
        if (line !== null) this.lines.set(formatPath(keyPath), line);
        // Own property only: a key named __proto__ must stay data.
        Object.defineProperty(out, name, {
          value: this.toValue(pair.value, keyPath),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (node === null || node === undefined) return null;
    return this.fail(node, path, 'unsupported YAML node');
  }

  private fail(node: unknown, path: Segment[], message: string): null {
    this.failed = true;
    this.add(this.lineAt((node as YamlNode | null)?.range?.[0]), formatPath(path), message);
    return null;
  }
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

/** `['identities', 1, 'oidc', 0, 'subject']` → `identities[1].oidc[0].subject`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Inverse of formatPath for the paths warnings produce. */
function parsePath(field: string): Segment[] {
  const out: Segment[] = [];
  for (const m of field.matchAll(/([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
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

/**
 * Where to report a syntax error. The parser places an unclosed quote at the end of the file; the
 * line that opens it (the first quoted scalar left open or running over a line end) is where the fix goes.
 */
function syntaxErrorOffset(text: string, e: YAMLError): number {
  if (e.code !== 'MISSING_CHAR' || !/quote/i.test(e.message)) return e.pos[0];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer interleaves control tokens (document start, flow end, scalar) that are not source text.
    if (token === '\u0002' || token === '\u0018' || token === '\u001f') continue;
    const q = token[0];
    // A quoted scalar that runs over a line end is almost always the unclosed one, closed by
    // accident at the next quote further down.
    if ((q === '"' || q === "'") && (!closedQuote(token) || token.includes('\n'))) return offset;
    offset += token.length;
  }
  return e.pos[0];
}

function closedQuote(token: string): boolean {
  if (token.length < 2 || token[token.length - 1] !== token[0]) return false;
  if (token[0] === "'") return true;
  let backslashes = 0;
  for (let i = token.length - 2; i > 0 && token[i] === '\\'; i -= 1) backslashes += 1;
  return backslashes % 2 === 0;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
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
