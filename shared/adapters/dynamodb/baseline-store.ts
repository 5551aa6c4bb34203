import { randomBytes } from 'node:crypto';
import { buildIndex } from '../../core/baseline/in-memory-view.js';
import type { Baseline, BaselineIdentity, IncidentWindow } from '../../core/baseline/types.js';
import type { BaselineView } from '../../core/baseline/view.js';
import type { BaselineStore, Clock, SyncReport } from '../../ports.js';
import { AdapterError } from '../../ports.js';
import { ADAPTER, ConditionFailedError, type Dynamo, type Item, mapLimit } from './client.js';
import {
  cleanIdentity,
  digestOf,
  identityItem,
  incidentItem,
  type PatternRecord,
  patternItem,
  patternKey,
  patternsOf,
  readIdentityItem,
  readIncidentItem,
  readPatternItem,
  readSettingsItem,
  readStampItem,
  type Settings,
  type StoredIncident,
  type SyncStamp,
  settingsItem,
  settingsOf,
  stampItem,
  toWindow,
} from './items.js';
import { BASELINE_PK, INCIDENT_PK, identitySk, incidentSk, SETTINGS_SK, STAMP_SK } from './keys.js';

/** Incident items stay readable this long after their window ends (then TTL removes them). */
export const INCIDENT_RETENTION_MS = 30 * 24 * 3_600_000;

/** A racing writer changed an item between our read and our conditional write. */
export class SyncConflictError extends AdapterError {
  readonly items: string[];
  constructor(items: string[], cause?: unknown) {
    super(
      ADAPTER,
      `another sync changed ${items.join(', ')} while this one ran; nothing was overwritten — re-run the sync`,
      { retryable: true, cause },
    );
    this.name = 'SyncConflictError';
    this.items = items;
  }
}

/** Field-level difference of one identity. */
export interface IdentityChange {
  arn: string;
  fields: string[];
}

/** What a sync would do, computed from one consistent read of the baseline partition. */
export interface SyncPlan {
  added: BaselineIdentity[];
  changed: Array<{ identity: BaselineIdentity; rev: number; fields: string[] }>;
  /** In the store, not in the file (removed only with prune). */
  extra: Array<{ arn: string; rev: number }>;
  unchanged: number;
  settingsChanged: boolean;
  settingsRev: number;
  settings: Settings;
  /** Index items to write or delete so the reverse lookup matches identities (repairs interrupted syncs). */
  patternPuts: PatternRecord[];
  patternDeletes: string[];
  /** Pattern items of identities that are not in the file (deleted with prune, or orphaned). */
  extraPatternSks: Map<string, string[]>;
  stamp: SyncStamp | null;
}

/** SyncReport plus details for people. */
export interface SyncResult extends SyncReport {
  /** Identities in the store and not in the file, left in place because prune was off. */
  kept: string[];
  changes: IdentityChange[];
  settingsChanged: boolean;
  /** Item writes made (0 on a dry run). */
  writes: number;
}

const systemClock: Clock = { nowMs: () => Date.now() };

function changedFields(a: BaselineIdentity, b: BaselineIdentity): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    const x = (a as unknown as Record<string, unknown>)[k];
    const y = (b as unknown as Record<string, unknown>)[k];
    if (digestOf(x ?? null) !== digestOf(y ?? null)) out.push(k);
  }
  return out;
}

export interface BaselineStoreOptions {
  cacheSeconds?: number;
  clock?: Clock;
  /** Parallel conditional writes during sync. */
  concurrency?: number;
}

/**
 * BaselineStore on the iamwatch table. The baseline lives in one partition (`BASELINE`), so a
 * cold `view()` is one Query page set and `sync` reads the current state with one consistent Query.
 */
export class DynamoBaselineStore implements BaselineStore {
  private readonly clock: Clock;
  private readonly cacheMs: number;
  private readonly concurrency: number;
  private cached: { atMs: number; view: BaselineView } | null = null;

  constructor(
    private readonly db: Dynamo,
    opts: BaselineStoreOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.cacheMs = (opts.cacheSeconds ?? 300) * 1000;
    this.concurrency = opts.concurrency ?? 8;
  }

  /** Drops the cached view (after writes made by this process). */
  invalidate(): void {
    this.cached = null;
  }

