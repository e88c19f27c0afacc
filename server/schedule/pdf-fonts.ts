import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { writeBidiParagraph } from './pdf-bidi-layout.ts';
import { bidiParagraph } from './pdf-bidi.ts';
import { scriptClusters, type Family, type FaceStyle } from './pdf-script-runs.ts';

/**
 * The faces the run-of-show PDF may set text in (issue 14: names in any script the wedding uses).
 * Latin that Windows-1252 can encode stays in the standard Helvetica faces, which are not embedded
 * and so cost nothing; everything else is set in an embedded Noto face, subset by PDFKit to the
 * glyphs used (2–3 kB per TrueType face on a page, under 1 kB per emoji slice, 18–39 kB per CJK face,
 * whose CFF subroutines fontkit keeps whole):
 *
 * | family | package (OFL-1.1) | covers | faces |
 * |---|---|---|---|
 * | `noto-sans` | `@embedpdf/fonts-latin` | Latin beyond Windows-1252 (Vietnamese, Polish…), Greek, Cyrillic | Regular, Bold, Italic |
 * | `sc` / `jp` / `kr` | `@embedpdf/fonts-sc`, `-jp`, `-kr` (Noto Sans CJK region subsets, CFF) | Han in Chinese / Japanese / Korean forms, kana, Hangul | Regular, Bold |
 * | `arabic` | `@embedpdf/fonts-arabic` (Noto Naskh Arabic) | Arabic, Persian, Urdu letters | Regular, Bold |
 * | `hebrew` | `@embedpdf/fonts-hebrew` (Noto Sans Hebrew) | Hebrew | Regular, Bold |
 * | `thai` | `@fontsource/noto-sans-thai` (its Thai slice, WOFF) | Thai | Regular, Bold |
 * | `devanagari` | `@fontsource/noto-sans-devanagari` (its Devanagari slice, WOFF) | Hindi, Marathi, Nepali… | Regular, Bold |
 * | `emoji-0`…`emoji-10` | `@fontsource/noto-emoji` (monochrome outlines, 11 WOFF slices) | emoji, flags, keycaps | Regular |
 *
 * A face without italic (or bold) falls back to its regular face. Fonts are parsed on first use
 * and kept for the life of the process (at most about 40 MB when every CJK face has been used):
 * the same parsed font answers coverage questions and is handed to PDFKit, which subsets it.
 * Throws at first use if a font package is missing from node_modules.
 */

const require = createRequire(import.meta.url);

/** A Fontsource package's file of one unicode-range slice and weight. */
function fontsourceFont(pkg: string, slice: string, weight: 400 | 700): string {
  return require.resolve(`@fontsource/${pkg}/files/${pkg}-${slice}-${weight}-normal.woff`);
}

/** Where a package's font files are: `@embedpdf/fonts-*` keep them in `fonts/` beside `dist/`. */
function embedpdfFont(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(pkg)), '..', 'fonts', file);
}

type Files = Partial<Record<FaceStyle, () => string>> & { regular: () => string };

const EMOJI_SLICES = 11;

type TextFamily = Exclude<Family, 'helvetica' | `emoji-${number}`>;

