/**
 * Replay's duplicate check (`skipDuplicates`): a record is skipped only when the same recipientAccountId and
 * the same eventID were already evaluated. Both fields are record text; they are compared as a pair, never
 * joined into one string (`a/b` + `c` and `a` + `b/c` are different records).
 */
import { describe, expect, it } from 'vitest';
import { DetectionPipeline } from '../../shared/app/detect.js';
import { type RawItem, replay } from '../../shared/app/replay.js';
import { buildIndex, emptyBaseline } from '../../shared/core/baseline/in-memory-view.js';

const record = (account: string, eventID: string) => ({
  eventVersion: '1.08',
  eventTime: '2026-05-12T10:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'GetRole',
  eventID,
  recipientAccountId: account,
  awsRegion: 'us-east-1',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/r/s' },
  requestParameters: { roleName: 'r' },
});

async function duplicatesOf(records: Array<Record<string, unknown>>): Promise<number> {
  async function* source(): AsyncIterable<RawItem[]> {
    yield records.map((raw, i) => ({ raw, path: 'x.json', line: i + 1 }));
  }
  const c = await replay({
    source: source(),
    view: buildIndex(emptyBaseline()),
    pipeline: new DetectionPipeline(),
    dedupe: true,
    skipDuplicates: true,
    emit: () => {},
    onProblem: () => {},
  });
  expect(c.evaluated).toBe(records.length);
  return c.duplicates;
}

describe('replay duplicate check', () => {
  it('skips the same account and eventID seen again', async () => {
    expect(await duplicatesOf([record('111122223333', 'e-1'), record('111122223333', 'e-1')])).toBe(1);
  });

  it('keeps the same eventID in another account', async () => {
    expect(await duplicatesOf([record('111122223333', 'e-1'), record('444455556666', 'e-1')])).toBe(0);
  });

  it('finds a record again after records of another account came between', async () => {
    const a = '111122223333';
    const b = '444455556666';
    expect(await duplicatesOf([record(a, 'e-1'), record(b, 'e-2'), record(a, 'e-1')])).toBe(1);
    expect(
      await duplicatesOf([
        record(a, 'e-1'),
        record(b, 'e-1'),
        record(a, 'e-2'),
        record(b, 'e-1'),
        record(a, 'e-2'),
      ]),
    ).toBe(2);
  });

  it('keeps records whose account and eventID only look alike once joined with a slash', async () => {
    expect(await duplicatesOf([record('111122223333/a', 'b'), record('111122223333', 'a/b')])).toBe(0);
  });
});
