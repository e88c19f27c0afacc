/**
 * Text as Unicode text, never as UTF-16 code units.
 *
 * JavaScript strings are UTF-16: `.length`, `.slice` and index loops count code units, so a naive
 * cut or diff can split a surrogate pair (`😀` is two units) or a grapheme (`👩‍👩‍👧`, `é` written as
 * `e` + U+0301, a flag). A half pair is not text: Yjs replaces it with U+FFFD on the other peers,
 * JSON and UTF-8 encoders write `\uFFFD` or refuse it. Every edit, clip, diff and fold in WedSync
 * goes through the functions here, which cut only at extended grapheme cluster boundaries
 * (UAX #29, `Intl.Segmenter`) and write only well-formed text.
 *
 * Limits come in three units; each caller says which one its limit is in:
 * - `utf16`: UTF-16 code units, what `String.prototype.length`, zod's `.max()` and the HTML
 *   `maxlength` attribute count. Our schema limits (entities.ts) are in this unit. It is also the
 *   safe choice for a provider whose limit is in "characters" (Stripe, PayPal, Square, Slack,
 *   Twilio): a text within N UTF-16 units has at most N code points and at most N graphemes.
 * - `codePoints`: Unicode scalar values (what Python or PostgreSQL count as characters).
 * - `utf8`: octets of the UTF-8 encoding, e.g. RFC 5545 §3.1 content lines (75 octets).
 */

export const TEXT_UNITS = ['utf16', 'codePoints', 'utf8'] as const;
export type TextUnit = (typeof TEXT_UNITS)[number];

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// Lone surrogates: with the `u` flag a well-formed pair is one code point, so only halves match.
const LONE_SURROGATE = /\p{Cs}/gu;

/** `text` with every lone surrogate replaced by U+FFFD (as `String.prototype.toWellFormed`, ES2024). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** True when `text` holds no lone surrogate, i.e. it can be encoded as UTF-8. */
export function isWellFormed(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(text);
}

/**
 * A JSON-like value with every string (keys included) made well-formed; other values unchanged.
 * For text written out (exports, payloads) that may hold strings written before this was enforced.
 */
export function wellFormedDeep<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (Array.isArray(value)) return value.map((v) => wellFormedDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormedDeep(v)])) as T;
  }
  return value;
}

/** The graphemes (user-perceived characters, UAX #29) of `text`, in order. */
export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

/** The length of `text` in `unit`. */
export function textLength(text: string, unit: TextUnit): number {
  switch (unit) {
    case 'utf16': return text.length;
    case 'codePoints': {
      let n = 0;
      for (const _ of text) n++;
      return n;
    }
    case 'utf8': return utf8Length(text);
    default: {
      const never: never = unit;
      throw new TypeError(`unknown text unit ${String(never)}`);
    }
  }
}

/** Octets of `text` in UTF-8 (a lone surrogate counts as U+FFFD, 3 octets, as encoders write it). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * The longest prefix of `text` made of whole graphemes that is at most `max` long in `unit`,
 * made well-formed. A single grapheme longer than `max` on its own is dropped, never cut.
 * `text` within the limit is returned whole (made well-formed).
 * @throws RangeError when `max` is negative or not an integer.
 */
export function clipText(text: string, max: number, unit: TextUnit = 'utf16'): string {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`clip limit must be a non-negative integer, got ${max}`);
  const clean = wellFormed(text);
  // Cheap exit: a UTF-16 length within `max` bounds the code points too, and 3 × it the UTF-8 octets.
  if (unit === 'utf8' ? clean.length * 3 <= max : clean.length <= max) return clean;
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemeSegmenter.segment(clean)) {
    const size = textLength(segment, unit);
    if (used + size > max) return clean.slice(0, index);
    used += size;
    end = index + segment.length;
  }
  return clean.slice(0, end);
}

/**
 * Like `clipText`, but a text that had to be shortened ends with `ellipsis`, the whole within
 * `max`. When even the ellipsis does not fit, the clipped text is returned without it.
 * @default ellipsis '…' (U+2026: one UTF-16 unit, 3 UTF-8 octets)
 */
