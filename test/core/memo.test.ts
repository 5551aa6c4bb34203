import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ARN_MEMO_LIMIT,
  arnMemoSizes,
  clearArnMemos,
  identityKeyOf,
  identityKeyOfUncached,
  parseArn,
  parseArnUncached,
  parseIdentityArn,
  parseIdentityArnUncached,
  resourceName,
} from '../../shared/core/arn.js';
import { BoundedMemo } from '../../shared/core/memo.js';

const FIXTURES = join(__dirname, '../fixtures/cloudtrail-public');

/** Every string in the public CloudTrail fixtures (ARNs and everything else a caller might pass). */
function fixtureStrings(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  for (const f of readdirSync(FIXTURES))
    if (f.endsWith('.json')) walk(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')));
  return [...out];
}

describe('BoundedMemo', () => {
  it('computes a key once and returns the stored value after', () => {
    const m = new BoundedMemo<number | null>(4);
    let calls = 0;
    const f = (k: string) => {
      calls += 1;
      return k === 'none' ? null : k.length;
    };
    expect(m.get('abc', f)).toBe(3);
    expect(m.get('abc', f)).toBe(3);
    expect(m.get('none', f)).toBeNull();
    expect(m.get('none', f)).toBeNull();
    expect(calls).toBe(2);
  });

  it('holds at most limit entries, dropping the oldest first', () => {
    const m = new BoundedMemo<string>(3);
    for (const k of ['a', 'b', 'c', 'd']) m.get(k, (x) => x.toUpperCase());
    expect(m.size).toBe(3);
    expect(m.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((k) => m.has(k))).toBe(true);
    // An evicted key is computed again, with the same result.
    expect(m.get('a', (x) => x.toUpperCase())).toBe('A');
    expect(m.has('b')).toBe(false);
    expect(m.size).toBe(3);
  });

  it('never stores keys longer than maxKeyLength', () => {
    const m = new BoundedMemo<number>(8, 5);
    expect(m.get('123456', (k) => k.length)).toBe(6);
    expect(m.has('123456')).toBe(false);
    expect(m.size).toBe(0);
  });

  it('rejects a limit below 1', () => {
    expect(() => new BoundedMemo(0)).toThrow(RangeError);
  });
});

describe('ARN memos', () => {
  beforeEach(() => clearArnMemos());

  it('give the same results as the uncached parsers on every fixture string, cold and warm', () => {
    const strings = fixtureStrings();
    expect(strings.filter((s) => s.startsWith('arn:')).length).toBeGreaterThan(50);
    for (let pass = 0; pass < 2; pass++) {
      for (const s of strings) {
        expect(parseArn(s)).toEqual(parseArnUncached(s));
        expect(parseIdentityArn(s)).toEqual(parseIdentityArnUncached(s));
        expect(identityKeyOf(s)).toEqual(identityKeyOfUncached(s));
      }
    }
    expect(arnMemoSizes().identities).toBeGreaterThan(0);
  });

  it('share frozen results, so one caller cannot change what another reads', () => {
    const arn = 'arn:aws:sts::111122223333:assumed-role/Deploy/alice';
    const first = parseIdentityArn(arn);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(parseArn(arn))).toBe(true);
    expect(Object.isFrozen(identityKeyOf(arn))).toBe(true);
    expect(() => {
      (first as { account: string }).account = '999999999999';
    }).toThrow(TypeError);
    expect(parseIdentityArn(arn)).toMatchObject({
      account: '111122223333',
      role: 'Deploy',
      session: 'alice',
    });
  });

  it('stay bounded, and evicted ARNs still parse the same', () => {
    const n = ARN_MEMO_LIMIT * 2 + 17;
    const arn = (i: number) => `arn:aws:iam::111122223333:role/path/Role${i}`;
    const wrong: number[] = [];
    for (let i = 0; i < n; i++) {
      if (identityKeyOf(arn(i))?.name !== `role${i}` || resourceName(arn(i)) !== `Role${i}`) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    const sizes = arnMemoSizes();
    expect(sizes.parsed).toBeLessThanOrEqual(ARN_MEMO_LIMIT);
    expect(sizes.identities).toBeLessThanOrEqual(ARN_MEMO_LIMIT);
    expect(sizes.keys).toBeLessThanOrEqual(ARN_MEMO_LIMIT);
    expect(sizes.keys).toBe(ARN_MEMO_LIMIT);
    // The first ones were evicted; they parse again to the same value.
    expect(parseIdentityArn(arn(0))).toEqual(parseIdentityArnUncached(arn(0)));
  });

  it('do not store an overlong ARN (attacker-sized text is parsed, not kept)', () => {
    const long = `arn:aws:iam::111122223333:role/${'x'.repeat(5000)}`;
    expect(parseIdentityArn(long)).toEqual(parseIdentityArnUncached(long));
    expect(arnMemoSizes()).toEqual({ parsed: 0, identities: 0, keys: 0 });
  });

  it('resourceName keeps its meaning: the last path segment, null when empty', () => {
    expect(resourceName('arn:aws:iam::111122223333:role/a/b/Name')).toBe('Name');
    expect(resourceName('arn:aws:iam::111122223333:root')).toBe('root');
    expect(resourceName('arn:aws:iam::111122223333:role/a/')).toBeNull();
    expect(resourceName('arn:aws:s3:::bucket:with:colons/key')).toBe('key');
    expect(resourceName('not-an-arn')).toBeNull();
  });
});
