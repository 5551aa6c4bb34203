/**
 * Incident-response queries over the table: who owns an identity, what may assume it, what did.
 */
import { sessionToRoleArn } from '../../core/arn.js';
import {
  admittingPatterns,
  type Principal,
  principalExpected,
  principalOfObservation,
  subjectPatternCoversRepository,
} from '../../core/baseline/expected.js';
import type { BaselineIdentity, IncidentWindow } from '../../core/baseline/types.js';
import type { Clock } from '../../ports.js';
import type { DynamoBaselineStore } from './baseline-store.js';
import type { Dynamo, Item } from './client.js';
import { readIdentityItem, readPatternItem, toWindow } from './items.js';
import {
  BASELINE_PK,
  GSI1,
  identitySk,
  LASTUSED_PK,
  locateSubject,
  lookupBuckets,
  observationPk,
  ownerBucket,
} from './keys.js';
import { type ObservationRecord, readObservationItem } from './observations.js';

const DAY_MS = 86_400_000;

/** `baseline show`: the identity's baseline, recent observations and open incidents. */
export interface ShowResult {
  /** The ARN asked about (a session ARN is turned into its role). */
  arn: string;
  identity: BaselineIdentity | null;
  /** ARN pattern of the baseline entry when it matched through a `*` account. */
  matchedEntry: string | null;
  revision: number | null;
  syncedAt: string | null;
  observations: Array<ObservationRecord & { allowed: boolean | null }>;
  incidents: IncidentWindow[];
}

export interface WhoAllowed {
  role: string;
  kind: 'subject' | 'caller';
  provider: string | null;
  pattern: string;
  owner: string | null;
  identityKind: string | null;
}

/** `baseline who`: roles a subject / repository / caller may assume, and which it did. */
export interface WhoResult {
  query: string;
  queryKind: 'subject' | 'repository' | 'caller';
  allowed: WhoAllowed[];
  observed: ObservationRecord[];
}

export interface SeenResult {
  identity: string;
  inBaseline: boolean;
  since: string;
  principals: Array<ObservationRecord & { allowed: boolean | null }>;
}

export interface StaleEntry {
  arn: string;
  owner: string;
  kind: string;
  reviewAfter: string | null;
  lastSeen: string | null;
  reasons: Array<'review-overdue' | 'unused'>;
}

/**
 * Whether an observed principal is allowed by `identity` now; null when there is no baseline or it sets no
 * expectation. The verdict is core's `principalExpected`, the one the rules use.
 */
export function observationAllowed(identity: BaselineIdentity | null, o: ObservationRecord): boolean | null {
  const principal = principalOfObservation(o);
  return principal === null ? null : principalExpected(identity, principal).expected;
}

/** Read-side query API of the store (used by `iamwatch baseline show|who|seen|stale`). */
export class StoreQueries {
  constructor(
    private readonly db: Dynamo,
    private readonly store: DynamoBaselineStore,
    private readonly clock: Clock,
  ) {}

  /** Baseline entry for `arn` (exact, else through a `*` account pattern) and its revision. */
  private async resolve(arn: string): Promise<{
    identity: BaselineIdentity | null;
    matched: string | null;
    rev: number | null;
    at: string | null;
  }> {
    const rec = await this.store.getIdentityRecord(arn);
    if (rec) return { identity: rec.identity, matched: null, rev: rec.rev, at: rec.syncedAt };
    const viaView = (await this.store.view()).lookup(arn);
    if (viaView) return { identity: viaView, matched: viaView.arn, rev: null, at: null };
    return { identity: null, matched: null, rev: null, at: null };
  }

