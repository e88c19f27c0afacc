import fc from 'fast-check';
import { graphemes } from '../../schema/index.ts';

/** Text people write: whole graphemes (emoji with modifiers and ZWJ, flags, combining marks, CJK). */
export const humanText = (maxLength = 40) => fc.string({ unit: 'grapheme', maxLength });
/** Any code points, astral ones included. */
export const fullUnicode = (maxLength = 40) => fc.string({ unit: 'binary', maxLength });
/** Raw UTF-16 units: lone surrogates included. */
export const utf16Units = (maxLength = 40) => fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
/** The hard cases: emoji sharing a high surrogate, modifiers, ZWJ sequences, flags, combining marks, CJK. */
export const HARD_GRAPHEMES = ['😀', '😃', '👍🏽', '👩‍👩‍👧‍👦', '🇫🇷', '🇩🇪', 'e\u0301', '婚礼', 'é', '💍', '💐', 'a', ' ', 'ก้', '🏳️‍🌈', '\uFEFF'] as const;
/** Text built from the hard cases, so two texts often share surrogates and combining marks. */
export const trickyText = (maxLength = 12) => fc.array(fc.constantFrom(...HARD_GRAPHEMES), { maxLength }).map((a) => a.join(''));
/** Any of the above except lone surrogates: what a person or a well-behaved system may send. */
export const unicodeText = (maxLength = 40) => fc.oneof(humanText(maxLength), fullUnicode(maxLength), trickyText(Math.ceil(maxLength / 3)));

/** Offsets (UTF-16 units) of the grapheme boundaries of `s`, 0 and `s.length` included. */
export function graphemeBoundaries(s: string): Set<number> {
  const out = new Set<number>([0]);
  let i = 0;
  for (const g of graphemes(s)) { i += g.length; out.add(i); }
  return out;
}
