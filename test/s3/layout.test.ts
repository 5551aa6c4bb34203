import { describe, expect, it } from 'vitest';
import {
  dirAdmits,
  fileAdmits,
  recordPasses,
  skipMarker,
} from '../../shared/adapters/cloudtrail-files/layout.js';

const day = (s: string) => Date.parse(`${s}T00:00:00Z`);
const segs = (k: string) => k.split('/');

describe('CloudTrail key layout filters', () => {
  const f = {
    sinceMs: day('2026-03-03'),
    untilMs: day('2026-03-04') + 86_399_999,
    accounts: new Set(['111122223333']),
  };

  it('prunes accounts, org trails, digests and days outside the range', () => {
    expect(dirAdmits(segs('x/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/03'), f)).toBe(true);
    expect(dirAdmits(segs('x/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/03'), f)).toBe(true);
    expect(dirAdmits(segs('x/AWSLogs/o-abcdefghij/444455556666'), f)).toBe(false);
    expect(dirAdmits(segs('AWSLogs/111122223333/CloudTrail-Digest'), f)).toBe(false);
    expect(dirAdmits(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02'), f)).toBe(false);
    // Delivered on the day after --until: may still hold events of the range.
    expect(dirAdmits(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/05'), f)).toBe(true);
    expect(dirAdmits(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/06'), f)).toBe(false);
    expect(dirAdmits(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2025'), f)).toBe(false);
    expect(dirAdmits(segs('some/other/tree'), f)).toBe(true);
  });

  it('judges a log file by the account, region and delivery time in its name', () => {
    const dir = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/03/';
    expect(fileAdmits(segs(`${dir}111122223333_CloudTrail_eu-west-1_20260303T0005Z_abc.json.gz`), f)).toBe(
      true,
    );
    expect(fileAdmits(segs(`${dir}444455556666_CloudTrail_eu-west-1_20260303T0005Z_abc.json.gz`), f)).toBe(
      false,
    );
    expect(fileAdmits(segs('flat/111122223333_CloudTrail_eu-west-1_20260302T2300Z_abc.json.gz'), f)).toBe(
      false,
    );
    expect(fileAdmits(segs(`${dir}111122223333_CloudTrail-Digest_eu-west-1_x.json.gz`), f)).toBe(false);
    expect(fileAdmits(segs('export.jsonl'), f)).toBe(true);
  });

  it('seeks a key-ordered listing past a rejected subtree, or to the first day of the range', () => {
    expect(skipMarker(segs('p/AWSLogs/444455556666'), f)).toBe('p/AWSLogs/444455556666/\uffff');
    expect(skipMarker(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2025'), f)).toBe(
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/03',
    );
    expect(skipMarker(segs('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/06'), f)).toBe(
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/06/\uffff',
    );
  });

  it('filters records on eventTime, recipientAccountId and awsRegion', () => {
    const r = {
      eventTime: '2026-03-03T10:00:00Z',
      recipientAccountId: '111122223333',
      awsRegion: 'eu-west-1',
    };
    expect(recordPasses(r, f)).toBe(true);
    expect(recordPasses({ ...r, eventTime: '2026-03-05T00:00:00Z' }, f)).toBe(false);
    expect(recordPasses({ ...r, recipientAccountId: '444455556666' }, f)).toBe(false);
    expect(recordPasses({ ...r, eventTime: undefined }, f)).toBe(false);
    expect(recordPasses(r, { regions: new Set(['us-east-1']) })).toBe(false);
  });
});
