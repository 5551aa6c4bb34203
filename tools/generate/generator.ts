/**
 * The streaming generator. Records are produced in global time order: each step either emits
 * the earliest pending follow-up record or starts a new activity (chosen by weight, office
 * hours shaping human and CI activity); planted scenarios are injected at planned times. Records
 * go to per-(account, region) buffers that are cut into CloudTrail-style objects of 100-500
 * records as they fill, so memory holds at most one buffer per account and region.
 */

import { ToolError } from '../errors.js';
import { type Activity, benignMix, World } from './activities.js';
import { type PlannedIncident, renderBaseline } from './baseline.js';
import { type Draft, iso, serialise } from './cloudtrail.js';
import { ROLES } from './org.js';
import { Prng } from './prng.js';
import {
  buildScenario,
  type PlantedScenario,
  SCENARIO_NAMES,
  type ScenarioName,
  scenarioSize,
} from './scenarios.js';

/** Error in generator options (the CLI maps it to a usage error). */
export class GenerateOptionsError extends ToolError {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'GenerateOptionsError';
  }
}

/** What to generate. */
export interface GenerateOptions {
  /** Exact number of records to write. */
  events: number;
  /** Any string; same options, same bytes. */
  seed: string;
  /** First second of the window (ISO-8601). */
  start: string;
  /** Length of the window in days (may be fractional). */
  days: number;
  /** Scenarios to plant. */
  attacks: readonly ScenarioName[];
  /** Occurrences of each scenario (default 3). */
  occurrences?: number;
  /** Planted times instead of seeded ones (ISO), e.g. for the demo's narrative. */
  plantAt?: ReadonlyArray<{ scenario: ScenarioName; at: string }>;
  /** Records per object, inclusive range (default [100, 500]). */
  recordsPerObject?: readonly [number, number];
}

/** One CloudTrail log object as CloudTrail would write it to S3 (before gzip). */
export interface LogObject {
  /** S3 key: AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz */
  key: string;
  /** `{"Records":[...]}` as UTF-8 (all generated text is ASCII). */
  body: Buffer;
  records: number;
}

/** Counts gathered while generating (for the summary and the README's mix table). */
export interface GenerateStats {
  records: number;
  objects: number;
  bySource: Record<string, number>;
  byCategory: Record<string, number>;
}

interface Plant {
  scenario: ScenarioName;
  occurrence: number;
  t: number;
}

export const DEFAULT_START = '2026-03-02T00:00:00Z';

/** Parse a scenario list (`a,b,c` or `all`); throws GenerateOptionsError naming the bad name. */
export function parseAttackList(list: string): ScenarioName[] {
  const trimmed = list.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  if (trimmed === 'all') return [...SCENARIO_NAMES];
  const out: ScenarioName[] = [];
  for (const raw of trimmed.split(',')) {
    const n = raw.trim();
    if (!(SCENARIO_NAMES as readonly string[]).includes(n)) {
      throw new GenerateOptionsError(
        `unknown attack scenario "${n.slice(0, 60)}"; known: ${SCENARIO_NAMES.join(', ')}`,
      );
    }
    if (!out.includes(n as ScenarioName)) out.push(n as ScenarioName);
  }
  return out;
}

class Heap {
  private readonly items: Array<{ d: Draft; seq: number }> = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items[0]!.d.t;
  }
  private less(a: { d: Draft; seq: number }, b: { d: Draft; seq: number }): boolean {
    return a.d.t < b.d.t || (a.d.t === b.d.t && a.seq < b.seq);
  }
  push(d: Draft): void {
    const it = this.items;
    const node = { d, seq: this.seq++ };
    let i = it.length;
    it.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(node, it[p]!)) break;
      it[i] = it[p]!;
      i = p;
    }
    it[i] = node;
  }
  pop(): Draft {
    const it = this.items;
    const top = it[0]!;
    const last = it.pop()!;
    if (it.length > 0) {
      let i = 0;
      const n = it.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(it[r]!, it[l]!) ? r : l;
        if (!this.less(it[c]!, last)) break;
        it[i] = it[c]!;
        i = c;
      }
      it[i] = last;
    }
    return top.d;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * A planned generation: validated options, planted times, the incident windows, and the
 * baseline text. Iterate {@link Generation.objects} once to produce the log objects; the
 * planted scenarios (with their eventIds) and stats are complete when iteration ends.
 */
export class Generation {
  readonly startTime: number;
  readonly endTime: number;
  readonly plants: readonly Plant[];
  readonly incidents: readonly PlannedIncident[];
  readonly scenarios: PlantedScenario[] = [];
  readonly stats: GenerateStats = { records: 0, objects: 0, bySource: {}, byCategory: {} };
  private readonly minPer: number;
  private readonly maxPer: number;

