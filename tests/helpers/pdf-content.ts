import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** One page as pdf.js reads it: its text items joined, and the fonts its text is set in. */
export interface PdfPage {
  /** The page's text items in content order, a line break after each line (no-break spaces made plain). */
  text: string;
  /** Each font the page's text uses: its PDF name (`ABCDEF+NotoSansHans-Bold` when subset) and whether the file embeds it. */
  fonts: Array<{ name: string; embedded: boolean }>;
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
      await page.getOperatorList(); // loads the page's fonts into commonObjs
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('').replace(/\u00a0/g, ' ');
      const fonts = Object.keys(content.styles).map((id) => {
        const font = page.commonObjs.get(id) as { name: string; missingFile: boolean };
        return { name: font.name, embedded: !font.missingFile };
      });
      pages.push({ text, fonts });
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}
