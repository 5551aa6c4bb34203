/**
 * Per-event claims (ingestMode `both`) on dynalite: the first path wins, the second skips a settled
 * claim, a live lease is `busy`, an expired unsettled one is taken over, a stale owner cannot settle the
 * new holder's claim, and a failing table answers `unavailable` (judge anyway) instead of throwing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventClaimSession, eventClaimKey } from '../../shared/app/event-claims.js';
import { type Backend, freshStore, startDynalite, TestClock } from '../store/helpers.js';

let db: Backend;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

const T = '2026-03-02T10:00:00Z';
const rec = (id: string, account = '111122223333') => ({
  eventID: id,
  recipientAccountId: account,
  eventTime: T,
});

describe('event claims', () => {
  it('won, then judged once settled; busy while leased; taken over after the lease', async () => {
    const clock = new TestClock(Date.parse('2026-03-02T10:01:00Z'));
    const store = await freshStore(db, { clock });
    try {
      const claims = store.eventClaims({ leaseMs: 60_000 });
      const a = new EventClaimSession(claims, 'a');
      const b = new EventClaimSession(claims, 'b');
      expect(await a.claim(rec('e1'))).toBe('won');
      expect(await a.claim(rec('e2'))).toBe('won');
      // The same eventID in another account is another record (overlapping trails keep both).
      expect(await b.claim(rec('e1', '444455556666'))).toBe('won');
      expect(await b.claim(rec('e1'))).toBe('busy');
      await a.settle(a.take().filter((k) => k.endsWith('/e1')));
      expect(await b.claim(rec('e1'))).toBe('judged');
      // e2 was never settled: a died. Still leased → busy; past the lease → b takes it.
      clock.advance(59_000);
      expect(await b.claim(rec('e2'))).toBe('busy');
      clock.advance(2_000);
      expect(await b.claim(rec('e2'))).toBe('won');
      // a, back from the dead, cannot settle what b now holds; b can.
      await a.settle(['111122223333/e2']);
      clock.advance(120_000);
      expect(await new EventClaimSession(claims, 'c').claim(rec('e2'))).toBe('won');
      // A failed attempt gives back what it holds (not what it lost to a takeover): claimable at once.
      const f = new EventClaimSession(claims, 'f');
      expect(await f.claim(rec('e4'))).toBe('won');
      await f.release(f.take());
      await a.release(['111122223333/e2']);
      expect(await b.claim(rec('e4'))).toBe('won');
      expect(await b.claim(rec('e2'))).toBe('busy');
      const c2 = new EventClaimSession(claims, 'd');
      expect(await c2.claim(rec('e3'))).toBe('won');
      await c2.settle(c2.take());
      clock.advance(3_600_000);
      expect(await new EventClaimSession(claims, 'e').claim(rec('e3'))).toBe('judged');
    } finally {
      await store.close();
    }
  });

  it('a record without account or eventID is judged unclaimed; a failing table is unavailable', async () => {
    expect(eventClaimKey({ eventID: 'x' })).toBeNull();
    const store = await freshStore(db, {
      configureClient: (c) =>
        c.middlewareStack.add(
          () => async () => {
            throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
          },
          { step: 'initialize' },
        ),
    });
    try {
      const errors: string[] = [];
      const s = new EventClaimSession(store.eventClaims({ onError: (op) => errors.push(op) }), 'a');
      expect(await s.claim({ eventID: 'x' })).toBe('won');
      expect(s.take()).toEqual([]);
      expect(await s.claim(rec('e1'))).toBe('unavailable');
      await s.settle(['111122223333/e1']);
      await s.release(['111122223333/e1']);
      expect(errors).toEqual(['claim', 'settle', 'release']);
    } finally {
      await store.close();
    }
  });
});
