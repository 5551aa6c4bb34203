import type { Observation, ObservationSink } from '../../ports.js';
import { ConditionFailedError, type Dynamo, type Item, mapLimit } from './client.js';
import {
  callerBucket,
  LASTUSED_PK,
  locateSubject,
  observationPk,
  observationSk,
  WILD_CALLER,
  WILD_SUBJECT,
} from './keys.js';

/** One (identity, principal) aggregate as stored. */
export interface ObservationRecord {
  identity: string;
  principal: string;
  kind: Observation['kind'];
  firstSeen: string;
  lastSeen: string;
  count: number;
  lastEventId: string;
  /** Whether the latest observation was allowed by the baseline in force then. */
  expected: boolean;
  /**
   * OIDC: provider host and audience of the latest token (null when the record lacked them); undefined for
   * observations recorded before v0.2, which kept neither.
   */
  provider?: string | null;
  audience?: string | null;
}

interface Pending {
  identity: string;
  principal: string;
  kind: Observation['kind'];
  count: number;
  first: Observation;
  last: Observation;
}

/** GSI bucket of an observed principal, aligned with the pattern buckets so one Query finds both. */
export function observationBucket(o: Pick<Observation, 'principal' | 'kind'>): string {
  if (o.principal.startsWith('subject:')) {
    const sub = o.principal.slice('subject:'.length);
    const loc = locateSubject(sub);
    if (loc.repository) return `REPO#${loc.repository}`;
    if (loc.owner) return `OWNER#${loc.owner}`;
    return sub ? `SUBJ#${sub}` : WILD_SUBJECT;
  }
  if (o.principal.startsWith('caller:')) {
    return callerBucket(o.principal.slice('caller:'.length));
  }
  return o.kind === 'caller' ? WILD_CALLER : WILD_SUBJECT;
}

export function readObservationItem(item: Item): ObservationRecord {
  return {
    identity: String(item.identity),
    principal: String(item.principal),
    kind: (item.kind as Observation['kind']) ?? 'caller',
    firstSeen: String(item.firstSeen ?? ''),
    lastSeen: String(item.lastSeen ?? ''),
    count: Number(item.count ?? 0),
    lastEventId: String(item.lastEventId ?? ''),
    expected: item.expected === true,
    ...(typeof item.oidcProvider === 'string'
      ? {
          provider: item.oidcProvider === '' ? null : item.oidcProvider,
          audience:
            typeof item.oidcAudience === 'string' && item.oidcAudience !== '' ? item.oidcAudience : null,
        }
      : {}),
  };
}

/** Attribute names that are DynamoDB reserved words. */
const NAMES = { '#count': 'count', '#kind': 'kind', '#identity': 'identity', '#principal': 'principal' };

const ts = (o: Observation) => Date.parse(o.eventTime) || 0;

/** How long a per-event marker (see {@link ObservationSinkOptions.eventMarkers}) is kept. */
export const EVENT_MARKER_RETENTION_MS = 400 * 86_400_000;

export interface ObservationSinkOptions {
  maxPending?: number;
  concurrency?: number;
  /**
   * Count each CloudTrail event once across runs: before an observation is counted, a conditional PutItem
   * writes `OBSEVT#<eventId>` (TTL {@link EVENT_MARKER_RETENTION_MS}); an event whose marker exists is not
   * counted again. For replays into a store (replaying a file twice, an archive overlapping what the Lambda
   * already recorded through markers). One extra write per observed event, so the Lambda leaves it off and
   * relies on the lastEventId check below for EventBridge's close-together redeliveries.
   */
  eventMarkers?: boolean;
  /** For marker expiry; default the system clock. */
  nowMs?: () => number;
}

/**
 * ObservationSink on the table. `record` aggregates in memory per (identity, principal);
 * `flush` writes one UpdateItem per aggregate (ADD count, if_not_exists firstSeen) plus one
 * per identity for its last-used summary. So 1,000 events from 10 principals cost ~11 calls.
 * When more than `maxPending` aggregates build up, a flush starts in the background.
 */
