/**
 * Session records read the caller's key, the chain's sourceIdentity and sharedEventID from the normalised
 * event (normalise reads each raw field once), not from the raw record: what they read must not change.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { callerKey, sessionFromEvent } from '../../shared/core/session/record.js';
import { chainAssume } from './records.js';

function ev(raw: unknown): NormalisedEvent {
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  return n.event;
}

const T = { time: '2026-11-02T10:05:00Z', ip: '198.51.100.7' };

describe('fields normalise reads once for session records', () => {
  it('the caller key and sourceIdentity come from userIdentity', () => {
    const raw = chainAssume('deploy', 'ASIAPARENT0000000001', 'admin', 'ASIACHILD00000000001', T);
    const ui = raw.userIdentity as { sessionContext: Record<string, unknown> };
    ui.sessionContext.sourceIdentity = 'alice@example.com';
    const e = ev(raw);
    expect(e.actor.accessKeyId).toBe('ASIAPARENT0000000001');
    expect(e.actor.sourceIdentity).toBe('alice@example.com');
    expect(callerKey(e)).toBe('ASIAPARENT0000000001');
    const rec = sessionFromEvent(e);
    expect(rec?.parentKey).toBe('ASIAPARENT0000000001');
    expect(rec?.sourceIdentity).toBe('alice@example.com');
  });

  it('sharedEventID of a cross-account copy is kept', () => {
    // Public AWS documentation sample (see test/fixtures/cloudtrail-public/README.md).
    const file =
      'test/fixtures/cloudtrail-public/AssumeRole__awsdocs-iam-user-guide__cross-account-target-view.json';
    const e = ev(JSON.parse(readFileSync(file, 'utf8')));
    expect(e.sharedEventId).toBe('bEXAMPLE-efea-4a70-b951-19a88EXAMPLE');
    expect(sessionFromEvent(e)?.sharedEventId).toBe('bEXAMPLE-efea-4a70-b951-19a88EXAMPLE');
  });

  it('a key of the wrong type is no key', () => {
    const raw = chainAssume('deploy', 'ASIAPARENT0000000001', 'admin', 'ASIACHILD00000000001', T);
    (raw.userIdentity as Record<string, unknown>).accessKeyId = 42;
    const e = ev(raw);
    expect(e.actor.accessKeyId).toBeNull();
    expect(sessionFromEvent(e)?.parentKey).toBeNull();
  });

  it('actor types keep their text, known or not', () => {
    for (const type of ['AssumedRole', 'Root', 'IdentityCenterUser', 'SomethingNew']) {
      const raw = chainAssume('deploy', 'ASIAPARENT0000000001', 'admin', 'ASIACHILD00000000001', T);
      (raw.userIdentity as Record<string, unknown>).type = type;
      expect(ev(raw).actor.type).toBe(type);
    }
  });

  it('normaliseRecord reads each field of the record and of its userIdentity once', () => {
    // JSON.parse gives records of different field sets different maps: each site reading a raw record is
    // optimised for the maps it saw and thrown away at the next one, so each field has one such site.
    const reads = new Map<string, number>();
    const counted = (o: Record<string, unknown>, prefix: string): Record<string, unknown> =>
      new Proxy(o, {
        get(target, key, receiver) {
          if (typeof key === 'string') reads.set(prefix + key, (reads.get(prefix + key) ?? 0) + 1);
          return Reflect.get(target, key, receiver);
        },
      });
    const records = [
      chainAssume('deploy', 'ASIAPARENT0000000001', 'admin', 'ASIACHILD00000000001', T),
      {
        ...chainAssume('deploy', 'ASIAPARENT0000000001', 'admin', 'ASIACHILD00000000002', T),
        errorCode: 'x',
      },
    ];
    for (const raw of records) {
      reads.clear();
      raw.userIdentity = counted(raw.userIdentity as Record<string, unknown>, 'userIdentity.');
      expect(normaliseRecord(counted(raw, '')).ok).toBe(true);
      expect([...reads].filter(([, n]) => n > 1)).toEqual([]);
      expect(reads.get('eventTime')).toBe(1);
    }
  });
});
