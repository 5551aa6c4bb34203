/**
 * The per-record date readers (eventTime in normalise, credential expirations in session records) read the
 * text's code units once into a buffer, then by index. Whatever the text — a CloudTrail time, or one with any
 * code unit changed, dropped or doubled — they must give what the general path (regular expression, then
 * Date.parse) gives, and never a value left over from a longer text read before.
 */
import { describe, expect, it } from 'vitest';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { sessionFromEvent } from '../../shared/core/session/record.js';

/** The event time as normalise reads it without its fast path: the ISO regex, then Date.parse. */
function referenceEventMs(v: string): number {
  const m = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
  const ms = m === null ? Number.NaN : Date.parse(m[1] === undefined ? `${v.replace(' ', 'T')}Z` : v);
  return Number.isNaN(ms) ? 0 : ms;
}

function eventMs(eventTime: string): number {
  const n = normaliseRecord({ eventName: 'GetCallerIdentity', eventSource: 'sts.amazonaws.com', eventTime });
  if (!n.ok) throw new Error(n.reason);
  return n.event.eventTimeMs;
}

const ISSUED = '2026-03-02T00:00:00Z';
const ISSUED_MS = Date.parse(ISSUED);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An expiration as session records read it without the fast path: the AWS_DATE regex, then Date.parse. */
function referenceExpiryMs(s: string): number {
  if (s === '') return ISSUED_MS + 3_600_000;
  const m = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}), (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$/i.exec(s);
  if (m) {
    const [, mon = '', d = '', y = '', h = '', mi = '', sec = '', ampm = ''] = m;
    const month = MONTHS.indexOf(mon);
    const hour = (Number(h) % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
    if (month >= 0) return Date.UTC(Number(y), month, Number(d), hour, Number(mi), Number(sec));
  }
  const iso = Date.parse(s);
  if (!Number.isNaN(iso)) return iso;
  const utc = Date.parse(`${s} UTC`);
  if (!Number.isNaN(utc)) return utc;
  return ISSUED_MS + 3_600_000;
}

function expiryMs(expiration: string): number | undefined {
  const e = normaliseRecord({
    eventName: 'AssumeRole',
    eventSource: 'sts.amazonaws.com',
    eventTime: ISSUED,
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/r', roleSessionName: 's' },
    responseElements: { credentials: { accessKeyId: 'ASIAEXPIRY0000000001', expiration } },
    eventID: 'e1',
  });
  if (!e.ok) throw new Error(e.reason);
  return sessionFromEvent(e.event)?.expiresMs;
}

/** `text` with each code unit replaced by each of `units`, dropped, or doubled. */
function nearMisses(text: string, units: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    for (const u of units) out.push(text.slice(0, i) + u + text.slice(i + 1));
    out.push(text.slice(0, i) + text.slice(i + 1));
    out.push(text.slice(0, i) + text[i] + text.slice(i));
  }
  return out;
}

const UNITS = [
  '0',
  '1',
  '2',
  '9',
  ' ',
  ',',
  ':',
  '-',
  'T',
  'Z',
  'a',
  'p',
  'M',
  '/',
  '\u0660',
  '\u00cd',
  '\uff11',
];

describe('date fast paths read the text once', () => {
  it('eventTime: CloudTrail times and every near miss give what the general path gives', () => {
    const wrong: string[] = [];
    const bases = ['2026-03-03T22:25:42Z', '1999-12-28T00:00:00Z', '2026-11-09T09:59:59Z'];
    for (const base of bases) {
      for (const t of [base, ...nearMisses(base, UNITS)]) {
        if (eventMs(t) !== referenceEventMs(t)) wrong.push(t);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('expirations: every form and every near miss give what the general path gives', () => {
    const wrong: string[] = [];
    const bases = [
      'Oct 2, 2019, 11:12:29 PM',
      'Mar 14, 2026, 1:02:03 AM',
      'Jan 31, 2026, 12:59:59 pm',
      'Dec 9, 2026, 9:00:00 am',
    ];
    for (const base of bases) {
      for (const t of [base, ...nearMisses(base, UNITS)]) {
        if (expiryMs(t) !== referenceExpiryMs(t)) wrong.push(t);
      }
    }
    for (const mon of MONTHS) {
      for (const t of [`${mon} 7, 2026, 7:07:07 AM`, `${mon.toLowerCase()} 17, 2026, 12:00:00 AM`]) {
        if (expiryMs(t) !== referenceExpiryMs(t)) wrong.push(t);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a short text read after a longer one is judged on its own code units', () => {
    // The buffer still holds the longer text's tail: a reader that looked past the end would accept these.
    expect(expiryMs('Oct 2, 2019, 11:12:29 PM')).toBe(Date.UTC(2019, 9, 2, 23, 12, 29));
    expect(expiryMs('Oct 2, 2019, 1:12:29 P')).toBe(referenceExpiryMs('Oct 2, 2019, 1:12:29 P'));
    expect(eventMs('2026-03-03T22:25:42Z')).toBe(Date.UTC(2026, 2, 3, 22, 25, 42));
    expect(eventMs('2026-03-03T22:25:4')).toBe(referenceEventMs('2026-03-03T22:25:4'));
  });
});