const FILES: Record<TextFamily, Files> = {
  'noto-sans': {
    regular: () => embedpdfFont('@embedpdf/fonts-latin', 'NotoSans-Regular.ttf'),
    bold: () => embedpdfFont('@embedpdf/fonts-latin', 'NotoSans-Bold.ttf'),
    italic: () => embedpdfFont('@embedpdf/fonts-latin', 'NotoSans-Italic.ttf'),
  },
  sc: {
    regular: () => embedpdfFont('@embedpdf/fonts-sc', 'NotoSansHans-Regular.otf'),
    bold: () => embedpdfFont('@embedpdf/fonts-sc', 'NotoSansHans-Bold.otf'),
  },
  jp: {
    regular: () => embedpdfFont('@embedpdf/fonts-jp', 'NotoSansJP-Regular.otf'),
    bold: () => embedpdfFont('@embedpdf/fonts-jp', 'NotoSansJP-Bold.otf'),
  },
  kr: {
    regular: () => embedpdfFont('@embedpdf/fonts-kr', 'NotoSansKR-Regular.otf'),
    bold: () => embedpdfFont('@embedpdf/fonts-kr', 'NotoSansKR-Bold.otf'),
  },
  arabic: {
    regular: () => embedpdfFont('@embedpdf/fonts-arabic', 'NotoNaskhArabic-Regular.ttf'),
    bold: () => embedpdfFont('@embedpdf/fonts-arabic', 'NotoNaskhArabic-Bold.ttf'),
  },
  hebrew: {
    regular: () => embedpdfFont('@embedpdf/fonts-hebrew', 'NotoSansHebrew-Regular.ttf'),
    bold: () => embedpdfFont('@embedpdf/fonts-hebrew', 'NotoSansHebrew-Bold.ttf'),
  },
  thai: {
    regular: () => fontsourceFont('noto-sans-thai', 'thai', 400),
    bold: () => fontsourceFont('noto-sans-thai', 'thai', 700),
  },
  devanagari: {
    regular: () => fontsourceFont('noto-sans-devanagari', 'devanagari', 400),
    bold: () => fontsourceFont('noto-sans-devanagari', 'devanagari', 700),
  },
};

/** The emoji slices in the order a cluster tries them. */
export const EMOJI_FAMILIES: readonly Family[] = Array.from({ length: EMOJI_SLICES }, (_, i) => `emoji-${i}` as Family);

const HELVETICA: Record<FaceStyle, string> = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' };

const parsed = new Map<string, fontkit.Font>();

function filesOf(family: Exclude<Family, 'helvetica'>): Files {
  if (family.startsWith('emoji-')) {
    return { regular: () => require.resolve(`@fontsource/noto-emoji/files/noto-emoji-${family.slice('emoji-'.length)}-400-normal.woff`) };
  }
  return FILES[family as TextFamily];
}

const resolved = new Map<string, string>();

/** The font file of a face (resolved once: require.resolve is slow enough to matter per character). */
export function fileOf(family: Exclude<Family, 'helvetica'>, style: FaceStyle): string {
  const key = `${family}/${style}`;
  let file = resolved.get(key);
  if (file === undefined) {
    const files = filesOf(family);
    file = (files[style] ?? files.regular)();
    resolved.set(key, file);
  }
  return file;
}

/** The parsed font of one face (cached); throws if its package is not installed. */
function embedded(family: Exclude<Family, 'helvetica'>, style: FaceStyle): fontkit.Font {
  const file = fileOf(family, style);
  let font = parsed.get(file);
  if (!font) {
    const opened = fontkit.openSync(file);
    if (!('hasGlyphForCodePoint' in opened)) throw new Error(`${file} is a font collection, not a font`);
    font = opened;
    parsed.set(file, font);
  }
  return font;
}

/** Windows-1252 beyond ASCII and Latin-1: what PDFKit's standard fonts encode at 0x80–0x9F. */
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'].map((c) => c.codePointAt(0)!));

/** Whether a standard (WinAnsi) font can show a code point. */
export function winAnsi(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);
}

let emojiRanges: Array<Array<[number, number]>> | undefined;

/**
 * The code point ranges of each emoji slice, from the package's unicode.json (`{"[3]": "U+1f600-1f64f,
 * …"}`), so a cluster tries only the slice that has it: inflating all eleven WOFF slices to ask
 * their cmaps costs about a second.
 */
