/**
 * SessionStore on the table: one item per issued session key, written with one conditional PutItem per
 * issuing event, read with one GetItem per hop. No Scan, no Query on the hot path. Items expire (TTL) a
 * retention period after the credentials; readers compare with the asking event's time, as the in-memory
 * store does (../memory-sessions.ts), so replay and the Lambda agree.
 */
import type { SessionRecord } from '../../core/session/record.js';
import type { SessionStore } from '../../ports.js';
import { retainedAt, SESSION_RETENTION_MS } from '../memory-sessions.js';
import { ConditionFailedError, type Dynamo } from './client.js';
import { SESSION_SK, sessionPk } from './keys.js';

export class DynamoSessionStore implements SessionStore {
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
}
