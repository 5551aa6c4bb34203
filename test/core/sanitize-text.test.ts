/**
 * sanitizeText returns text that needs no change as it is (every alert's runbook values pass through it):
 * the same result as the character-by-character transform, whatever the text and the cap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeText } from '../../shared/core/alert/escape.js';

/** The plain transform one character at a time, as escape.ts does it for text that needs a change. */
function reference(input: string, max: number): string {
  const upTo = (cap: number) => {
    let out = '';
    let i = 0;
    while (i < input.length) {
      const code = input.charCodeAt(i);
      const unit =
        code >= 0xd800 && code <= 0xdbff && i + 1 < input.length ? input.slice(i, i + 2) : input[i]!;
      const dropped =
        code < 0x20 ||
        (code >= 0x7f && code <= 0x9f) ||
        code === 0x200e ||
        code === 0x200f ||
        (code >= 0x202a && code <= 0x202e) ||
        (code >= 0x2066 && code <= 0x2069);
      const isBreak = code === 0x09 || code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
      const piece = isBreak ? (out.endsWith(' ') ? '' : ' ') : dropped ? '' : unit;
      if (out.length + piece.length > cap) break;
      out += piece;
      i += unit.length;
    }
    return { out, complete: i >= input.length };
  };
  const whole = upTo(max);
  if (whole.complete) return whole.out;
  const note = `… (${input.length} chars)`;
  return upTo(Math.max(0, max - note.length)).out + note;
}

describe('sanitizeText', () => {
  it('returns text with nothing to change as it is, and the same as the slow path otherwise', () => {
    for (const s of [
      'arn:aws:iam::111122223333:role/deploy',
      'repo:org/app:ref:refs/heads/main',
      '',
      '😀x',
    ]) {
      expect(sanitizeText(s, { max: 2048 })).toBe(s);
    }
    expect(sanitizeText('a\nb\u202ec', { max: 2048 })).toBe('a bc');
    expect(sanitizeText('x'.repeat(40), { max: 30 })).toBe(reference('x'.repeat(40), 30));
  });

  it('agrees with the character-by-character transform on any text and cap', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ maxLength: 60 }),
      fc.string({
        unit: fc.constantFrom('a', ' ', '\n', '\t', '\u0000', '\u202e', '\ud83d', '\ude00', 'é'),
        maxLength: 60,
      }),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 80 }), (s, max) => {
        expect(sanitizeText(s, { max })).toBe(reference(s, max));
      }),
      { numRuns: 2000 },
    );
  });
});
