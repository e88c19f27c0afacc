import bidiJs, { type EmbeddingLevels } from 'bidi-js';
import { RTL_FAMILIES, type Family, type ScriptCluster } from './pdf-script-runs.ts';
import { lookupTable } from '../../schema/own-keys.ts';

/**
 * The visual order of a line that mixes right-to-left and left-to-right text, for the run-of-show
 * PDF (issue 14): "טקס 14:30 at The Orangery" prints as "at The Orangery 14:30 טקס" with the
 * Hebrew at the right, as the Unicode Bidirectional Algorithm (UAX #9) orders it. The algorithm is
 * bidi-js's (levels per paragraph, rules L1–L2 per line, mirroring); this file only maps its answer
 * onto the clusters and fonts of pdf-script-runs.ts. Pure: no fonts, no PDF.
 *
 * A Hebrew or Arabic piece is handed to the shaper (pdf-shaping.ts) in logical order, to be shaped
 * right to left; every piece is contiguous in the text as well as on the line, so the layout can
 * draw the pieces in logical order at their visual places and a reader copying the line gets the
 * text back as it was written (pdf-bidi-layout.ts).
 */

// NOTE: bidi-js is CommonJS (`module.exports = bidiFactory`), but its types declare an ES default
// export, which NodeNext resolution takes for `module.exports.default`.
const bidiFactory = bidiJs as unknown as typeof bidiJs.default;
const bidi = bidiFactory();

/** A paragraph's embedding levels, by UTF-16 code unit of its text. */
export interface BidiParagraph {
  text: string;
  /** bidi-js's answer for `proxy` (the text with astral characters stood in for, see below). */
  levels: EmbeddingLevels;
  proxy: string;
  /** Whether any character sits at a right-to-left level: if none, logical order is visual order. */
  mixed: boolean;
}

/**
 * One piece of a line to draw, in one family and one direction. A line's pieces come left to right;
 * each is also contiguous in the text, so drawing them in the order of `start` puts the text in the
 * PDF in logical order (what a reader copying it gets back).
 */
export interface VisualRun {
  family: Family;
  /** The piece's text in logical order: what it stands for when copied. */
  text: string;
  /** What to shape or draw: `text`, or for a neutral on a right-to-left level its mirrored form ("(" drawn as ")"). */
  shaped: string;
  /** Whether `shaped` is shaped right to left (glyphs then come out in visual order). */
  rtl: boolean;
  /** Offset of the piece in the paragraph's text, UTF-16 code units. */
  start: number;
}

/** A character standing in for each bidi class, in the Basic Multilingual Plane. */
const STAND_IN = lookupTable<string>({
  L: 'a', R: '\u05d0', AL: '\u0627', EN: '0', ES: '+', ET: '#', AN: '\u0660', CS: ',', B: '\u2029', S: '\t',
  WS: ' ', ON: '!', BN: '\u200b', NSM: '\u0300', LRO: '\u202d', RLO: '\u202e', LRE: '\u202a', RLE: '\u202b',
  PDF: '\u202c', LRI: '\u2066', RLI: '\u2067', FSI: '\u2068', PDI: '\u2069',
});

/**
 * The text bidi-js is given: each character beyond U+FFFF becomes two characters of its own bidi
 * class. NOTE: bidi-js reads a string by UTF-16 code units and takes each half of a surrogate pair
 * for a strong left-to-right letter, so "🎂 טקס" would run left to right and an emoji would cut a
 * Hebrew phrase in two (lojjic/bidi-js issue 9); its lookup by code point (getBidiCharTypeName) is
 * right, so the stand-ins carry the real class at unchanged offsets.
 */
function proxyOf(text: string): string {
  let proxy = '';
  for (const char of text) {
    proxy += char.length === 1 ? char : (STAND_IN[bidi.getBidiCharTypeName(char)] ?? 'a').repeat(char.length);
  }
  return proxy;
}

/**
 * The levels of a text (one paragraph, or several split at line breaks), each paragraph's direction
 * taken from its first strong character (UAX #9 P2–P3).
 */
export function bidiParagraph(text: string): BidiParagraph {
  const proxy = proxyOf(text);
  const levels = bidi.getEmbeddingLevels(proxy, 'auto');
  return { text, levels, proxy, mixed: levels.levels.some((l) => l % 2 === 1) };
}

