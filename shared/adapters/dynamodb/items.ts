/**
 * Mapping between table items and domain types: the only place item attribute names are read.
 */
import { createHash } from 'node:crypto';
import type { Baseline, BaselineIdentity, IncidentWindow, Suppression } from '../../core/baseline/types.js';
import type { Item } from './client.js';
import {
  BASELINE_PK,
  callerBucket,
  GSI1,
  INCIDENT_PK,
  identitySk,
  incidentSk,
  ownerBucket,
  type PatternKind,
  patternSk,
  SETTINGS_SK,
  STAMP_SK,
  subjectBucket,
} from './keys.js';

export { GSI1 };

/** Canonical JSON (sorted keys, undefined dropped) so equal content gives equal digests. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function digestOf(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex');
}

/** Drops undefined fields so what is stored compares equal to what is read back. */
export function cleanIdentity(i: BaselineIdentity): BaselineIdentity {
  return JSON.parse(JSON.stringify(i)) as BaselineIdentity;
}

export interface IdentityRecord {
  identity: BaselineIdentity;
  digest: string;
  rev: number;
  syncedAt: string | null;
}

export function identityItem(identity: BaselineIdentity, rev: number, syncedAt: string): Item {
  const clean = cleanIdentity(identity);
  return {
    pk: BASELINE_PK,
    sk: identitySk(clean.arn),
    type: 'identity',
    arn: clean.arn,
    identity: clean,
    digest: digestOf(clean),
    rev,
    syncedAt,
    gsi1pk: ownerBucket(clean.owner),
    gsi1sk: identitySk(clean.arn),
  };
}

export function readIdentityItem(item: Item): IdentityRecord {
  const identity = item.identity as BaselineIdentity;
  return {
    identity: {
      ...identity,
      oidc: (identity.oidc ?? []).map((o) => ({ ...o, subjects: o.subjects ?? [] })),
      callers: identity.callers ?? [],
    },
    digest: String(item.digest ?? ''),
    rev: Number(item.rev ?? 0),
    syncedAt: typeof item.syncedAt === 'string' ? item.syncedAt : null,
  };
}

/** One allowed subject or caller pattern of an identity, as a reverse-lookup index item. */
export interface PatternRecord {
  arn: string;
  kind: PatternKind;
  provider: string;
  pattern: string;
}

export function patternsOf(identity: BaselineIdentity): PatternRecord[] {
  const out = new Map<string, PatternRecord>();
  for (const o of identity.oidc) {
    for (const s of o.subjects) {
      const r: PatternRecord = { arn: identity.arn, kind: 'subject', provider: o.provider, pattern: s };
      out.set(patternKey(r), r);
    }
  }
  for (const c of identity.callers) {
    const r: PatternRecord = { arn: identity.arn, kind: 'caller', provider: '-', pattern: c };
    out.set(patternKey(r), r);
  }
  return [...out.values()];
}

/** Sort key of a pattern item; very long patterns are shortened with a digest (keys max 1 KB). */
export function patternKey(r: PatternRecord): string {
  const pattern = r.pattern.length > 600 ? `${r.pattern.slice(0, 500)}…${digestOf(r.pattern)}` : r.pattern;
  return patternSk(r.arn, r.kind, r.provider, pattern);
}

export function patternItem(r: PatternRecord): Item {
  const sk = patternKey(r);
  return {
    pk: BASELINE_PK,
    sk,
    type: 'pattern',
    arn: r.arn,
    kind: r.kind,
    provider: r.provider,
    pattern: r.pattern,
    gsi1pk: r.kind === 'caller' ? callerBucket(r.pattern) : subjectBucket(r.pattern),
    gsi1sk: sk,
  };
}

export function readPatternItem(item: Item): PatternRecord {
  return {
    arn: String(item.arn),
    kind: item.kind === 'caller' ? 'caller' : 'subject',
    provider: String(item.provider ?? '-'),
    pattern: String(item.pattern),
  };
}

/** The baseline's non-identity parts, stored as one item. */
export interface Settings {
  accounts: Baseline['accounts'];
  teams: Baseline['teams'];
  defaults: Baseline['defaults'];
  suppressions: Suppression[];
  /** Incident windows declared in the file. */
  incidents: IncidentWindow[];
  /** `rules:`, `protected_rules:`, `trail_buckets:` (absent when the file has none). */
  rules?: Baseline['rules'];
  protectedRules?: Baseline['protectedRules'];
  trailBuckets?: Baseline['trailBuckets'];
  adminPermissionSets?: Baseline['adminPermissionSets'];
}

