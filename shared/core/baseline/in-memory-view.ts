/**
 * In-memory BaselineView over a parsed baseline: identity lookups by ARN (role, user, assumed-role
 * session; paths and `*` accounts honoured), known owners, and incident windows.
 */
import { identityKeyOf, sameIdentity } from '../arn.js';
import { BoundedMemo } from '../memo.js';
import { parseSubject } from '../oidc/subject.js';
import { hasWildcard, matchArn } from './patterns.js';
import type { Baseline, BaselineIdentity, IncidentWindow, RuleOverride, Suppression } from './types.js';
import type { BaselineView } from './view.js';

interface Window {
  w: IncidentWindow;
  from: number;
  until: number;
}

/** BaselineView over a baseline held in memory (a parsed file, or a store snapshot). */
export class BaselineIndex implements BaselineView {
  /** The baseline this index was built from. */
  readonly baseline: Baseline;
  private readonly byKey = new Map<string, BaselineIdentity[]>();
  /** lookup() per ARN string: the index does not change after construction, so a hit is the same answer. */
  private readonly lookups = new BoundedMemo<BaselineIdentity | null>(4096);
  private readonly owners = new Set<string>();
  /** Accounts with at least one `human` identity; `*` when one is declared for every account. */
  private readonly humanAccounts = new Set<string>();
  private readonly windows: Window[];

  /**
   * @param baseline - the baseline to index.
   * @param opts.incidents - extra incident windows (live ones from a store) besides the file's.
   */
  constructor(baseline: Baseline, opts: { incidents?: readonly IncidentWindow[] } = {}) {
    this.baseline = baseline;
    for (const identity of baseline.identities) {
      const key = identityKeyOf(identity.arn);
      if (key === null) continue;
      const k = `${key.partition}:${key.type}:${key.name}`; // the account is chosen in lookup()
      const list = this.byKey.get(k);
      if (list === undefined) this.byKey.set(k, [identity]);
      else list.push(identity);
      this.collectOwners(identity);
      if (identity.kind === 'human') this.humanAccounts.add(key.account);
    }
    this.windows = [...baseline.incidents, ...(opts.incidents ?? [])]
      .map((w) => ({ w, from: Date.parse(w.from), until: Date.parse(w.until) }))
      .filter((x) => Number.isFinite(x.from) && Number.isFinite(x.until));
  }

  /** Baseline entry for a role/user/assumed-role ARN; an exact account entry wins over a `*` one. */
  lookup(arn: string | null | undefined): BaselineIdentity | null {
    if (typeof arn !== 'string') return null;
    return this.lookups.get(arn, (a) => this.lookupUncached(a));
  }

  private lookupUncached(arn: string): BaselineIdentity | null {
    const key = identityKeyOf(arn);
    if (key === null) return null;
    const candidates = this.byKey.get(`${key.partition}:${key.type}:${key.name}`);
    if (candidates === undefined) return null;
    let wildcard: BaselineIdentity | null = null;
    for (const identity of candidates) {
      const account = identityKeyOf(identity.arn)?.account;
      if (account === key.account) return identity;
      if (account === '*' && wildcard === null) wildcard = identity;
    }
    return wildcard;
  }

  /** True when some identity's OIDC subjects or workflows name this org/owner/group (case-insensitive). */
  knowsOwner(owner: string): boolean {
    return this.owners.has(owner.toLowerCase());
  }

  accounts(): Baseline['accounts'] {
    return this.baseline.accounts;
  }

  defaultTeam(): string | undefined {
    return this.baseline.defaults.team;
  }

  iamUserSignIn(): boolean | null {
    return this.baseline.defaults.signIn?.iamUsers ?? null;
  }

  /** True when a `human` identity is declared in `account`, or in every account (`*` account field). */
  declaresHumans(account: string): boolean {
    return this.humanAccounts.has(account) || this.humanAccounts.has('*');
  }

  suppressions(): readonly Suppression[] {
    return this.baseline.suppressions;
  }

  ruleOverrides(): readonly RuleOverride[] {
    return this.baseline.rules ?? [];
  }

  protectedRules(): readonly string[] {
    return this.baseline.protectedRules ?? [];
  }

  trailBuckets(): readonly string[] | null {
    return this.baseline.trailBuckets ?? null;
  }

  adminPermissionSets(): readonly string[] {
    return this.baseline.adminPermissionSets ?? [];
  }

  deviceCodeSignIn(): boolean | null {
    return this.baseline.defaults.signIn?.deviceCode ?? null;
  }

  /** The incident window (file or live) covering `identityArn` at `timeMs` (from ≤ t ≤ until), or null. */
  incidentAt(identityArn: string, timeMs: number): IncidentWindow | null {
    for (const { w, from, until } of this.windows) {
      if (timeMs < from || timeMs > until) continue;
      if (matchArn(w.identity, identityArn) || sameIdentity(w.identity, identityArn)) return w;
    }
    return null;
  }

  private collectOwners(identity: BaselineIdentity): void {
    for (const trust of identity.oidc) {
      for (const subject of trust.subjects) {
        const claims = parseSubject(subject, trust.provider);
        for (const o of [claims.owner, claims.ownerId]) {
          if (o !== undefined && o !== '' && !hasWildcard(o)) this.owners.add(o.toLowerCase());
        }
      }
      for (const workflow of trust.workflows ?? []) {
        const owner = workflow.split('/')[0];
        if (owner !== undefined && owner !== '' && !hasWildcard(owner)) this.owners.add(owner.toLowerCase());
      }
    }
  }
}

/** A baseline that declares nothing (every identity is "without a baseline"). */
export function emptyBaseline(): Baseline {
  return {
    version: 1,
    accounts: {},
    teams: {},
    defaults: {},
    identities: [],
    suppressions: [],
    incidents: [],
  };
}

/** Build a BaselineIndex (with optional live incident windows). */
export function buildIndex(b: Baseline, incidents?: readonly IncidentWindow[]): BaselineIndex {
  return new BaselineIndex(b, incidents === undefined ? {} : { incidents });
}