/** Whether the paragraph holding code unit `offset` runs right to left (its first strong letter is Hebrew, Arabic…). */
export function rtlAt(paragraph: BidiParagraph, offset: number): boolean {
  const p = paragraph.levels.paragraphs.find((q) => offset >= q.start && offset <= q.end);
  return (p?.level ?? 0) % 2 === 1;
}

const STRONG_RTL = new Set(['R', 'AL']);

/** Whether `text` has a right-to-left letter (Hebrew, Arabic…): a field worth isolating. */
export function hasRtl(text: string): boolean {
  for (const char of text) if (STRONG_RTL.has(bidi.getBidiCharTypeName(char))) return true;
  return false;
}

/**
 * `text` as a directional isolate (FSI … PDI, UAX #9 X5c) when it has a right-to-left letter, so a
 * field after a label ("Where: ", "Notes: ") takes its own direction from its first strong
 * character and does not mix with the label; otherwise `text` unchanged, so Latin stays in
 * Windows-1252 and Helvetica.
 */
export function isolate(text: string): string {
  return hasRtl(text) ? `\u2068${text}\u2069` : text;
}

function mirrored(text: string): string {
  return [...text].map((c) => bidi.getMirroredCharacter(c) ?? c).join('');
}

/**
 * The pieces to draw, left to right, for the line made of `clusters[from]` to `clusters[to - 1]` (a
 * contiguous slice of the paragraph's clusters, in logical order): bidi-js's visual order of the
 * line's code units, taken cluster by cluster so that a letter with its marks or an emoji sequence
 * stays whole, then grouped into pieces of one family that are contiguous both on the line and in
 * the text. A Hebrew or Arabic piece on a right-to-left level is shaped right to left whole; any
 * other cluster on a right-to-left level is a piece of its own, mirrored where UAX #9 mirrors it,
 * and a mirrored Helvetica character moves to Noto Sans, whose ToUnicode map can say that the ")"
 * drawn stands for "(". A line ending in spaces should be passed without them.
 */
export function visualRuns(paragraph: BidiParagraph, clusters: readonly ScriptCluster[], from: number, to: number): VisualRun[] {
  if (from >= to) return [];
  const first = clusters[from]!;
  const last = clusters[to - 1]!;
  const start = first.start;
  const end = last.start + last.text.length - 1;
  const clusterAt = new Map<number, number>();
  for (let c = from; c < to; c++) for (let u = 0; u < clusters[c]!.text.length; u++) clusterAt.set(clusters[c]!.start + u, c);
  const order: number[] = [];
  const seen = new Set<number>();
  for (const unit of bidi.getReorderedIndices(paragraph.proxy, paragraph.levels, start, end).slice(start, end + 1)) {
    const c = clusterAt.get(unit)!;
    if (!seen.has(c)) {
      seen.add(c);
      order.push(c);
    }
  }
  const odd = (c: number) => paragraph.levels.levels[clusters[c]!.start]! % 2 === 1;
  const familyOf = (c: number): Family => {
    const { family, shown } = clusters[c]!;
    return family === 'helvetica' && odd(c) && mirrored(shown) !== shown ? 'noto-sans' : family;
  };

  const groups: number[][] = [];
  for (const c of order) {
    const group = groups.at(-1);
    const prev = group?.at(-1);
    const family = familyOf(c);
    const joins = prev !== undefined && familyOf(prev) === family && odd(prev) === odd(c)
      && (odd(c) ? RTL_FAMILIES.has(family) && c === prev - 1 : c === prev + 1);
    if (joins) group!.push(c);
    else groups.push([c]);
  }
  const runs: VisualRun[] = [];
  for (const group of groups) {
    const logical = odd(group[0]!) ? [...group].reverse() : group;
    const text = logical.map((c) => clusters[c]!.shown).join('');
    if (text === '') continue;
    const rtl = odd(group[0]!);
    const family = familyOf(group[0]!);
    const whole = RTL_FAMILIES.has(family) && rtl;
    runs.push({ family, text, shaped: rtl && !whole ? mirrored(text) : text, rtl: whole, start: clusters[logical[0]!]!.start });
  }
  return runs;
}
