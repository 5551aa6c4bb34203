/**
 * Issue 14: a worker's credit is counted in events, not pieces. A small file's piece holds a few
 * records: counted in pieces, a worker stalled after CHUNK_CREDITS such files whenever the main thread
 * spent a moment on a batch, and both threads idled on 2 cores.
 */
import { describe, expect, it } from 'vitest';
import {
  CHUNK_CREDITS,
  CHUNK_EVENTS,
  CREDIT_EVENTS,
  Credit,
  type FileChunk,
  pieceCost,
} from '../../shared/adapters/cloudtrail-files/types.js';

const piece = (events: number, packed = 0): FileChunk => ({
  events: Array.from({ length: events }, (_, k) => ({ path: 'p', line: k, reason: 'r' })),
  bytes: 0,
  skipped: 0,
  ...(packed > 0
    ? { packed: { text: '[]', meta: new Int32Array(packed * 3), line: 1, badUtf8: false, final: true } }
    : {}),
});

describe('worker credit', () => {
  it('bounds what waits by events: as many full pieces as before, many more small ones', () => {
    expect(CREDIT_EVENTS).toBe(CHUNK_CREDITS * CHUNK_EVENTS);
    const full = new Credit();
    let sent = 0;
    while (full.fits(0, CHUNK_EVENTS)) {
      full.charge(CHUNK_EVENTS);
      sent++;
    }
    expect(sent).toBe(CHUNK_CREDITS);
    // Pieces of 23 records (an object of 250 records, 9% of them read): 86 go before the first waits.
    const small = new Credit();
    sent = 0;
    while (small.fits(0, 23)) {
      small.charge(23);
      sent++;
    }
    expect(sent).toBe(Math.floor(CREDIT_EVENTS / 23));
    expect(sent).toBeGreaterThan(8 * CHUNK_CREDITS);
  });

  it('gives back what the main thread consumed, in the order sent', () => {
    const c = new Credit(100);
    c.charge(60);
    c.charge(30);
    expect(c.fits(0, 20)).toBe(false);
    expect(c.fits(1, 20)).toBe(true); // the 60 are consumed: 30 wait
    expect(c.fits(1, 71)).toBe(false);
    expect(c.fits(2, 100)).toBe(true);
  });

  it('always lets a piece go when nothing waits, whatever its cost', () => {
    const c = new Credit(10);
    expect(c.fits(0, 500)).toBe(true);
    c.charge(500);
    expect(c.fits(0, 1)).toBe(false);
    expect(c.fits(1, 500)).toBe(true);
  });

  it('keeps counting right past the trimming of its history', () => {
    const c = new Credit(10);
    for (let k = 0; k < 5000; k++) {
      expect(c.fits(k, 3)).toBe(true);
      c.charge(3);
      expect(c.fits(k, 8)).toBe(false);
    }
    expect(c.pieces).toBe(5000);
  });

  it('costs a piece its events and packed records, at least one', () => {
    expect(pieceCost(piece(0))).toBe(1);
    expect(pieceCost(piece(4))).toBe(4);
    expect(pieceCost(piece(2, 23))).toBe(25);
  });
});
