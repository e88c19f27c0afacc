import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clipText, clipWithEllipsis, graphemes, isWellFormed, splitByOctets, textEdit, textLength, utf8Length, wellFormed, wellFormedDeep,
  type TextUnit,
} from '../../schema/index.ts';
import { graphemeBoundaries, unicodeText, utf16Units } from '../helpers/unicode.ts';

const anyText = unicodeText();
const UNITS: TextUnit[] = ['utf16', 'codePoints', 'utf8'];
const boundaries = graphemeBoundaries;

describe('text edits (diff)', () => {
  it('replaces the whole emoji when two emoji share their high surrogate (Bring 😀 → Bring 😃)', () => {
    expect(textEdit('Bring 😀', 'Bring 😃')).toEqual({ index: 6, remove: 2, insert: '😃' });
  });

  it('treats a skin tone, a combining accent and a flag as part of their grapheme', () => {
    expect(textEdit('👍 ok', '👍🏽 ok')).toEqual({ index: 0, remove: 2, insert: '👍🏽' });
    expect(textEdit('cafe\u0301', 'cafe\u0302')).toEqual({ index: 3, remove: 2, insert: 'e\u0302' });
    expect(textEdit('🇫🇷🇩🇪', '🇫🇷🇫🇷')).toEqual({ index: 4, remove: 4, insert: '🇫🇷' });
    expect(textEdit('same', 'same')).toBeNull();
  });

  it('turns any text into any other on grapheme boundaries of both, keeping the common ends', () => {
    fc.assert(fc.property(anyText, anyText, anyText, (prefix, a, b) => {
      const prev = `${prefix}${a}!`;
      const next = `${prefix}${b}!`;
      const edit = textEdit(prev, next);
      if (prev === next) { expect(edit).toBeNull(); return; }
      expect(edit).not.toBeNull();
      const { index, remove, insert } = edit!;
      expect(prev.slice(0, index) + insert + prev.slice(index + remove)).toBe(next);
      expect(boundaries(prev).has(index) && boundaries(next).has(index)).toBe(true);
      expect(boundaries(prev).has(index + remove)).toBe(true);
      expect(boundaries(next).has(index + insert.length)).toBe(true);
      expect(isWellFormed(insert)).toBe(true);
      expect(prev.length - remove).toBeGreaterThanOrEqual(1); // the shared "!" is kept, in the prefix or the suffix
    }), { numRuns: 500 });
  });
});

describe('clipping to a limit', () => {
  it('never cuts a grapheme, whatever the unit', () => {
    expect(clipText('ab😀c', 3)).toBe('ab');
    expect(clipText('ab😀c', 4)).toBe('ab😀');
    expect(clipText('ab😀c', 3, 'codePoints')).toBe('ab😀');
    expect(clipText('é😀', 5, 'utf8')).toBe('é');
    expect(clipText('👩‍👩‍👧‍👦x', 10)).toBe('');
    expect(clipText('cafe\u0301', 4)).toBe('caf');
  });

  it('keeps a text within the limit whole and makes it well-formed', () => {
    expect(clipText('Bring 😀', 8)).toBe('Bring 😀');
    expect(clipText('a\uD83Db', 10)).toBe('a\uFFFDb');
  });

  it('gives the longest whole-grapheme prefix within the limit, in every unit', () => {
    fc.assert(fc.property(anyText, fc.integer({ min: 0, max: 60 }), fc.constantFrom(...UNITS), (text, max, unit) => {
      const out = clipText(text, max, unit);
      const gs = graphemes(text);
      expect(textLength(out, unit)).toBeLessThanOrEqual(max);
      expect(text.startsWith(out)).toBe(true);
      expect(boundaries(text).has(out.length)).toBe(true);
      // Longest: the next grapheme would not have fitted.
      const taken = graphemes(out).length;
      if (taken < gs.length) expect(textLength(out + gs[taken]!, unit)).toBeGreaterThan(max);
    }), { numRuns: 500 });
  });

  it('ends a shortened text with an ellipsis within the limit', () => {
    expect(clipWithEllipsis('Bring 😀😀', 8)).toBe('Bring …');
    expect(clipWithEllipsis('short', 8)).toBe('short');
    fc.assert(fc.property(anyText, fc.integer({ min: 1, max: 60 }), (text, max) => {
      const out = clipWithEllipsis(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(isWellFormed(out)).toBe(true);
      if (text.length > max) expect(out.endsWith('…')).toBe(true);
    }));
  });

  it('refuses a negative limit', () => {
    expect(() => clipText('x', -1)).toThrow(RangeError);
  });
});

describe('well-formed text', () => {
  it('replaces lone surrogates, keeps pairs', () => {
    expect(wellFormed('\uD83D\uDE00 \uDE03 \uD83D')).toBe('😀 \uFFFD \uFFFD');
    fc.assert(fc.property(utf16Units(), (s) => {
      const w = wellFormed(s);
      expect(isWellFormed(w)).toBe(true);
      expect(w.length).toBe(s.length);
      expect(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new TextEncoder().encode(w))).toBe(w);
      if (isWellFormed(s)) expect(w).toBe(s);
    }));
  });

  it('cleans every string of a JSON value, keys included', () => {
    expect(wellFormedDeep({ a: ['x\uD800', { '\uDC00k': 1, n: null, b: true }] })).toEqual({ a: ['x\uFFFD', { '\uFFFDk': 1, n: null, b: true }] });
  });

  it('counts UTF-8 octets as the encoder writes them', () => {
    fc.assert(fc.property(utf16Units(), (s) => {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }));
  });
});

describe('splitting by octets', () => {
  it('cuts between characters only and gives the line back when joined', () => {
    fc.assert(fc.property(anyText, anyText, fc.integer({ min: 4, max: 80 }), (a, b, first) => {
      const line = `${a}${b}`;
      const chunks = splitByOctets(line, first, Math.max(4, first - 1));
      expect(chunks.join('')).toBe(line);
      chunks.forEach((c, i) => {
        expect(utf8Length(c)).toBeLessThanOrEqual(i === 0 ? first : Math.max(4, first - 1));
        expect(isWellFormed(c)).toBe(true);
      });
    }), { numRuns: 500 });
  });
});
