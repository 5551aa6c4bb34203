import { describe, expect, it } from 'vitest';
import { path } from '../../shared/core/cloudtrail/fields.js';
import { eventTimeProblem, normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import type { NormalisedEvent } from '../../shared/core/cloudtrail/types.js';
import { Engine } from '../../shared/core/detection/engine.js';
import { appliesPairs, type Rule } from '../../shared/core/detection/rule.js';
import { eventDate } from '../../shared/core/rules/_common.js';
import { RULES } from '../../shared/core/rules/index.js';
import { utcMs } from '../../shared/core/utc.js';

/** The event time as normalise read it before its fast path: the ISO regex, then Date.parse. */
function referenceMs(v: string): number {
  const m = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
  const ms = m === null ? Number.NaN : Date.parse(m[1] === undefined ? `${v.replace(' ', 'T')}Z` : v);
  return Number.isNaN(ms) ? 0 : ms;
}

function timeOf(eventTime: string): number | string {
  const n = normaliseRecord({ eventName: 'GetCallerIdentity', eventSource: 'sts.amazonaws.com', eventTime });
  if (!n.ok) return n.reason;
  return n.event.eventTimeMs;
}

describe('event time fast path', () => {
  it('gives what the regex and Date.parse give, on CloudTrail times and near misses', () => {
    const times = [
      '2026-03-03T22:25:42Z',
      '1970-01-01T00:00:00Z',
      '1000-01-01T00:00:00Z',
      '0999-12-31T23:59:59Z',
      '0099-06-15T12:00:00Z',
      '9999-12-28T23:59:59Z',
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-12-31T23:59:59Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01t10:00:00z',
      '2026-01-01 10:00:00Z',
      '2026-01-01T10:00:00.5Z',
      '2026-01-01T10:00:00+02:00',
      '2026-01-01T10:00:00',
      '2026-01-01T1a:00:00Z',
      '2026-0１-01T10:00:00Z',
      '+02026-01-01T10:00Z',
      'Oct 2, 2019, 11:12:29 PM',
    ];
    for (const t of times) expect([t, timeOf(t)]).toEqual([t, referenceMs(t)]);
    // Every second of a day and every day of a few years, the way CloudTrail writes them.
    const wrong: string[] = [];
    for (let ms = Date.UTC(2023, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000 + 3_661_000) {
      const t = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (timeOf(t) !== ms || referenceMs(t) !== ms) wrong.push(t);
    }
    expect(wrong).toEqual([]);
  });

  it('leaves the reasons for unusable times as they were', () => {
    expect(eventTimeProblem({ eventTime: '2026-13-01T00:00:00Z' })).toBe(
      'eventTime is not an ISO-8601 time ("2026-13-01T00:00:00Z")',
    );
    expect(eventTimeProblem({ eventTime: '2026-03-03T22:25:42Z' })).toBeNull();
  });
});

describe('eventDate', () => {
  const at = (eventTimeMs: number) => ({ eventTimeMs }) as NormalisedEvent;

  it('is the UTC day of each event, whatever order the events come in', () => {
    const days = [
      Date.UTC(2026, 2, 3, 23, 59, 59),
      Date.UTC(2026, 2, 3, 0, 0, 0),
      Date.UTC(2026, 2, 4, 0, 0, 0),
      Date.UTC(2026, 2, 3, 12),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 2, 4, 0, 0, 1),
    ];
    for (const ms of days) expect(eventDate(at(ms))).toBe(new Date(ms).toISOString().slice(0, 10));
  });

  it('is null without a usable time, also right after a usable one', () => {
    expect(eventDate(at(Date.UTC(2026, 0, 1)))).toBe('2026-01-01');
    expect(eventDate(at(0))).toBeNull();
    expect(eventDate(at(Number.NaN))).toBeNull();
    expect(eventDate(at(9e15))).toBeNull();
    expect(eventDate(at(Date.UTC(2026, 0, 1)))).toBe('2026-01-01');
  });
});

describe('Engine.applicable', () => {
  /** The rules that read an event, in catalogue order, straight from their metadata. */
  function reference(rules: readonly Rule[], src: string, name: string): string[] {
    return rules
      .filter(
        (r) =>
          r.meta.appliesTo === 'any' ||
          appliesPairs(r.meta.appliesTo).some((p) => p.eventSource === src && p.eventNames.includes(name)),
      )
      .map((r) => r.meta.id);
  }

  it('picks the rules of each event kind, any-event rules included, in catalogue order', () => {
    const engine = new Engine(RULES);
    const kinds = [...engine.pairs()].map((p) => p.split('|') as [string, string]);
    kinds.push(['iam.amazonaws.com', 'ListRoles'], ['ec2.amazonaws.com', 'RunInstances']);
    expect(kinds.length).toBeGreaterThan(20);
    for (const [src, name] of kinds) {
      const e = { eventSource: src, eventName: name } as NormalisedEvent;
      expect([src, name, engine.applicable(e).map((r) => r.meta.id)]).toEqual([
        src,
        name,
        reference(RULES, src, name),
      ]);
    }
  });

  it('matches source and name exactly: swapped, joined or split differently gives only any-event rules', () => {
    const engine = new Engine(RULES);
    const anyOnly = reference(RULES, 'x', 'y');
    const [src = '', name = ''] = ([...engine.pairs()][0] ?? '').split('|');
    const tricky = [
      { eventSource: `${src}|${name}`, eventName: '' },
      { eventSource: src.slice(0, -1), eventName: `${src.slice(-1)}|${name}` },
      { eventSource: name, eventName: src },
      { eventSource: src.toUpperCase(), eventName: name },
    ];
    for (const e of tricky)
      expect(engine.applicable(e as NormalisedEvent).map((r) => r.meta.id)).toEqual(anyOnly);
  });
});

describe('utcMs', () => {
  it('gives what Date.UTC gives, month after month in any order, carries and two-digit years included', () => {
    const wrong: string[] = [];
    const years = [2026, 1970, 2026, 0, 99, 100, 1969, 2024, 2023, 9999, 2026];
    for (const year of years)
      for (const month of [0, 1, 11, 1, 0, 6])
        for (const [day, hour, minute, second] of [
          [1, 0, 0, 0],
          [28, 23, 59, 59],
          [29, 12, 30, 0],
          [31, 11, 5, 9],
          [0, 0, 0, 0],
          [32, 47, 99, 99],
        ] as const) {
          const got = utcMs(year, month, day, hour, minute, second);
          const want = Date.UTC(year, month, day, hour, minute, second);
          if (got !== want)
            wrong.push(`${year}-${month}-${day} ${hour}:${minute}:${second}: ${got} != ${want}`);
        }
    expect(wrong).toEqual([]);
  });
});

describe('path', () => {
  it('reads one or two keys deep, null as soon as a step is not an object', () => {
    const root = { a: { b: 'x', n: null }, list: [{ b: 'y' }], s: 'text' };
    expect(path(root, 'a')).toEqual({ b: 'x', n: null });
    expect(path(root, 'a', 'b')).toBe('x');
    expect(path(root, 'a', 'n')).toBeNull();
    expect(path(root, 'a', 'missing')).toBeUndefined();
    expect(path(root, 'missing')).toBeUndefined();
    expect(path(root, 'missing', 'b')).toBeNull();
    expect(path(root, 's', 'length')).toBeNull();
    expect(path(root, 'list', '0')).toBeNull();
    expect(path(null, 'a')).toBeNull();
    expect(path(['x'], '0')).toBeNull();
  });
});

describe('normaliseRecord field types', () => {
  const base = { eventName: 'GetRole', eventSource: 'iam.amazonaws.com', eventTime: '2026-03-03T22:25:42Z' };
  const reason = (extra: Record<string, unknown>) => {
    const n = normaliseRecord({ ...base, ...extra });
    return n.ok ? 'ok' : n.reason;
  };

  it('names the first field of the wrong type, objects first, then strings', () => {
    expect(reason({ userIdentity: [] })).toBe('userIdentity is an array, expected an object');
    expect(reason({ requestParameters: 'x' })).toBe('requestParameters is a string, expected an object');
    expect(reason({ responseElements: 1 })).toBe('responseElements is a number, expected an object');
    expect(reason({ additionalEventData: true })).toBe(
      'additionalEventData is a boolean, expected an object',
    );
    expect(reason({ eventTime: 5 })).toBe('eventTime is a number, expected a string');
    expect(reason({ eventID: {} })).toBe('eventID is a object, expected a string');
    expect(reason({ awsRegion: [] })).toBe('awsRegion is an array, expected a string');
    expect(reason({ recipientAccountId: 1 })).toBe('recipientAccountId is a number, expected a string');
    expect(reason({ errorCode: false })).toBe('errorCode is a boolean, expected a string');
    expect(reason({ errorCode: 1, eventID: 2, additionalEventData: 3, userIdentity: 4 })).toBe(
      'userIdentity is a number, expected an object',
    );
    expect(reason({ errorCode: 1, awsRegion: 2 })).toBe('awsRegion is a number, expected a string');
    expect(reason({ userIdentity: null, requestParameters: undefined, eventID: null, errorCode: null })).toBe(
      'ok',
    );
  });

  it('reads @timestamp only when eventTime is absent or null', () => {
    const at = (extra: Record<string, unknown>) => {
      const n = normaliseRecord({ eventName: 'GetRole', eventSource: 'iam.amazonaws.com', ...extra });
      return n.ok ? n.event.eventTime : n.reason;
    };
    expect(at({ '@timestamp': '2026-03-03T22:25:42Z' })).toBe('2026-03-03T22:25:42Z');
    expect(at({ eventTime: null, '@timestamp': '2026-03-03T22:25:42Z' })).toBe('2026-03-03T22:25:42Z');
    expect(at({ eventTime: '2026-03-04T00:00:00Z', '@timestamp': '2026-03-03T22:25:42Z' })).toBe(
      '2026-03-04T00:00:00Z',
    );
    expect(eventTimeProblem({ '@timestamp': 7 })).toBe('@timestamp is a number, expected a string');
  });
});