export class DynamoObservationSink implements ObservationSink {
  private pending = new Map<string, Pending>();
  /** Event ids aggregated into `pending`. */
  private pendingEvents = new Set<string>();
  private inflight: Promise<void> | null = null;
  private backgroundError: unknown = null;
  /** With eventMarkers: observations waiting for their marker, in arrival order. */
  private unmarked: Observation[] = [];

  constructor(
    private readonly db: Dynamo,
    private readonly opts: ObservationSinkOptions = {},
  ) {}

  record(obs: Observation): void {
    if (this.opts.eventMarkers && obs.eventId) {
      this.unmarked.push(obs);
      if (this.unmarked.length >= (this.opts.maxPending ?? 1000)) this.startBackground();
      return;
    }
    this.aggregate(obs);
  }

  private aggregate(obs: Observation): void {
    // The same event twice in one buffer (EventBridge redelivering to a warm container that buffers across
    // invocations) counts once; across flushes the lastEventId condition below catches single events.
    if (obs.eventId) {
      if (this.pendingEvents.has(obs.eventId)) return;
      this.pendingEvents.add(obs.eventId);
    }
    const key = `${obs.identity}\u0000${obs.principal}`;
    const p = this.pending.get(key);
    if (!p) {
      this.pending.set(key, {
        identity: obs.identity,
        principal: obs.principal,
        kind: obs.kind,
        count: 1,
        first: obs,
        last: obs,
      });
    } else {
      p.count++;
      if (ts(obs) < ts(p.first)) p.first = obs;
      if (ts(obs) >= ts(p.last)) p.last = obs;
    }
    if (this.pending.size >= (this.opts.maxPending ?? 1000)) this.startBackground();
  }

  private startBackground(): void {
    if (this.inflight) return;
    this.inflight = this.writeOut()
      .catch((err) => {
        this.backgroundError = err;
      })
      .finally(() => {
        this.inflight = null;
      });
  }

  /** Writes the markers of waiting observations; counts only those whose marker is new. */
  private async markEvents(): Promise<void> {
    const batch = this.unmarked;
    this.unmarked = [];
    if (batch.length === 0) return;
    const nowMs = (this.opts.nowMs ?? Date.now)();
    const fresh = new Set<Observation>();
    await mapLimit(batch, this.opts.concurrency ?? 8, async (o) => {
      const eventMs = Date.parse(o.eventTime);
      const base = Number.isFinite(eventMs) ? Math.max(eventMs, nowMs) : nowMs;
      try {
        await this.db.put(
          {
            pk: `OBSEVT#${o.eventId}`,
            sk: 'OBSEVT',
            type: 'observed-event',
            identity: o.identity,
            principal: o.principal,
            expiresAt: Math.ceil((base + EVENT_MARKER_RETENTION_MS) / 1000),
          },
          { ConditionExpression: 'attribute_not_exists(pk)' },
        );
        fresh.add(o);
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
      }
    });
    for (const o of batch) if (fresh.has(o)) this.aggregate(o);
  }

  async flush(): Promise<void> {
    if (this.inflight) await this.inflight;
    if (this.backgroundError) {
      const err = this.backgroundError;
      this.backgroundError = null;
      throw err;
    }
    await this.writeOut();
  }

  private async writeOut(): Promise<void> {
    await this.markEvents();
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.pendingEvents = new Set();
    if (batch.length === 0) return;
    const lastUsed = new Map<string, Observation>();
    for (const p of batch) {
      const cur = lastUsed.get(p.identity);
      if (!cur || ts(p.last) > ts(cur)) lastUsed.set(p.identity, p.last);
    }
    const limit = this.opts.concurrency ?? 8;
    const written = new Set<Pending>();
    try {
      await mapLimit(batch, limit, (p) => this.writeOne(p, written));
    } catch (err) {
      // Aggregates not counted yet go back into the buffer (merged with anything recorded since), so the
      // next flush retries them; those already counted are not written twice.
      for (const p of batch) if (!written.has(p)) this.requeue(p);
      throw err;
    }
    await mapLimit([...lastUsed.entries()], limit, ([identity, o]) => this.touchLastUsed(identity, o));
  }