  constructor(readonly options: GenerateOptions) {
    const o = options;
    if (!Number.isInteger(o.events) || o.events < 1)
      throw new GenerateOptionsError(`--events must be a positive integer (got ${o.events})`);
    if (!(o.days > 0) || o.days > 3660)
      throw new GenerateOptionsError(`--days must be > 0 and at most 3660 (got ${o.days})`);
    const start = Date.parse(o.start);
    if (Number.isNaN(start) || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(o.start)) {
      throw new GenerateOptionsError(
        `--start must be an ISO-8601 date or time (got "${String(o.start).slice(0, 40)}")`,
      );
    }
    const [minPer, maxPer] = o.recordsPerObject ?? [100, 500];
    if (!(minPer >= 1 && maxPer >= minPer))
      throw new GenerateOptionsError('records per object: need 1 <= min <= max');
    this.minPer = minPer;
    this.maxPer = maxPer;
    this.startTime = Math.floor(start / 1000);
    const span = Math.round(o.days * 86400);
    this.endTime = this.startTime + span;
    const occ = o.occurrences ?? 3;
    const plants: Plant[] = [];
    if (o.plantAt) {
      const count = new Map<ScenarioName, number>();
      for (const p of o.plantAt) {
        const t = Math.floor(Date.parse(p.at) / 1000);
        if (Number.isNaN(t) || t < this.startTime || t >= this.startTime + span * 0.9) {
          throw new GenerateOptionsError(
            `planted time ${p.at} of ${p.scenario} is outside the first 90% of the window`,
          );
        }
        const n = (count.get(p.scenario) ?? 0) + 1;
        count.set(p.scenario, n);
        plants.push({ scenario: p.scenario, occurrence: n, t });
      }
    } else {
      const rng = new Prng(`${o.seed}:plan`);
      for (const scenario of o.attacks) {
        for (let i = 1; i <= occ; i++)
          plants.push({
            scenario,
            occurrence: i,
            t: this.startTime + Math.floor(span * (0.03 + 0.87 * rng.next())),
          });
      }
    }
    const incidents: PlannedIncident[] = [];
    for (const p of plants) {
      if (p.scenario !== 'break-glass-in-incident') continue;
      incidents.push({
        identity: ROLES.prodBreakGlass.arn,
        ticket: `INC-${4710 + incidents.length + 1}`,
        from: p.t - 20 * 60,
        until: p.t + 2 * 3600,
      });
    }
    // A use "outside any incident" must not fall into a declared window.
    for (const p of plants) {
      if (p.scenario !== 'break-glass-outside-incident') continue;
      for (const w of incidents) {
        if (p.t >= w.from - 3600 && p.t <= w.until + 3600) {
          if (o.plantAt)
            throw new GenerateOptionsError(
              `break-glass-outside-incident at ${iso(p.t)} is inside incident ${w.ticket}`,
            );
          p.t = w.until + 3 * 3600 < this.startTime + span * 0.9 ? w.until + 3 * 3600 : w.from - 3 * 3600;
        }
      }
    }
    plants.sort(
      (a, b) => a.t - b.t || SCENARIO_NAMES.indexOf(a.scenario) - SCENARIO_NAMES.indexOf(b.scenario),
    );
    const attackRecords = plants.reduce((n, p) => n + scenarioSize(p.scenario), 0);
    const need = attackRecords === 0 ? 1 : 100 + 20 * attackRecords;
    if (o.events < need) {
      throw new GenerateOptionsError(
        `--events ${o.events} is too small for ${plants.length} planted scenarios (need at least ${need})`,
      );
    }
    this.plants = plants;
    this.incidents = incidents;
  }

  /** The baseline YAML matching the organisation (and the incident windows of this run). */
  baselineYaml(): string {
    return renderBaseline(this.endTime, this.incidents);
  }

