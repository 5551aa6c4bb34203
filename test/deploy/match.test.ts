import { describe, expect, it } from 'vitest';
import { EventPatternError, matchesPattern, validatePattern } from '../../shared/core/eventbridge/match.js';

const event = {
  source: 'aws.iam',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: {
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateAccessKey',
    readOnly: false,
    errorCode: null,
    sourceIPAddress: '192.0.2.10',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' },
    tags: ['prod', 'Security'],
    count: 5,
  },
};

describe('matchesPattern', () => {
  it.each([
    ['exact string', { source: ['aws.iam'] }, true],
    ['exact string, other value', { source: ['aws.sts'] }, false],
    ['one of several values', { source: ['aws.sts', 'aws.iam'] }, true],
    ['nested exact', { detail: { eventName: ['CreateAccessKey'] } }, true],
    ['nested deeper', { detail: { userIdentity: { type: ['IAMUser'] } } }, true],
    ['nested deeper, mismatch', { detail: { userIdentity: { type: ['Root'] } } }, false],
    ['boolean', { detail: { readOnly: [false] } }, true],
    ['boolean, mismatch', { detail: { readOnly: [true] } }, false],
    ['null matches null', { detail: { errorCode: [null] } }, true],
    ['string is not number', { detail: { count: ['5'] } }, false],
    ['prefix', { detail: { eventName: [{ prefix: 'Create' }] } }, true],
    ['prefix, mismatch', { detail: { eventName: [{ prefix: 'Delete' }] } }, false],
    [
      'prefix ignore case',
      { detail: { eventName: [{ prefix: { 'equals-ignore-case': 'createacc' } }] } },
      true,
    ],
    ['suffix', { detail: { eventName: [{ suffix: 'Key' }] } }, true],
    ['suffix ignore case', { detail: { eventName: [{ suffix: { 'equals-ignore-case': 'KEY' } }] } }, true],
    ['suffix, mismatch', { detail: { eventName: [{ suffix: 'Role' }] } }, false],
    ['equals-ignore-case', { detail: { eventName: [{ 'equals-ignore-case': 'createaccesskey' }] } }, true],
    ['anything-but value', { detail: { eventName: [{ 'anything-but': 'DeleteUser' }] } }, true],
    [
      'anything-but value, excluded',
      { detail: { eventName: [{ 'anything-but': 'CreateAccessKey' }] } },
      false,
    ],
    [
      'anything-but list, excluded',
      { detail: { eventName: [{ 'anything-but': ['A', 'CreateAccessKey'] }] } },
      false,
    ],
    ['anything-but prefix', { detail: { eventName: [{ 'anything-but': { prefix: 'Get' } }] } }, true],
    [
      'anything-but prefix, excluded',
      { detail: { eventName: [{ 'anything-but': { prefix: 'Create' } }] } },
      false,
    ],
    [
      'anything-but suffix, excluded',
      { detail: { eventName: [{ 'anything-but': { suffix: 'Key' } }] } },
      false,
    ],
    [
      'anything-but ignore case, excluded',
      { detail: { eventName: [{ 'anything-but': { 'equals-ignore-case': ['createaccesskey'] } }] } },
      false,
    ],
    ['anything-but on a missing field', { detail: { nothing: [{ 'anything-but': 'x' }] } }, false],
    ['exists true', { detail: { sourceIPAddress: [{ exists: true }] } }, true],
    ['exists true, missing', { detail: { nothing: [{ exists: true }] } }, false],
    ['exists false, missing', { detail: { nothing: [{ exists: false }] } }, true],
    ['exists false, present', { detail: { eventName: [{ exists: false }] } }, false],
    ['exists true on an object node', { detail: { userIdentity: [{ exists: true }] } }, false],
    ['exists false under a missing parent', { nope: { deeper: [{ exists: false }] } }, true],
    ['wildcard', { detail: { userIdentity: { arn: [{ wildcard: 'arn:aws:iam::*:user/*' }] } } }, true],
    [
      'wildcard, mismatch',
      { detail: { userIdentity: { arn: [{ wildcard: 'arn:aws:iam::*:role/*' }] } } },
      false,
    ],
    [
      'wildcard escapes regex characters',
      { detail: { sourceIPAddress: [{ wildcard: '192.0.2.1*' }] } },
      true,
    ],
    ['wildcard, dot is literal', { detail: { sourceIPAddress: [{ wildcard: '192x0*' }] } }, false],
    ['numeric range', { detail: { count: [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['numeric range, out', { detail: { count: [{ numeric: ['>', 5] }] } }, false],
    ['numeric equal', { detail: { count: [{ numeric: ['=', 5] }] } }, true],
    ['numeric on a string', { detail: { eventName: [{ numeric: ['>', 0] }] } }, false],
    ['cidr', { detail: { sourceIPAddress: [{ cidr: '192.0.2.0/24' }] } }, true],
    ['cidr, out', { detail: { sourceIPAddress: [{ cidr: '198.51.100.0/24' }] } }, false],
    ['array in event: any element', { detail: { tags: ['prod'] } }, true],
    ['array in event: none', { detail: { tags: ['dev'] } }, false],
    ['array in event with ignore case', { detail: { tags: [{ 'equals-ignore-case': 'security' }] } }, true],
    ['all fields must match', { source: ['aws.iam'], detail: { eventName: ['DeleteUser'] } }, false],
    [
      '$or: one branch matches',
      { source: ['aws.iam'], $or: [{ detail: { eventName: ['Nope'] } }, { detail: { readOnly: [false] } }] },
      true,
    ],
    [
      '$or: no branch matches',
      { $or: [{ detail: { eventName: ['Nope'] } }, { source: ['aws.sts'] }] },
      false,
    ],
    [
      '$or nested inside detail',
      {
        detail: {
          $or: [
            { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging'] },
            { eventSource: ['iam.amazonaws.com'], eventName: ['CreateAccessKey'] },
          ],
        },
      },
      true,
    ],
  ] as const)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern as Record<string, unknown>, event)).toBe(expected);
  });

  it('ipv6 cidr', () => {
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:0:1::5' })).toBe(true);
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::5' })).toBe(false);
  });

  it('a wildcard escaped star is literal', () => {
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axxb' })).toBe(false);
  });
});

describe('validatePattern', () => {
  it.each([
    ['a scalar leaf', { source: 'aws.iam' }, 'source'],
    ['an empty list', { detail: { eventName: [] } }, 'detail.eventName'],
    ['an unknown operator', { source: [{ startsWith: 'aws' }] }, 'source[0]'],
    ['a bad numeric', { n: [{ numeric: ['>>', 1] }] }, 'n[0]'],
    ['a single $or branch', { $or: [{ a: ['b'] }] }, '$or'],
    ['a bad cidr', { ip: [{ cidr: '10.0.0.0/33' }] }, 'ip[0]'],
  ])('rejects %s, naming where', (_name, pattern, path) => {
    expect(() => validatePattern(pattern)).toThrow(EventPatternError);
    try {
      validatePattern(pattern);
    } catch (e) {
      expect((e as EventPatternError).path).toBe(path);
    }
  });

  it('accepts every operator it can match', () => {
    expect(() =>
      validatePattern({
        a: ['x', 1, true, null, { prefix: 'p' }, { suffix: { 'equals-ignore-case': 's' } }],
        b: [{ 'anything-but': { prefix: 'x' } }, { exists: false }, { wildcard: '*' }, { numeric: ['<', 3] }],
        $or: [{ c: ['1'] }, { d: [{ cidr: '10.0.0.0/8' }] }],
      }),
    ).not.toThrow();
  });
});
