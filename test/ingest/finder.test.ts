import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Finder } from '../../shared/adapters/cloudtrail-files/finder.js';

describe('Finder', () => {
  it('finds exactly what String#indexOf finds (property)', () => {
    const alphabet = fc.constantFrom('"', ':', 'a', 'N', 'e', 'R', '{', '}', 'x');
    const str = (max: number) => fc.array(alphabet, { maxLength: max }).map((a) => a.join(''));
    fc.assert(
      fc.property(str(60), str(5), fc.nat(70), (text, pattern, from) => {
        if (pattern.length === 0) return;
        const f = new Finder(pattern);
        expect(f.next(text, from)).toBe(text.indexOf(pattern, from));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the keys and needles the S3 split searches for', () => {
    const text = '{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventName":"GetRole"}]}';
    for (const p of ['"eventVersion":', '"eventName":"', '"Root"', 'break-glass']) {
      expect(new Finder(p).next(text, 0)).toBe(text.indexOf(p));
    }
  });
});
