/**
 * SessionStore on the table: one item per issued session key, written with one conditional PutItem per
 * issuing event, read with one GetItem per hop. No Scan, no Query on the hot path. Items expire (TTL) a
 * retention period after the credentials; readers compare with the asking event's time, as the in-memory
 * store does (../memory-sessions.ts), so replay and the Lambda agree.
 *
 * For `iamwatch trace` (not the hot path): the session item carries the GSI key `SESSIONARN#<arn>` (the same
 * PutItem, no extra call), and each alerted call is logged as an item in its session's partition
 * (`L#<time>#<eventId>`, one PutItem per alerted event) whose GSI key `EVENT#<eventId>` finds it from the
 * event id a Slack alert shows.
 */
import type { SessionAction, SessionRecord } from '../../core/session/record.js';
import type { SessionIndex, SessionStore } from '../../ports.js';
import { MAX_LOGGED_ACTIONS, retainedAt, SESSION_RETENTION_MS } from '../memory-sessions.js';
import { ConditionFailedError, type Dynamo } from './client.js';
import {
  eventBucket,
  GSI1,
  SESSION_LOG_PREFIX,
  SESSION_SK,
  sessionArnBucket,
  sessionLogSk,
  sessionPk,
} from './keys.js';

/** Longest a role session can last (12 h): the log of a session whose record is unknown is kept as long. */
const MAX_SESSION_MS = 12 * 3_600_000;

/** Milliseconds as a fixed-width string, so the GSI sort key orders by time. */
const msKey = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

export class DynamoSessionStore implements SessionStore, SessionIndex {
  /** Calls logged per session by this instance (the bound of {@link MAX_LOGGED_ACTIONS}, per instance). */
  private readonly logged = new Map<string, number>();

  constructor(private readonly db: Dynamo) {}

  async get(key: string, atMs: number): Promise<SessionRecord | null> {
    // Strong read: a chained hop is often made within a second of its parent's issue.
    const item = await this.db.get({ pk: sessionPk(key), sk: SESSION_SK }, true);
    const rec = item?.session;
    if (!rec || typeof rec !== 'object') return null;
    const r = rec as SessionRecord;
    if (!retainedAt(r, atMs)) return null;
    return item.alerted === true ? { ...r, alerted: true } : r;
  }

  async put(rec: SessionRecord): Promise<void> {
    if (!rec.key) return;
    try {
      await this.db.put(
        {
          pk: sessionPk(rec.key),
          sk: SESSION_SK,
          session: rec,
          rank: rec.rank,
          expiresAt: Math.ceil((rec.expiresMs + SESSION_RETENTION_MS) / 1000),
          ...(rec.sessionArn
            ? { gsi1pk: sessionArnBucket(rec.sessionArn), gsi1sk: `${msKey(rec.issuedMs)}#${rec.key}` }
            : {}),
        },
        {
          // Of two copies of one issuance (the caller's and the role account's), keep the richer.
          ConditionExpression: 'attribute_not_exists(pk) OR #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank' },
          ExpressionAttributeValues: { ':rank': rec.rank },
        },
      );
    } catch (err) {
      if (err instanceof ConditionFailedError) return;
      throw err;
    }
  }

  async markAlerted(key: string): Promise<void> {
    try {
      await this.db.update({
        Key: { pk: sessionPk(key), sk: SESSION_SK },
        UpdateExpression: 'SET alerted = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true },
      });
    } catch (err) {
      if (err instanceof ConditionFailedError) return;
      throw err;
    }
  }

  /** One unconditional PutItem (a retry writes the same item). */
  async logAction(action: SessionAction): Promise<void> {
    const n = this.logged.get(action.key) ?? 0;
    if (n >= MAX_LOGGED_ACTIONS) return;
    if (this.logged.size >= 10_000) this.logged.clear();
    this.logged.set(action.key, n + 1);
    const t = Date.parse(action.eventTime);
    const base = Number.isNaN(t) ? 0 : t;
    await this.db.put({
      pk: sessionPk(action.key),
      sk: sessionLogSk(action.eventTime, action.eventId),
      action,
      gsi1pk: eventBucket(action.eventId),
      gsi1sk: action.key,
      expiresAt: Math.ceil((base + MAX_SESSION_MS + SESSION_RETENTION_MS) / 1000),
    });
  }

  async keyOfEvent(eventId: string): Promise<string | null> {
    const items = await this.db.queryPage({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': eventBucket(eventId) },
      Limit: 5,
    });
    const nowS = Date.now() / 1000;
    const hit = items.find((i) => typeof i.gsi1sk === 'string' && !(Number(i.expiresAt) < nowS));
    return (hit?.gsi1sk as string | undefined) ?? null;
  }

  async keysOfSessionArn(arn: string, atMs: number, limit = 20): Promise<string[]> {
    const items = await this.db.queryPage({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :t',
      ExpressionAttributeValues: { ':p': sessionArnBucket(arn), ':t': `${msKey(atMs)}#~` },
      ScanIndexForward: false,
      Limit: limit,
    });
    return items
      .map((i) => (i.session as SessionRecord | undefined)?.key)
      .filter((k): k is string => typeof k === 'string');
  }

  /** One Query of the session's partition (the newest {@link MAX_LOGGED_ACTIONS} * 2 logged calls). */
  async actionsOf(key: string): Promise<SessionAction[]> {
    const items = await this.db.queryPage({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :l)',
      ExpressionAttributeValues: { ':p': sessionPk(key), ':l': SESSION_LOG_PREFIX },
      ScanIndexForward: false,
      Limit: MAX_LOGGED_ACTIONS * 2,
    });
    const nowS = Date.now() / 1000;
    return items
      .filter((i) => !(Number(i.expiresAt) < nowS) && i.action && typeof i.action === 'object')
      .map((i) => i.action as SessionAction)
      .reverse();
  }
}
