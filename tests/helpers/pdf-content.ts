import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** One page as pdf.js reads it: its text items joined, and the fonts its text is set in. */
export interface PdfPage {
  /** The page's text items in content order, a line break after each line (no-break spaces made plain). */
  text: string;
  /** Each font the page's text uses: its PDF name (`ABCDEF+NotoSansHans-Bold` when subset) and whether the file embeds it. */
  fonts: Array<{ name: string; embedded: boolean }>;
  /**
   * The page's text items where they are drawn: `x`, `y` of the start of the baseline and `width`
   * (points, from the bottom left), `str` as pdf.js gives it (a right-to-left item put back in
   * logical order, no-break spaces made plain).
   */
  items: Array<{ str: string; x: number; y: number; width: number; font: string }>;
  /** The glyphs of each text-showing operation in drawing order (left to right), as their ToUnicode texts. */
  shows: Array<{ font: string; glyphs: string[] }>;
}

/**
 * The texts of the items on the line at height `y` (within 3 pt: marks are raised), ordered by where
 * they start, left to right: the visual order of the line, each right-to-left item read by pdf.js
 * in logical order.
 */
export function lineAt(page: PdfPage, y: number): string[] {
  return page.items.filter((i) => Math.abs(i.y - y) < 3 && i.str !== '').sort((a, b) => a.x - b.x).map((i) => i.str);
}

/** The height of the first line holding an item whose text includes `part` (throws if none does). */
export function lineOf(page: PdfPage, part: string): number {
  const item = page.items.find((i) => i.str.includes(part));
  if (!item) throw new Error(`no text item includes ${JSON.stringify(part)}`);
  return item.y;
}

/**
 * Reads a PDF with pdf.js (the text layer a viewer would give for copy and search: embedded fonts'
 * ToUnicode maps, right-to-left runs put back in logical order), unlike pdf-text.ts, which reads
 * WinAnsi strings only. Throws pdf.js's error for a file it cannot parse.
 */
export async function pdfPages(pdf: Uint8Array): Promise<PdfPage[]> {
  // pdf.js takes ownership of the buffer it is given.
  const doc = await getDocument({ data: new Uint8Array(pdf), disableFontFace: true, fontExtraProperties: true, useSystemFonts: false, verbosity: 0 }).promise;
  try {
    const pages: PdfPage[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const ops = await page.getOperatorList(); // also loads the page's fonts into commonObjs
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('').replace(/\u00a0/g, ' ');
      const fonts = Object.keys(content.styles).map((id) => {
        const font = page.commonObjs.get(id) as { name: string; missingFile: boolean };
        return { name: font.name, embedded: !font.missingFile };
      });
      const fontName = (id: string) => (page.commonObjs.get(id) as { name: string }).name;
      const items = content.items.flatMap((item) => ('str' in item
        ? [{ str: item.str.replace(/\u00a0/g, ' '), x: item.transform[4] as number, y: item.transform[5] as number, width: item.width, font: fontName(item.fontName) }] : []));
      const shows: PdfPage['shows'] = [];
      let font = '';
      ops.fnArray.forEach((fn, i) => {
        if (fn === OPS.setFont) font = fontName((ops.argsArray[i] as [string])[0]);
        if (fn === OPS.showText) {
          const glyphs = (ops.argsArray[i] as [Array<number | { unicode: string }>])[0];
          shows.push({ font, glyphs: glyphs.flatMap((g) => (typeof g === 'number' ? [] : [g.unicode])) });
        }
      });
      pages.push({ text, fonts, items, shows });
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}