  /** Observations of one identity (one Query page set of its partition). */
  async observationsOf(arn: string): Promise<ObservationRecord[]> {
    const items = await this.db.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': observationPk(arn) },
    });
    return items.map(readObservationItem).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }

  async show(identityArg: string, opts: { recent?: number } = {}): Promise<ShowResult> {
    const arn = sessionToRoleArn(identityArg);
    const [r, obs, incidents] = await Promise.all([
      this.resolve(arn),
      this.observationsOf(arn),
      this.store.listStoredIncidents(),
    ]);
    return {
      arn,
      identity: r.identity,
      matchedEntry: r.matched,
      revision: r.rev,
      syncedAt: r.at,
      observations: obs
        .slice(0, opts.recent ?? 20)
        .map((o) => ({ ...o, allowed: observationAllowed(r.identity, o) })),
      incidents: incidents.filter((w) => w.identity === arn).map(toWindow),
    };
  }

  /** Roles that `query` (an OIDC subject, `owner/repo`, or caller ARN/account) may assume and did assume. */
  async who(queryArg: string): Promise<WhoResult> {
    const query = queryArg.trim();
    const { kind, buckets } = lookupBuckets(query);
    const queryKind: WhoResult['queryKind'] =
      kind === 'caller' ? 'caller' : query.includes(':') ? 'subject' : 'repository';
    const pages = await Promise.all(
      buckets.map((b) =>
        this.db.queryAll({
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :b',
          ExpressionAttributeValues: { ':b': b },
        }),
      ),
    );
    const items = pages.flat();
    const candidates = items
      .filter((it) => it.type === 'pattern')
      .map(readPatternItem)
      .filter((p) => p.kind === kind);
    // The index is a candidate set: the identity item is the truth (an interrupted sync may leave strays),
    // and the verdict is core's, the same the rules give.
    const arns = [...new Set(candidates.map((c) => c.arn))];
    const allowed: WhoAllowed[] = [];
    const principal: Principal | null =
      queryKind === 'repository'
        ? null
        : kind === 'caller'
          ? { kind: 'caller', caller: query }
          : { kind: 'oidc', provider: undefined, audience: undefined, subject: query };
    for (const it of await this.db.batchGet(arns.map((a) => ({ pk: BASELINE_PK, sk: identitySk(a) })))) {
      const id = readIdentityItem(it).identity;
      const admitted =
        principal === null
          ? id.oidc.flatMap((o) =>
              o.subjects
                .filter((p) => subjectPatternCoversRepository(p, query))
                .map((pattern) => ({ kind: 'subject' as const, provider: o.provider, pattern })),
            )
          : admittingPatterns(id, principal);
      for (const a of admitted) {
        allowed.push({
          role: id.arn,
          kind: a.kind,
          provider: a.provider,
          pattern: a.pattern,
          owner: id.owner,
          identityKind: id.kind,
        });
      }
    }
    allowed.sort((a, b) => a.role.localeCompare(b.role) || a.pattern.localeCompare(b.pattern));
    const repo = queryKind === 'repository' ? query.toLowerCase() : null;
    const observed = items
      .filter((it) => typeof it.gsi1sk === 'string' && it.gsi1sk.startsWith('OBS#'))
      .map(readObservationItem)
      .filter((o) => {
        if (queryKind === 'caller') return o.principal === `caller:${query}`;
        if (!o.principal.startsWith('subject:')) return false;
        const sub = o.principal.slice('subject:'.length);
        return repo ? locateSubject(sub).repository === repo : sub === query;
      })
      .sort((a, b) => a.identity.localeCompare(b.identity) || b.lastSeen.localeCompare(a.lastSeen));
    return { query, queryKind, allowed, observed };
  }

  /** Principals that used `identity` with lastSeen at or after `sinceMs`, flagged against the baseline. */
  async seen(identityArg: string, sinceMs: number): Promise<SeenResult> {
    const arn = sessionToRoleArn(identityArg);
    const [r, obs] = await Promise.all([this.resolve(arn), this.observationsOf(arn)]);
    const since = new Date(sinceMs).toISOString();
    return {
      identity: arn,
      inBaseline: r.identity !== null,
      since,
      principals: obs
        .filter((o) => Date.parse(o.lastSeen) >= sinceMs)
        .map((o) => ({ ...o, allowed: observationAllowed(r.identity, o) })),
    };
  }

  /** Last time each identity was seen (one Query page set of the LASTUSED partition). */
  async lastUsed(): Promise<Map<string, string>> {
    const items: Item[] = await this.db.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LASTUSED_PK },
    });
    return new Map(items.map((it) => [String(it.sk), String(it.lastSeen)]));
  }

  /**
   * Identities past `review_after`, or (with `unusedDays`) not seen for that many days (never-seen
   * identities count as unused). Two Query page sets whatever the number of identities.
   */
  async stale(opts: { unusedDays?: number } = {}): Promise<StaleEntry[]> {
    const nowMs = this.clock.nowMs();
    const today = new Date(nowMs).toISOString().slice(0, 10);
    const [identities, used] = await Promise.all([this.store.listIdentities(), this.lastUsed()]);
    const cutoff = opts.unusedDays !== undefined ? nowMs - opts.unusedDays * DAY_MS : null;
    const out: StaleEntry[] = [];
    for (const id of identities) {
      const reasons: StaleEntry['reasons'] = [];
      if (id.reviewAfter && id.reviewAfter < today) reasons.push('review-overdue');
      const lastSeen = used.get(id.arn) ?? null;
      if (cutoff !== null && (lastSeen === null || Date.parse(lastSeen) < cutoff)) reasons.push('unused');
      if (reasons.length > 0) {
        out.push({
          arn: id.arn,
          owner: id.owner,
          kind: id.kind,
          reviewAfter: id.reviewAfter ?? null,
          lastSeen,
          reasons,
        });
      }
    }
    return out.sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** Identities owned by `owner` (GSI `IDOWNER#<owner>`). */
  async byOwner(owner: string): Promise<BaselineIdentity[]> {
    const items = await this.db.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :b',
      ExpressionAttributeValues: { ':b': ownerBucket(owner) },
    });
    return items.map((it) => readIdentityItem(it).identity);
  }
}
