/**
 * The Aggregator lets a folded alert out once event time passes its window plus the grace period — not
 * before, and not later — however many records move event time without raising anything in between.
 */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/core/alert/alert.js';
import { Aggregator } from '../../shared/core/detection/aggregate.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

const alert = (key: string, at: number) =>
  ({
    id: key,
    rule: 'r',
    severity: 'high',
    dedupeKey: key,
    count: 1,
    eventTime: new Date(at).toISOString(),
    lastEventTime: new Date(at).toISOString(),
  }) as unknown as Alert;

/** Moves event time minute by minute from `from` to `to`, returning the keys let out at each minute. */
function walk(agg: Aggregator, from: number, to: number): Array<[number, string[]]> {
  const out: Array<[number, string[]]> = [];
  for (let t = from; t <= to; t += MIN) {
    const ready = agg.advance(t);
    if (ready.length > 0) out.push([(t - T0) / MIN, ready.map((a) => a.dedupeKey)]);
  }
  return out;
}

describe('Aggregator.advance', () => {
  it('lets each group out just after its window plus the grace period', () => {
    const agg = new Aggregator({ graceMinutes: 15 });
    expect(agg.add(alert('a', T0), T0, 60)).toEqual([]);
    expect(agg.add(alert('b', T0 + 10 * MIN), T0 + 10 * MIN, 5)).toEqual([]);
    expect(agg.add(alert('c', T0 + 10 * MIN), T0 + 10 * MIN, 1440)).toEqual([]);
    // b: 10 + 5 + 15 = 30 is not yet past; a: 60 + 15 = 75.
    expect(walk(agg, T0 + 11 * MIN, T0 + 200 * MIN)).toEqual([
      [31, ['b']],
      [76, ['a']],
    ]);
    expect(agg.openGroups).toBe(1);
    expect(agg.advance(T0 + (10 + 1440 + 15) * MIN)).toEqual([]);
    expect(agg.advance(T0 + (10 + 1440 + 15) * MIN + 1).map((a) => a.dedupeKey)).toEqual(['c']);
  });

  it('keeps track after a group is replaced by a new window of the same key, or flushed', () => {
    const agg = new Aggregator({ graceMinutes: 0 });
    agg.add(alert('a', T0), T0, 10);
    agg.add(alert('b', T0), T0, 30);
    // A repeat of `a` past its window closes the first group and opens another (window 10 from minute 12).
    const closed = agg.add(alert('a', T0 + 12 * MIN), T0 + 12 * MIN, 10);
    expect(closed.map((a) => a.eventTime)).toEqual([new Date(T0).toISOString()]);
    expect(walk(agg, T0 + 13 * MIN, T0 + 40 * MIN)).toEqual([
      [23, ['a']],
      [31, ['b']],
    ]);
    agg.add(alert('d', T0 + 50 * MIN), T0 + 50 * MIN, 10);
    expect(agg.flush().map((a) => a.dedupeKey)).toEqual(['d']);
    agg.add(alert('e', T0 + 60 * MIN), T0 + 60 * MIN, 10);
    expect(walk(agg, T0 + 61 * MIN, T0 + 80 * MIN)).toEqual([[71, ['e']]]);
  });

  it('lets out together the groups due at once, oldest first', () => {
    const agg = new Aggregator({ graceMinutes: 15 });
    agg.add(alert('late', T0 + 5 * MIN), T0 + 5 * MIN, 60);
    agg.add(alert('early', T0), T0, 60);
    agg.add(alert('b', T0 + 5 * MIN), T0 + 5 * MIN, 60);
    expect(agg.advance(T0 + 24 * 60 * MIN).map((a) => a.dedupeKey)).toEqual(['early', 'late', 'b']);
  });
});
