import { drawShapedRun } from './pdf-glyph-text.ts';
import { rtlAt, visualRuns, type BidiParagraph } from './pdf-bidi.ts';
import { shape } from './pdf-shaping.ts';
import { RTL_FAMILIES, type Family, type ScriptCluster } from './pdf-script-runs.ts';

/**
 * Sets a paragraph that needs an embedded face (any text beyond Windows-1252: issue 14). UAX #9
 * reorders each line after the text is broken into lines, and PDFKit's line wrapper knows neither
 * visual order nor HarfBuzz's shaping, so this file breaks the lines itself, shapes each piece
 * (pdf-shaping.ts) and draws the pieces where bidi-js's order puts them (pdf-bidi.ts); a paragraph
 * with no right-to-left letter is one left-to-right level, so its line is its text in order.
 * Paragraphs in Windows-1252 alone never come here (pdf-fonts.ts `writeText` hands them to PDFKit).
 *
 * The pieces of a line are drawn in logical order, each at its place on the line, so that a viewer
 * reading the page's text (pdf.js, Acrobat's copy) gets "טקס 14:30 at The Orangery" back, not the
 * visual "at The Orangery 14:30 טקס".
 *
 * Lines break at spaces and line breaks; a word wider than the line breaks between graphemes. A
 * right-to-left paragraph (first strong letter Hebrew or Arabic) is aligned right within `width`,
 * as `text-align: start` would; every line is as high as the tallest font on it.
 */
export interface BidiPlacement {
  /** Font size, points. */
  size: number;
  /** Left edge and top, points; the current position when left out. */
  x?: number;
  y?: number;
  /** Line width, points; to the right margin when left out. */
  width?: number;
  /** PDFKit's `baseline` option (points above the top of the line, negative). */
  baseline: number;
}

/** A run of clusters that breaks only after its last one: a word with the spaces after it. */
interface Word {
  from: number;
  /** End of the word's own clusters (its trailing spaces start here). */
  body: number;
  to: number;
}

const BREAKING_SPACE = /^[\t \u1680\u2000-\u2006\u2008-\u200a\u205f\u3000]+$/u;
const HARD_BREAK = /^(\r\n|[\n\r\u0085\u2028\u2029])$/u;

/** A face registered on the document: its PDFKit name, and its font file unless it is a standard font. */
export interface PlacedFace {
  name: string;
  file?: string;
}

/**
 * Draws `paragraph` (its clusters from pdf-script-runs.ts `scriptClusters`) and leaves `pdf.x` at
 * its left edge and `pdf.y` under its last line, adding pages as the lines need them.
 * @param registerFace registers a family's face (in the paragraph's style) and gives its name and file.
 */
