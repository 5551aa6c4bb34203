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
});
