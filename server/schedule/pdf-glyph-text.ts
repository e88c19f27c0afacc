import type { ShapedRun } from './pdf-shaping.ts';
import { glyphAdvance, shape } from './pdf-shaping.ts';

/**
 * Draws a run shaped by HarfBuzz (pdf-shaping.ts) in one of PDFKit's embedded fonts, so that the
 * text a reader copies or a search finds is the people's text in logical order (issue 14).
 *
 * A PDF gives text back glyph by glyph through the font's ToUnicode map, in drawing order. PDFKit
 * writes one map entry per glyph, the code points fontkit gave that glyph first, which breaks
 * whenever a glyph does not stand for its own characters in order: a Devanagari vowel sign drawn
 * before its consonant (प्रिया read back "िप्रया"), a lam-alef ligature read back "ال" once a viewer
 * turns the right-to-left run round, Thai SARA AM split into two glyphs. So each glyph here maps
 * to the text of its cluster: the first glyph drawn of a cluster carries the whole cluster's text
 * (reversed in a right-to-left run, which viewers turn round), the others nothing (see `NOTHING`). A glyph that must
 * map to two different texts is put in the subset twice, under two CIDs (the copy costs its outline,
 * a few hundred bytes at most). Helvetica runs never come here: their WinAnsi text is its own map.
 *
 * The glyphs go into PDFKit's font object (its fontkit subset, widths and ToUnicode entries), which
 * PDFKit embeds when the document ends. These are private members of PDFKit 0.20's EmbeddedFont;
 * the pinned version is tested by tests/schedule/run-of-show-text-extraction.test.ts.
 */

/** The members of PDFKit 0.20's EmbeddedFont used here (not in its public types). */
interface EmbeddedFont {
  id: string;
  /** PDF units per font unit × 1000 / unitsPerEm. */
  scale: number;
  subset: { glyphs: number[]; mapping: Record<number, number>; includeGlyph(id: number): number };
  /** By CID: the glyph's width, thousandths of an em (the `W` array). */
  widths: number[];
  /** By CID: the code points the ToUnicode map gives the glyph. */
  unicode: number[][];
  ref(): unknown;
}

interface PdfkitInternals {
  _font: EmbeddedFont;
  page: PDFKit.PDFPage & { fonts: Record<string, unknown> };
  addContent(data: string): unknown;
}

/** CIDs already given out, per font: `glyph id` + NUL + `text` → CID. */
const cids = new WeakMap<EmbeddedFont, Map<string, number>>();

/**
 * The CID for glyph `id` standing for `text`, `width` thousandths of an em wide (its hmtx advance;
 * a helper, see `withHelpers`, is 0 wide).
 */
function cidOf(font: EmbeddedFont, id: number, text: string, width: number): number {
  let byKey = cids.get(font);
  if (!byKey) cids.set(font, byKey = new Map());
  const key = `${id}\u0000${width}\u0000${text}`;
  let cid = byKey.get(key);
  if (cid !== undefined) return cid;
  if (font.subset.mapping[id] === undefined || font.unicode[font.subset.mapping[id]!] === undefined) {
    cid = font.subset.includeGlyph(id);
  } else {
    // The glyph is in the subset already, mapped to another text: a second copy gets its own CID.
    font.subset.glyphs.push(id);
    cid = font.subset.glyphs.length - 1;
  }
  font.widths[cid] = width;
  font.unicode[cid] = [...text].map((c) => c.codePointAt(0)!);
  byKey.set(key, cid);
  return cid;
}

const NONSPACING = /\p{Mn}/u;

/** A glyph to draw with the text its ToUnicode entry gives. */
interface Placed {
  id: number;
  text: string;
  xAdvance: number;
  xOffset: number;
  yOffset: number;
  /** An empty, zero-width glyph that only carries text. */
  helper?: true;
}