export function clipWithEllipsis(text: string, max: number, unit: TextUnit = 'utf16', ellipsis = '…'): string {
  const whole = clipText(text, max, unit);
  if (whole.length === wellFormed(text).length) return whole;
  const room = max - textLength(ellipsis, unit);
  return room < 0 ? whole : `${clipText(whole, room, unit)}${ellipsis}`;
}

/** One replacement that turns one text into another: delete `remove` units at `index`, insert `insert` there. */
export interface TextEdit {
  /** Offset in UTF-16 code units (what Y.Text and textareas index by); always a grapheme boundary. */
  index: number;
  /** UTF-16 code units to delete from `index`; they end at a grapheme boundary. */
  remove: number;
  /** Whole graphemes to insert at `index`. */
  insert: string;
}

/** The grapheme boundary at or before `i` in `s` (0 and `s.length` are boundaries). */
function boundaryAtOrBefore(s: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= s.length) return s.length;
  return graphemeSegmenter.segment(s).containing(i)!.index;
}

/** The grapheme boundary at or after `i` in `s`. */
function boundaryAtOrAfter(s: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= s.length) return s.length;
  const seg = graphemeSegmenter.segment(s).containing(i)!;
  return seg.index === i ? i : seg.index + seg.segment.length;
}

/**
 * The smallest single replacement, on grapheme boundaries of both texts, that turns `prev` into
 * `next`; null when they are equal. The common prefix and suffix are kept, so a concurrent edit
 * elsewhere in the text survives a merge, and no edit ever touches half a surrogate pair or half a
 * grapheme (replacing `😀` by `😃` replaces the whole emoji, not its low surrogate).
 * Cost: linear in the lengths for the common parts, plus a few grapheme look-ups.
 */
export function textEdit(prev: string, next: string): TextEdit | null {
  if (prev === next) return null;
  const shorter = Math.min(prev.length, next.length);
  let start = 0;
  while (start < shorter && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
  // Back off to a position that is a boundary in both texts (boundaries depend on context, so repeat).
  for (;;) {
    const b = Math.min(boundaryAtOrBefore(prev, start), boundaryAtOrBefore(next, start));
    if (b === start) break;
    start = b;
  }
  let suffix = 0;
  const maxSuffix = shorter - start;
  while (suffix < maxSuffix && prev.charCodeAt(prev.length - 1 - suffix) === next.charCodeAt(next.length - 1 - suffix)) suffix++;
  for (;;) {
    const endPrev = boundaryAtOrAfter(prev, prev.length - suffix);
    const endNext = boundaryAtOrAfter(next, next.length - suffix);
    const s = Math.min(prev.length - endPrev, next.length - endNext);
    if (s === suffix) break;
    suffix = s;
  }
  return { index: start, remove: prev.length - suffix - start, insert: next.slice(start, next.length - suffix) };
}

/**
 * Splits one content line into chunks of at most `maxOctets` UTF-8 octets, cutting only between
 * graphemes (or, for a single grapheme longer than a chunk, between code points), never inside a
 * UTF-8 sequence or a surrogate pair. Joining the chunks gives back the (well-formed) line.
 * RFC 5545 §3.1 folding uses this with 75 octets for the first line and 74 after the leading space.
 * @throws RangeError when `maxOctets` < 4 (a code point may need 4 octets).
 */
export function splitByOctets(line: string, firstMaxOctets: number, restMaxOctets = firstMaxOctets): string[] {
  if (firstMaxOctets < 4 || restMaxOctets < 4) throw new RangeError('a chunk must hold at least 4 octets');
  const clean = wellFormed(line);
  const chunks: string[] = [];
  let current = '';
  let used = 0;
  const limit = () => (chunks.length === 0 ? firstMaxOctets : restMaxOctets);
  const push = (piece: string, size: number) => {
    if (used + size > limit() && current !== '') {
      chunks.push(current);
      current = '';
      used = 0;
    }
    current += piece;
    used += size;
  };
  for (const { segment } of graphemeSegmenter.segment(clean)) {
    const size = utf8Length(segment);
    if (size <= restMaxOctets && size <= firstMaxOctets) push(segment, size);
    else for (const cp of segment) push(cp, utf8Length(cp));
  }
  if (current !== '' || chunks.length === 0) chunks.push(current);
  return chunks;
}