function emojiSliceRanges(slice: number): Array<[number, number]> {
  if (!emojiRanges) {
    const dir = path.dirname(require.resolve('@fontsource/noto-emoji/LICENSE'));
    const table = JSON.parse(fs.readFileSync(path.join(dir, 'unicode.json'), 'utf8')) as Record<string, string>;
    emojiRanges = Array.from({ length: EMOJI_SLICES }, (_, i) => (table[`[${i}]`] ?? '').split(',').filter(Boolean).map((r) => {
      const [from, to] = r.trim().replace(/^U\+/i, '').split('-').map((h) => parseInt(h, 16));
      return [from!, to ?? from!] as [number, number];
    }));
  }
  return emojiRanges[slice] ?? [];
}

/** Whether a family's regular face has a glyph for every code point (Helvetica: WinAnsi). */
export function covers(family: Family, codePoints: readonly number[]): boolean {
  if (family === 'helvetica') return codePoints.every(winAnsi);
  if (family.startsWith('emoji-')) {
    const ranges = emojiSliceRanges(Number(family.slice('emoji-'.length)));
    if (!codePoints.every((cp) => ranges.some(([from, to]) => cp >= from && cp <= to))) return false;
  }
  const font = embedded(family, 'regular');
  return codePoints.every((cp) => font.hasGlyphForCodePoint(cp));
}

/**
 * The PDFKit font name of a face, registered on the document (standard Helvetica faces need no
 * registration). Throws if the face's package is not installed.
 */
export function useFace(pdf: PDFKit.PDFDocument, family: Family, style: FaceStyle): string {
  if (family === 'helvetica') return HELVETICA[style];
  const name = `${family}-${filesOf(family)[style] ? style : 'regular'}`;
  // Registering again is a cheap assignment; PDFKit embeds a face once, by name, when first used.
  // NOTE: PDFKit 0.20 accepts a parsed fontkit font (its CHANGELOG, "Accept already-parsed fontkit
  // Font instances in doc.font() and registerFont"); @types/pdfkit 0.17 does not know that yet.
  pdf.registerFont(name, embedded(family, style) as unknown as Buffer);
  return name;
}

/** How `writeText` sets a paragraph: `x`, `y` and `width` as for `pdf.text` (points). */
export interface TextPlacement {
  style: FaceStyle;
  /** Font size in points. */
  size: number;
  x?: number;
  y?: number;
  width?: number;
}

/**
 * Writes `text` like `pdf.text`, in the face of `at.style` for each script (pdf-script-runs.ts),
 * as one paragraph that wraps across runs; without `at.x` it starts at the current position. A
 * text in Windows-1252 alone is handed to PDFKit in Helvetica; any other is shaped with HarfBuzz
 * and laid out by pdf-bidi-layout.ts, in the visual order of the Unicode bidirectional algorithm
 * when it has right-to-left text in it.
 */
export function writeText(pdf: PDFKit.PDFDocument, text: string, at: TextPlacement): void {
  pdf.fontSize(at.size);
  const clusters = scriptClusters(text, covers, EMOJI_FAMILIES);
  // Each font puts the baseline at its own ascender below the top of the line (Helvetica 0.718 em,
  // Noto CJK 1.16 em), so runs in different fonts would not sit on one line: every run takes one
  // baseline, at the height of a CJK ideograph (0.88 em), in every paragraph alike.
  const baseline = -0.88 * at.size;
  if (clusters.length === 0 || (clusters.length === 1 && clusters[0]!.family === 'helvetica')) {
    pdf.font(useFace(pdf, 'helvetica', at.style));
    // NOTE: pdf.text(text, undefined, undefined, options) drops the options (PDFKit defaults x to
    // an options object), so the position goes in only when there is one.
    if (at.x !== undefined) pdf.text(text, at.x, at.y, { width: at.width, baseline });
    else pdf.text(text, { width: at.width, baseline });
    return;
  }
  writeBidiParagraph(pdf, bidiParagraph(text), clusters, { ...at, baseline }, (family) => ({
    name: useFace(pdf, family, at.style),
    file: family === 'helvetica' ? undefined : fileOf(family, at.style),
  }));
}