/**
 * The glyphs to draw, with helpers where pdf.js would misplace a space: pdf.js gives a glyph whose
 * text holds a nonspacing mark (a virama, "क्ष") no width, so after a space it finds the word's gap
 * behind that glyph and reads "क्ष मा". Such a glyph keeps the marks-free middle of its text, and
 * the marks before and after go to helpers beside it: the font's space glyph at zero width, which
 * draws nothing.
 */
function withHelpers(glyphs: ShapedRun['glyphs'], texts: readonly string[], spaceId: number | undefined): Placed[] {
  const placed: Placed[] = [];
  glyphs.forEach((g, i) => {
    const text = texts[i]!;
    const chars = [...text];
    const first = chars.findIndex((c) => !NONSPACING.test(c));
    if (spaceId === undefined || g.xAdvance <= 0 || !NONSPACING.test(text) || first < 0) {
      placed.push({ ...g, text });
      return;
    }
    let end = first;
    while (end < chars.length && !NONSPACING.test(chars[end]!)) end++;
    const helper = (t: string): Placed => ({ id: spaceId, text: t, xAdvance: 0, xOffset: 0, yOffset: 0, helper: true });
    if (first > 0) placed.push(helper(chars.slice(0, first).join('')));
    placed.push({ ...g, text: chars.slice(first, end).join('') });
    if (end < chars.length) placed.push(helper(chars.slice(end).join('')));
  });
  return placed;
}

/**
 * What a glyph that adds nothing to its cluster's text maps to: WORD JOINER, an invisible format
 * character. NOTE: an empty ToUnicode entry is no help, pdf.js falls back to the glyph's code
 * (U+0002…); it skips a glyph whose text is a format character (Cf) altogether.
 */
const NOTHING = '\u2060';

/**
 * What each glyph of `run` stands for in the ToUnicode map (see the file comment). Glyphs whose
 * clusters (by character) rise in drawing order (fall, right to left) each take their own
 * characters; a stretch where the shaper reordered glyphs (a vowel sign drawn before its consonant,
 * a nikhahit moved before a tone mark) is one group, whose whole text goes to its first glyph.
 */
export function glyphTexts(text: string, run: ShapedRun, rtl: boolean): string[] {
  const glyphs = run.glyphs;
  const forward = (a: number, b: number) => (rtl ? b < a : b > a);
  // Groups of glyphs [from, to) whose clusters are in order between groups.
  const groups: Array<[number, number]> = [];
  for (let i = 0; i < glyphs.length;) {
    let end = i + 1;
    let low = glyphs[i]!.cluster;
    let high = low;
    const extend = () => {
      let grown = false;
      for (let j = end; j < glyphs.length; j++) {
        const c = glyphs[j]!.cluster;
        // A later glyph inside (or behind) this group's characters pulls the glyphs up to it in.
        if (rtl ? c >= low : c <= high) {
          end = j + 1;
          grown = true;
        }
      }
      for (let j = i; j < end; j++) {
        low = Math.min(low, glyphs[j]!.cluster);
        high = Math.max(high, glyphs[j]!.cluster);
      }
      return grown;
    };
    while (extend());
    groups.push([i, end]);
    i = end;
  }
  const starts = [...new Set(glyphs.map((g) => g.cluster))].sort((a, b) => a - b);
  const endOf = (c: number) => starts.find((s) => s > c) ?? text.length;
  const texts: string[] = glyphs.map(() => NOTHING);
  for (const [from, to] of groups) {
    const clusters = glyphs.slice(from, to).map((g) => g.cluster);
    const low = Math.min(...clusters);
    const high = Math.max(...clusters);
    const ordered = clusters.every((c, k) => k === 0 || forward(clusters[k - 1]!, c) || c === clusters[k - 1]);
    if (ordered) {
      for (let k = from; k < to; k++) {
        if (k > from && glyphs[k]!.cluster === glyphs[k - 1]!.cluster) continue;
        const own = text.slice(glyphs[k]!.cluster, endOf(glyphs[k]!.cluster));
        texts[k] = rtl ? [...own].reverse().join('') : own;
      }
    } else {
      // Reordered: the group's text, in logical order, dealt out over its glyphs in drawing order,
      // a character each and the rest to the last (or all to the first when the glyphs outnumber
      // the characters). NOTE: pdf.js counts a glyph whose text holds a nonspacing mark as no
      // width, so a reordered vowel sign carrying all of "प्रि" would hide the gap before the word
      // and pdf.js would put its space after the cluster ("प्रि या"); carrying "प" it does not.
      const chars = [...text.slice(low, endOf(high))];
      const count = to - from;
      const dealt = chars.length >= count
        ? [...chars.slice(0, count - 1), chars.slice(count - 1).join('')]
        : [chars.join(''), ...Array<string>(count - 1).fill(NOTHING)];
      dealt.forEach((piece, k) => { texts[from + k] = rtl && piece !== NOTHING ? [...piece].reverse().join('') : piece; });
    }
  }
  return texts;
}