  /** Generate the log objects, streaming: each is yielded as soon as its buffer is full. */
  *objects(): Generator<LogObject> {
    const o = this.options;
    const rng = new Prng(o.seed);
    const world = new World(rng);
    const mix = benignMix(world);
    const officeTable = cumulative(mix.map((m) => m.weight));
    const offTable = cumulative(mix.map((m) => (m.office ? m.weight * 0.08 : m.weight)));
    const runs: Activity[] = mix.map((m) => m.run);
    const heap = new Heap();
    const n = o.events;
    const span = this.endTime - this.startTime;
    const buffers = new Map<string, ObjectBuffer>();
    const bySource = this.stats.bySource;
    const byCategory = this.stats.byCategory;
    let plantIdx = 0;
    let lastT = this.startTime;

    for (let i = 0; i < n; i++) {
      const slot = this.startTime + Math.floor(((i + rng.next()) * span) / n);
      while (plantIdx < this.plants.length && this.plants[plantIdx]!.t <= slot) {
        const p = this.plants[plantIdx++]!;
        const at = Math.max(slot, lastT);
        const built = buildScenario(rng, p.scenario, at);
        for (const d of built.drafts) heap.push(d);
        this.scenarios.push({
          scenario: p.scenario,
          description: built.description,
          occurrence: p.occurrence,
          eventTime: iso(built.drafts[0]!.t),
          account: built.drafts[0]!.account,
          eventIds: built.drafts.map((d) => d.eventId),
          alerting: built.alerting,
          ...(built.note ? { note: built.note } : {}),
          ...(built.lineage ? { lineage: built.lineage } : {}),
        });
      }
      const remaining = n - i;
      let d: Draft;
      if (heap.size > 0 && (heap.size >= remaining || heap.peekTime() <= slot)) {
        d = heap.pop();
      } else {
        const budget = remaining - heap.size;
        const hour = Math.floor(slot / 3600) % 24;
        const dow = (Math.floor(slot / 86400) + 4) % 7;
        const office = dow >= 1 && dow <= 5 && hour >= 7 && hour < 19;
        const table = office ? officeTable : offTable;
        const drafts = runs[pickIndex(table, rng.next())]!(Math.max(slot, lastT), budget);
        const first = drafts[0]!;
        for (let k = 1; k < drafts.length && k < budget; k++) heap.push(drafts[k]!);
        if (heap.size > 0 && heap.peekTime() < first.t) {
          heap.push(first);
          d = heap.pop();
        } else {
          d = first;
        }
      }
      lastT = d.t;
      bySource[d.eventSource] = (bySource[d.eventSource] ?? 0) + 1;
      byCategory[d.category] = (byCategory[d.category] ?? 0) + 1;
      const bk = d.account + d.region;
      let buf = buffers.get(bk);
      if (!buf) {
        buf = new ObjectBuffer(d.account, d.region, rng.int(this.minPer, this.maxPer));
        buffers.set(bk, buf);
      }
      buf.add(d);
      buf.lastT = d.t;
      if (buf.count >= buf.target) {
        yield this.cut(rng, buf, buf.lastT);
        buf.reset(rng.int(this.minPer, this.maxPer));
      }
    }
    for (const key of [...buffers.keys()].sort()) {
      const buf = buffers.get(key)!;
      if (buf.count > 0) yield this.cut(rng, buf, buf.lastT);
    }
  }

  private cut(rng: Prng, buf: ObjectBuffer, lastT: number): LogObject {
    const { account, region } = buf;
    // CloudTrail delivers about every 5 minutes; the key carries the delivery time.
    const delivered = new Date((Math.floor(lastT / 300) * 300 + 300) * 1000);
    const y = delivered.getUTCFullYear();
    const mo = pad2(delivered.getUTCMonth() + 1);
    const da = pad2(delivered.getUTCDate());
    const stamp = `${y}${mo}${da}T${pad2(delivered.getUTCHours())}${pad2(delivered.getUTCMinutes())}Z`;
    const key = `AWSLogs/${account}/CloudTrail/${region}/${y}/${mo}/${da}/${account}_CloudTrail_${region}_${stamp}_${rng.alnum(16)}.json.gz`;
    this.stats.records += buf.count;
    this.stats.objects++;
    return { key, body: buf.finish(), records: buf.count };
  }

  /** scenarios.json content (after iteration). */
  scenariosJson(): string {
    return `${JSON.stringify(
      {
        generator: 'iamwatch generate',
        options: { ...this.options, plantAt: undefined },
        note: 'alerting lists the records that raise findings and their rule ids, before dedupe (replay --no-dedupe).',
        scenarios: this.scenarios,
      },
      null,
      2,
    )}\n`;
  }
}

const OPEN = '{"Records":[';

/**
 * Bytes of one object being filled. Records are written as they come, so their strings die
 * young (no large arrays of strings survive into the old generation of the heap).
 */
class ObjectBuffer {
  private buf: Buffer;
  private len = 0;
  count = 0;
  /** Time of the last record added (seconds). */
  lastT = 0;

  constructor(
    readonly account: string,
    readonly region: string,
    public target: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, target * 1800));
    this.len = this.buf.write(OPEN, 0, 'latin1');
  }

  /**
   * Append one record. The record is built as one string (cheap concatenation) and copied
   * once; writing its pieces one by one costs more in calls than the copy saves (measured).
   */
  add(d: Draft): void {
    const record = (this.count > 0 ? ',' : '') + serialise(d);
    const need = this.len + record.length;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    // Generated text is ASCII (the tests check it), so latin1 is exact and the fastest copy.
    this.len += this.buf.write(record, this.len, 'latin1');
    this.count++;
  }

  /** The finished object; the buffer is handed over (reset() allocates a new one). */
  finish(): Buffer {
    this.buf[this.len++] = 0x5d; // ]
    this.buf[this.len++] = 0x7d; // }
    return this.buf.subarray(0, this.len);
  }

  reset(target: number): void {
    this.target = target;
    this.count = 0;
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, target * 1800));
    this.len = this.buf.write(OPEN, 0, 'latin1');
  }
}

function cumulative(weights: number[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const w of weights) {
    s += w;
    out.push(s);
  }
  return out.map((x) => x / s);
}

function pickIndex(table: number[], x: number): number {
  for (let i = 0; i < table.length; i++) if (x < table[i]!) return i;
  return table.length - 1;
}