  private requeue(p: Pending): void {
    const key = `${p.identity}\u0000${p.principal}`;
    const cur = this.pending.get(key);
    if (!cur) {
      this.pending.set(key, p);
      return;
    }
    cur.count += p.count;
    if (ts(p.first) < ts(cur.first)) cur.first = p.first;
    if (ts(p.last) >= ts(cur.last)) cur.last = p.last;
  }

  private async writeOne(p: Pending, written: Set<Pending>): Promise<void> {
    const key = { pk: observationPk(p.identity), sk: observationSk(p.principal) };
    const common = {
      ':n': p.count,
      ':first': p.first.eventTime,
      ':identity': p.identity,
      ':principal': p.principal,
      ':kind': p.kind,
      ':g': observationBucket(p),
      ':gs': `OBS#${p.identity}#${p.principal}`,
    };
    // A single event (the Lambda path) is not counted twice when EventBridge redelivers it: the item's
    // lastEventId names the event that wrote it last.
    const once = p.count === 1 ? ' AND (attribute_not_exists(lastEventId) OR lastEventId <> :eid)' : '';
    let oldFirst: unknown;
    try {
      // Newest information wins for lastSeen/lastEventId/expected (and the OIDC provider/audience, which
      // `baseline show|seen` judge against the current baseline); older batches only add counts.
      const oidc = p.last.provider !== undefined;
      const out = await this.db.update({
        ReturnValues: 'UPDATED_OLD',
        Key: key,
        UpdateExpression:
          'ADD #count :n SET firstSeen = if_not_exists(firstSeen, :first), lastSeen = :last, ' +
          'lastEventId = :eid, expected = :exp, #identity = :identity, #principal = :principal, ' +
          `#kind = :kind, gsi1pk = :g, gsi1sk = :gs${oidc ? ', oidcProvider = :prov, oidcAudience = :aud' : ''}`,
        ConditionExpression: `(attribute_not_exists(lastSeen) OR lastSeen <= :last)${once}`,
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ...common,
          ':last': p.last.eventTime,
          ':eid': p.last.eventId,
          ':exp': p.last.expected,
          ...(oidc ? { ':prov': p.last.provider ?? '', ':aud': p.last.audience ?? '' } : {}),
        },
      });
      oldFirst = out.Attributes?.firstSeen;
      written.add(p);
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      try {
        const out = await this.db.update({
          ReturnValues: 'UPDATED_OLD',
          Key: key,
          UpdateExpression:
            'ADD #count :n SET firstSeen = if_not_exists(firstSeen, :first), #identity = :identity, ' +
            '#principal = :principal, #kind = :kind, gsi1pk = :g, gsi1sk = :gs',
          ExpressionAttributeNames: NAMES,
          ...(once
            ? {
                ConditionExpression: 'attribute_not_exists(lastEventId) OR lastEventId <> :eid',
                ExpressionAttributeValues: { ...common, ':eid': p.last.eventId },
              }
            : { ExpressionAttributeValues: common }),
        });
        oldFirst = out.Attributes?.firstSeen;
        written.add(p);
      } catch (again) {
        if (once && again instanceof ConditionFailedError) {
          written.add(p);
          return; // the same event again: counted already
        }
        throw again;
      }
    }
    // An out-of-order older batch may predate the stored firstSeen (rare: costs one more call).
    if (typeof oldFirst !== 'string' || oldFirst <= p.first.eventTime) return;
    await this.db
      .update({
        Key: key,
        UpdateExpression: 'SET firstSeen = :first',
        ConditionExpression: 'firstSeen > :first',
        ExpressionAttributeValues: { ':first': p.first.eventTime },
      })
      .catch((err) => {
        if (!(err instanceof ConditionFailedError)) throw err;
      });
  }

  private async touchLastUsed(identity: string, o: Observation): Promise<void> {
    await this.db
      .update({
        Key: { pk: LASTUSED_PK, sk: identity },
        UpdateExpression: 'SET lastSeen = :t, lastEventId = :e, #identity = :i',
        ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen < :t',
        ExpressionAttributeNames: { '#identity': 'identity' },
        ExpressionAttributeValues: { ':t': o.eventTime, ':e': o.eventId, ':i': identity },
      })
      .catch((err) => {
        if (!(err instanceof ConditionFailedError)) throw err;
      });
  }
}