const num = (n: number): string => String(Math.round(n * 1000) / 1000);

/**
 * Draws `run` (the shaping of `text` with the font in `file`, right to left when `rtl`) with the
 * PDFKit font `fontName` at `size` points, its left edge at `x` and the top of its line at `y`
 * (PDFKit's coordinates: points from the top left), the baseline `-baseline` points below `y`.
 * The font must be an embedded (registered) font, not a standard one.
 */
export function drawShapedRun(pdf: PDFKit.PDFDocument, fontName: string, file: string, text: string, run: ShapedRun, rtl: boolean,
  at: { x: number; y: number; size: number; baseline: number }): void {
  pdf.font(fontName).fontSize(at.size);
  const doc = pdf as unknown as PdfkitInternals;
  const font = doc._font;
  if (doc.page.fonts[font.id] == null) doc.page.fonts[font.id] = font.ref();
  const spaceGlyph = shape(file, ' ', false).glyphs[0];
  const glyphs = withHelpers(run.glyphs, glyphTexts(text, run, rtl), spaceGlyph && spaceGlyph.id !== 0 ? spaceGlyph.id : undefined);
  const perUnit = 1000 / run.unitsPerEm;
  const ops: string[] = [];
  let tj: string[] = [];
  let rise = 0;
  const flush = () => {
    if (tj.length) ops.push(`[${tj.join(' ')}] TJ`);
    tj = [];
  };
  for (const g of glyphs) {
    const cid = cidOf(font, g.id, g.text, g.helper ? 0 : glyphAdvance(file, g.id) * font.scale);
    const glyphRise = (g.yOffset * perUnit * at.size) / 1000;
    if (glyphRise !== rise) {
      flush();
      ops.push(`${num(glyphRise)} Ts`);
      rise = glyphRise;
    }
    const before = g.xOffset * perUnit;
    // TJ numbers move the pen left by thousandths of an em: shift to the glyph's offset, draw it
    // (the pen moves by its width), then land where HarfBuzz's advance puts the next glyph.
    if (before !== 0) tj.push(num(-before));
    tj.push(`<${cid.toString(16).padStart(4, '0')}>`);
    const after = font.widths[cid]! + before - g.xAdvance * perUnit;
    if (Math.abs(after) > 0.0005) tj.push(num(after));
  }
  flush();
  pdf.save();
  pdf.transform(1, 0, 0, -1, 0, pdf.page.height);
  doc.addContent('BT');
  doc.addContent(`1 0 0 1 ${num(at.x)} ${num(pdf.page.height - at.y + at.baseline)} Tm`);
  doc.addContent(`/${font.id} ${num(at.size)} Tf`);
  for (const op of ops) doc.addContent(op);
  if (rise !== 0) doc.addContent('0 Ts');
  doc.addContent('ET');
  pdf.restore();
}