  /**
   * The baseline as a BaselineView. On a cold cache it loads every identity with one Query (all
   * pages) of `BASELINE` / `ID#`, the settings with one GetItem and the live incidents with one
   * Query of `INCIDENT`; then it serves from memory for `cacheSeconds`.
   */
  async view(): Promise<BaselineView> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.atMs < this.cacheMs) return this.cached.view;
    const [items, settings, incidents] = await Promise.all([
      this.db.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
        ExpressionAttributeValues: { ':pk': BASELINE_PK, ':id': 'ID#' },
      }),
      this.db.get({ pk: BASELINE_PK, sk: SETTINGS_SK }),
      this.readIncidents(false),
    ]);
    const baseline = this.assemble(settings ? [...items, settings] : items);
    const live = incidents.filter((w) => w.expiresAtSec * 1000 > now).map(toWindow);
    const view = buildIndex(baseline, live);
    this.cached = { atMs: now, view };
    return view;
  }

  private assemble(items: Item[]): Baseline {
    const identities: BaselineIdentity[] = [];
    let settingsRaw: Item | undefined;
    for (const it of items) {
      if (it.type === 'identity') identities.push(readIdentityItem(it).identity);
      else if (it.sk === SETTINGS_SK) settingsRaw = it;
    }
    const { settings } = readSettingsItem(settingsRaw);
    return {
      version: 1,
      accounts: settings.accounts,
      teams: settings.teams,
      defaults: settings.defaults,
      identities,
      suppressions: settings.suppressions,
      incidents: settings.incidents,
      ...(settings.rules === undefined ? {} : { rules: settings.rules }),
      ...(settings.protectedRules === undefined ? {} : { protectedRules: settings.protectedRules }),
      ...(settings.trailBuckets === undefined ? {} : { trailBuckets: settings.trailBuckets }),
      ...(settings.adminPermissionSets === undefined
        ? {}
        : { adminPermissionSets: settings.adminPermissionSets }),
    };
  }

  /** The whole stored baseline (consistent read). */
  async readBaseline(): Promise<Baseline> {
    const [items, settings] = await Promise.all([
      this.db.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
        ExpressionAttributeValues: { ':pk': BASELINE_PK, ':id': 'ID#' },
        ConsistentRead: true,
      }),
      this.db.get({ pk: BASELINE_PK, sk: SETTINGS_SK }, true),
    ]);
    return this.assemble(settings ? [...items, settings] : items);
  }

  async getIdentity(arn: string): Promise<BaselineIdentity | null> {
    const item = await this.db.get({ pk: BASELINE_PK, sk: identitySk(arn) }, true);
    return item ? readIdentityItem(item).identity : null;
  }

  /** Identity with its revision and sync time. */
  async getIdentityRecord(arn: string): Promise<ReturnType<typeof readIdentityItem> | null> {
    const item = await this.db.get({ pk: BASELINE_PK, sk: identitySk(arn) }, true);
    return item ? readIdentityItem(item) : null;
  }

  async listIdentities(): Promise<BaselineIdentity[]> {
    const items = await this.db.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
      ExpressionAttributeValues: { ':pk': BASELINE_PK, ':id': 'ID#' },
    });
    return items.map((it) => readIdentityItem(it).identity);
  }

  async teams(): Promise<{ teams: Baseline['teams']; defaultTeam?: string }> {
    const item = await this.db.get({ pk: BASELINE_PK, sk: SETTINGS_SK });
    const { settings } = readSettingsItem(item);
    const out: { teams: Baseline['teams']; defaultTeam?: string } = { teams: settings.teams };
    if (settings.defaults.team !== undefined) out.defaultTeam = settings.defaults.team;
    return out;
  }

  /** What the last sync stamped (file sha256, name, time), or null before the first sync. */
  async stamp(): Promise<SyncStamp | null> {
    return readStampItem(await this.db.get({ pk: BASELINE_PK, sk: STAMP_SK }, true));
  }

  /** Compares `baseline` with the stored one (one consistent Query of the baseline partition). */
  async plan(baseline: Baseline): Promise<SyncPlan> {
    const items = await this.db.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': BASELINE_PK },
      ConsistentRead: true,
    });
    const stored = new Map<string, ReturnType<typeof readIdentityItem>>();
    const patternSks = new Map<string, Set<string>>();
    let settingsRaw: Item | undefined;
    let stampRaw: Item | undefined;
    for (const it of items) {
      if (it.type === 'identity') {
        const rec = readIdentityItem(it);
        stored.set(rec.identity.arn, rec);
      } else if (it.type === 'pattern') {
        const p = readPatternItem(it);
        const set = patternSks.get(p.arn) ?? new Set<string>();
        patternSks.set(p.arn, set);
        set.add(String(it.sk));
      } else if (it.sk === SETTINGS_SK) settingsRaw = it;
      else if (it.sk === STAMP_SK) stampRaw = it;
    }
    const plan: SyncPlan = {
      added: [],
      changed: [],
      extra: [],
      unchanged: 0,
      settingsChanged: false,
      settingsRev: 0,
      settings: settingsOf(baseline),
      patternPuts: [],
      patternDeletes: [],
      extraPatternSks: new Map(),
      stamp: readStampItem(stampRaw),
    };
    const seen = new Set<string>();
    for (const raw of baseline.identities) {
      const identity = cleanIdentity(raw);
      if (seen.has(identity.arn)) {
        throw new AdapterError(ADAPTER, `identity ${identity.arn} appears twice in the baseline`, {
          retryable: false,
        });
      }
      seen.add(identity.arn);
      const cur = stored.get(identity.arn);
      if (!cur) plan.added.push(identity);
      else if (cur.digest !== digestOf(identity)) {
        plan.changed.push({ identity, rev: cur.rev, fields: changedFields(cur.identity, identity) });
      } else plan.unchanged++;
      const want = new Map(patternsOf(identity).map((p) => [patternKey(p), p]));
      const have = patternSks.get(identity.arn) ?? new Set<string>();
      for (const [sk, p] of want) if (!have.has(sk)) plan.patternPuts.push(p);
      for (const sk of have) if (!want.has(sk)) plan.patternDeletes.push(sk);
    }
    for (const [arn, rec] of stored) {
      if (!seen.has(arn)) plan.extra.push({ arn, rev: rec.rev });
    }
    for (const [arn, sks] of patternSks) {
      if (!seen.has(arn)) plan.extraPatternSks.set(arn, [...sks]);
    }
    const s = readSettingsItem(settingsRaw);
    plan.settingsRev = s.rev;
    plan.settingsChanged = s.digest !== digestOf(plan.settings);
    return plan;
  }

  /**
   * Makes the stored baseline equal to `baseline`. Identity and settings writes are conditional on
   * the revision read (a racing sync fails with SyncConflictError instead of losing an update);
   * reverse-lookup items are derived and rewritten idempotently, so an interrupted sync converges
   * when re-run. Finally the stamp (file hash, name, time) is written, conditional on its revision.
   */
  async sync(
    baseline: Baseline,
    opts: { prune: boolean; dryRun: boolean; sourceHash: string; sourceName: string },
  ): Promise<SyncResult> {
    const plan = await this.plan(baseline);
    const result: SyncResult = {
      added: plan.added.map((i) => i.arn),
      changed: plan.changed.map((c) => c.identity.arn),
      removed: opts.prune ? plan.extra.map((e) => e.arn) : [],
      unchanged: plan.unchanged,
      dryRun: opts.dryRun,
      kept: opts.prune ? [] : plan.extra.map((e) => e.arn),
      changes: plan.changed.map((c) => ({ arn: c.identity.arn, fields: c.fields })),
      settingsChanged: plan.settingsChanged,
      writes: 0,
    };
    if (opts.dryRun) return result;
    const nowIso = new Date(this.clock.nowMs()).toISOString();
    let writes = 0;
    const conflicts: string[] = [];
    /** A lost condition is a conflict unless the item already holds what we meant to write. */
    const guarded = async (what: string, fn: () => Promise<void>, alreadyDone?: () => Promise<boolean>) => {
      try {
        await fn();
        writes++;
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        if (!(alreadyDone && (await alreadyDone()))) conflicts.push(what);
      }
    };
    const holds = (identity: BaselineIdentity) => async () =>
      (await this.getIdentityRecord(identity.arn))?.digest === digestOf(identity);
    try {
      await mapLimit(plan.added, this.concurrency, (identity) =>
        guarded(
          identity.arn,
          () =>
            this.db.put(identityItem(identity, 1, nowIso), {
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          holds(identity),
        ),
      );
      await mapLimit(plan.changed, this.concurrency, (c) =>
        guarded(
          c.identity.arn,
          () =>
            this.db.put(identityItem(c.identity, c.rev + 1, nowIso), {
              ConditionExpression: '#rev = :rev',
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': c.rev },
            }),
          holds(c.identity),
        ),
      );
      const failed = new Set(conflicts);
      const writesBatch: Array<{ put: Item } | { delete: Item }> = [];
      for (const p of plan.patternPuts) if (!failed.has(p.arn)) writesBatch.push({ put: patternItem(p) });
      for (const sk of plan.patternDeletes) writesBatch.push({ delete: { pk: BASELINE_PK, sk } });
      if (opts.prune) {
        await mapLimit(plan.extra, this.concurrency, (e) =>
          guarded(e.arn, () =>
            this.db.delete(
              { pk: BASELINE_PK, sk: identitySk(e.arn) },
              {
                ConditionExpression: '#rev = :rev',
                ExpressionAttributeNames: { '#rev': 'rev' },
                ExpressionAttributeValues: { ':rev': e.rev },
              },
            ),
          ),
        );
      }
      const storedExtra = new Set(plan.extra.map((e) => e.arn));
      for (const [arn, sks] of plan.extraPatternSks) {
        // Orphans (no identity item at all) are always cleaned; those of kept identities stay.
        if (opts.prune || !storedExtra.has(arn)) {
          for (const sk of sks) writesBatch.push({ delete: { pk: BASELINE_PK, sk } });
        }
      }
      await this.db.batchWrite(writesBatch);
      writes += writesBatch.length;
      if (plan.settingsChanged) {
        await guarded('settings', () =>
          this.db.put(settingsItem(plan.settings, plan.settingsRev + 1, nowIso), {
            ConditionExpression: 'attribute_not_exists(pk) OR #rev = :rev',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': plan.settingsRev },
          }),
        );
      }
      if (conflicts.length > 0) throw new SyncConflictError(conflicts);
      const prevRev = plan.stamp?.rev ?? 0;
      await guarded('sync stamp', () =>
        this.db.put(
          stampItem({
            sha256: opts.sourceHash,
            name: opts.sourceName,
            syncedAt: nowIso,
            rev: prevRev + 1,
            identities: baseline.identities.length + (opts.prune ? 0 : plan.extra.length),
          }),
          plan.stamp
            ? {
                ConditionExpression: '#rev = :rev',
                ExpressionAttributeNames: { '#rev': 'rev' },
                ExpressionAttributeValues: { ':rev': prevRev },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' },
        ),
      );
      if (conflicts.length > 0) throw new SyncConflictError(conflicts);
    } finally {
      this.invalidate();
    }
    result.writes = writes;
    return result;
  }

  async openIncident(w: Omit<IncidentWindow, 'id' | 'source'>): Promise<IncidentWindow> {
    const from = new Date(w.from);
    const until = new Date(w.until);
    if (Number.isNaN(from.getTime()) || Number.isNaN(until.getTime()) || until <= from) {
      throw new AdapterError(ADAPTER, `incident window ${w.from} → ${w.until} is not a valid time range`, {
        retryable: false,
      });
    }
    const stored: StoredIncident = {
      id: `inc-${randomBytes(5).toString('hex')}`,
      identity: w.identity,
      ticket: w.ticket,
      from: from.toISOString(),
      until: until.toISOString(),
      source: 'store',
      openedAt: new Date(this.clock.nowMs()).toISOString(),
      expiresAtSec: Math.ceil((until.getTime() + INCIDENT_RETENTION_MS) / 1000),
    };
    if (w.reason !== undefined) stored.reason = w.reason;
    await this.db.put(incidentItem(stored), { ConditionExpression: 'attribute_not_exists(pk)' });
    this.invalidate();
    return toWindow(stored);
  }

  /** Incident items not yet expired (TTL deletion is lazy, so expiry is checked here too). */
  async readIncidents(consistent: boolean): Promise<StoredIncident[]> {
    const items = await this.db.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': INCIDENT_PK },
      ConsistentRead: consistent,
    });
    const nowSec = this.clock.nowMs() / 1000;
    return items
      .map(readIncidentItem)
      .filter((w) => w.expiresAtSec > nowSec)
      .sort((a, b) => a.from.localeCompare(b.from) || a.id.localeCompare(b.id));
  }

  /** Open windows (not closed, not past `until`); with includeClosed, every window not yet expired. */
  async listIncidents(opts: { includeClosed?: boolean } = {}): Promise<IncidentWindow[]> {
    return (await this.listStoredIncidents(opts)).map(toWindow);
  }

  async listStoredIncidents(opts: { includeClosed?: boolean } = {}): Promise<StoredIncident[]> {
    const now = this.clock.nowMs();
    const all = await this.readIncidents(true);
    return opts.includeClosed ? all : all.filter((w) => !w.closedAt && Date.parse(w.until) > now);
  }

  /** Ends a window now. Returns null when there is no such (unexpired) incident. */
  async closeIncident(id: string): Promise<IncidentWindow | null> {
    const key = { pk: INCIDENT_PK, sk: incidentSk(id) };
    const current = await this.db.get(key, true);
    if (!current) return null;
    const w = readIncidentItem(current);
    const nowMs = this.clock.nowMs();
    if (w.expiresAtSec * 1000 <= nowMs) return null;
    if (w.closedAt || Date.parse(w.until) <= nowMs) return toWindow(w);
    const nowIso = new Date(nowMs).toISOString();
    // A window that has not started yet closes empty (until = from).
    const until = Date.parse(w.from) > nowMs ? w.from : nowIso;
    try {
      const out = await this.db.update({
        Key: key,
        UpdateExpression: 'SET #until = :until, closedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(closedAt)',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':until': until, ':now': nowIso },
        ReturnValues: 'ALL_NEW',
      });
      this.invalidate();
      return toWindow(readIncidentItem(out.Attributes as Item));
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const again = await this.db.get(key, true);
      return again ? toWindow(readIncidentItem(again)) : null;
    }
  }
}