export function settingsOf(b: Baseline): Settings {
  return JSON.parse(
    JSON.stringify({
      accounts: b.accounts ?? {},
      teams: b.teams ?? {},
      defaults: b.defaults ?? {},
      suppressions: b.suppressions ?? [],
      incidents: (b.incidents ?? []).map((w) => ({ ...w, source: 'file' })),
      rules: b.rules,
      protectedRules: b.protectedRules,
      trailBuckets: b.trailBuckets,
      adminPermissionSets: b.adminPermissionSets,
    }),
  ) as Settings;
}

export const EMPTY_SETTINGS: Settings = {
  accounts: {},
  teams: {},
  defaults: {},
  suppressions: [],
  incidents: [],
};

export function settingsItem(s: Settings, rev: number, syncedAt: string): Item {
  return {
    pk: BASELINE_PK,
    sk: SETTINGS_SK,
    type: 'settings',
    settings: s,
    digest: digestOf(s),
    rev,
    syncedAt,
  };
}

export function readSettingsItem(item: Item | undefined | null): {
  settings: Settings;
  digest: string;
  rev: number;
} {
  if (!item) return { settings: EMPTY_SETTINGS, digest: '', rev: 0 };
  const s = (item.settings ?? {}) as Partial<Settings>;
  return {
    settings: {
      accounts: s.accounts ?? {},
      teams: s.teams ?? {},
      defaults: s.defaults ?? {},
      suppressions: s.suppressions ?? [],
      incidents: s.incidents ?? [],
      ...(s.rules === undefined ? {} : { rules: s.rules }),
      ...(s.protectedRules === undefined ? {} : { protectedRules: s.protectedRules }),
      ...(s.trailBuckets === undefined ? {} : { trailBuckets: s.trailBuckets }),
      ...(s.adminPermissionSets === undefined ? {} : { adminPermissionSets: s.adminPermissionSets }),
    },
    digest: String(item.digest ?? ''),
    rev: Number(item.rev ?? 0),
  };
}

/** What the last sync stamped on the table. */
export interface SyncStamp {
  sha256: string;
  name: string;
  syncedAt: string;
  rev: number;
  identities: number;
}

export function stampItem(s: SyncStamp): Item {
  return { pk: BASELINE_PK, sk: STAMP_SK, type: 'stamp', ...s };
}

export function readStampItem(item: Item | undefined | null): SyncStamp | null {
  if (!item) return null;
  return {
    sha256: String(item.sha256 ?? ''),
    name: String(item.name ?? ''),
    syncedAt: String(item.syncedAt ?? ''),
    rev: Number(item.rev ?? 0),
    identities: Number(item.identities ?? 0),
  };
}

/** A live incident window as stored, with its bookkeeping. */
export interface StoredIncident extends IncidentWindow {
  openedAt: string;
  closedAt?: string;
  expiresAtSec: number;
}

export function incidentItem(w: StoredIncident): Item {
  return {
    pk: INCIDENT_PK,
    sk: incidentSk(w.id),
    type: 'incident',
    id: w.id,
    identity: w.identity,
    ticket: w.ticket,
    from: w.from,
    until: w.until,
    reason: w.reason,
    openedAt: w.openedAt,
    expiresAt: w.expiresAtSec,
    gsi1pk: `INCID#${w.identity}`,
    gsi1sk: w.from,
  };
}

export function readIncidentItem(item: Item): StoredIncident {
  const w: StoredIncident = {
    id: String(item.id),
    identity: String(item.identity),
    ticket: String(item.ticket),
    from: String(item.from),
    until: String(item.until),
    source: 'store',
    openedAt: String(item.openedAt ?? item.from),
    expiresAtSec: Number(item.expiresAt ?? 0),
  };
  if (typeof item.reason === 'string') w.reason = item.reason;
  if (typeof item.closedAt === 'string') w.closedAt = item.closedAt;
  return w;
}

/** The IncidentWindow part only (what ports return). */
export function toWindow(w: StoredIncident): IncidentWindow {
  const out: IncidentWindow = {
    id: w.id,
    identity: w.identity,
    ticket: w.ticket,
    from: w.from,
    until: w.until,
    source: 'store',
  };
  if (w.reason !== undefined) out.reason = w.reason;
  return out;
}