export function writeBidiParagraph(pdf: PDFKit.PDFDocument, paragraph: BidiParagraph, clusters: readonly ScriptCluster[],
  at: BidiPlacement, registerFace: (family: Family) => PlacedFace): void {
  const faces = new Map<Family, PlacedFace>();
  const face = (family: Family): PlacedFace => {
    let placed = faces.get(family);
    if (placed === undefined) faces.set(family, placed = registerFace(family));
    return placed;
  };
  /** Width of a piece, points: HarfBuzz's advances for an embedded face, PDFKit's for a standard one. */
  const widthOfRun = (family: Family, text: string, rtl: boolean): number => {
    const { name, file } = face(family);
    if (file === undefined) return pdf.font(name).fontSize(at.size).widthOfString(text);
    const run = shape(file, text, rtl);
    return (run.advance * at.size) / run.unitsPerEm;
  };
  pdf.fontSize(at.size);
  const left = at.x ?? pdf.x;
  let y = at.y ?? pdf.y;
  const width = Math.max(at.width ?? pdf.page.width - left - pdf.page.margins.right, 0);
  const widthOf = (from: number, to: number): number => {
    let sum = 0;
    for (let i = from; i < to;) {
      const family = clusters[i]!.family;
      let text = '';
      for (; i < to && clusters[i]!.family === family; i++) text += clusters[i]!.shown;
      sum += widthOfRun(family, text, RTL_FAMILIES.has(family));
    }
    return sum;
  };

  for (const [from, to] of lines(clusters, width, widthOf)) {
    let end = to;
    while (end > from && BREAKING_SPACE.test(clusters[end - 1]!.text)) end--;
    const runs = visualRuns(paragraph, clusters, from, end).map((run) => {
      const placed = face(run.family);
      pdf.font(placed.name).fontSize(at.size);
      return { ...run, ...placed, width: widthOfRun(run.family, run.shaped, run.rtl), height: pdf.currentLineHeight(true) };
    });
    const height = runs.length > 0 ? Math.max(...runs.map((r) => r.height)) : pdf.fontSize(at.size).currentLineHeight(true);
    if (y + height > pdf.page.maxY() && y > pdf.page.margins.top) {
      pdf.addPage();
      y = pdf.page.margins.top;
    }
    const lineWidth = runs.reduce((sum, r) => sum + r.width, 0);
    let x = from < clusters.length && rtlAt(paragraph, clusters[from]!.start) ? left + Math.max(width - lineWidth, 0) : left;
    const placed = runs.map((run) => {
      const at0 = x;
      x += run.width;
      return { ...run, x: at0 };
    });
    // Logical order in the content stream, visual places on the line (see the file comment).
    for (const run of placed.sort((a, b) => a.start - b.start)) {
      if (run.file === undefined) {
        pdf.font(run.name).fontSize(at.size);
        pdf.text(run.shaped, run.x, y, { lineBreak: false, baseline: at.baseline });
      } else {
        drawShapedRun(pdf, run.name, run.file, run.text, shape(run.file, run.shaped, run.rtl), run.rtl, { x: run.x, y, size: at.size, baseline: at.baseline });
      }
    }
    y += height;
  }
  pdf.x = left;
  pdf.y = y;
}

/** The lines of the paragraph, as `[from, to)` cluster ranges (trailing spaces included). */
function lines(clusters: readonly ScriptCluster[], width: number, widthOf: (from: number, to: number) => number): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  let start = 0;
  const flush = (end: number) => {
    result.push([start, end]);
    start = end;
  };
  let lineWidth = 0;
  for (const { from, body, to } of words(clusters)) {
    if (from < body && HARD_BREAK.test(clusters[from]!.text)) {
      flush(from);
      start = to;
      lineWidth = 0;
      continue;
    }
    const w = widthOf(from, body);
    if (from > start && lineWidth + w > width) {
      flush(from);
      lineWidth = 0;
    }
    if (from === start && w > width) {
      // A word wider than the line: as many graphemes as fit on each line, at least one.
      let k = from;
      while (k < body) {
        let e = k + 1;
        while (e < body && widthOf(k, e + 1) <= width) e++;
        if (e < body) flush(e);
        k = e;
      }
      lineWidth = widthOf(start, body);
    } else {
      lineWidth += w;
    }
    lineWidth += widthOf(body, to);
  }
  if (start < clusters.length || result.length === 0) flush(clusters.length);
  return result;
}

/** The words of the paragraph; a hard line break is a word of its own. */
function words(clusters: readonly ScriptCluster[]): Word[] {
  const result: Word[] = [];
  let i = 0;
  while (i < clusters.length) {
    const from = i;
    if (HARD_BREAK.test(clusters[i]!.text)) {
      result.push({ from, body: i + 1, to: i + 1 });
      i++;
      continue;
    }
    while (i < clusters.length && !BREAKING_SPACE.test(clusters[i]!.text) && !HARD_BREAK.test(clusters[i]!.text)) i++;
    const body = i;
    while (i < clusters.length && BREAKING_SPACE.test(clusters[i]!.text)) i++;
    result.push({ from, body, to: i });
  }
  return result;
}
