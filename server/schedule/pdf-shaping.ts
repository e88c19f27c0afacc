import fs from 'node:fs';
import zlib from 'node:zlib';
import * as hb from 'harfbuzzjs';

/**
 * Shapes text for the run-of-show PDF with HarfBuzz (harfbuzzjs, its WebAssembly build), the
 * shaper browsers and LibreOffice use, instead of fontkit's layout (issue 14). fontkit has no Thai
 * shaper: it left SARA AM whole after a tone mark, so "น้ำ" printed its tone mark under the
 * nikhahit; HarfBuzz decomposes SARA AM into NIKHAHIT + SARA AA, moves the nikhahit before the
 * tone marks, and the font's own rules then set the tone mark above it. The same shaper does
 * Devanagari (conjuncts, reph, pre-base matras), Arabic joining and lam-alef, and emoji ZWJ
 * sequences, flags and skin tones through each font's GSUB/GPOS.
 *
 * Fonts are loaded from their files once and kept (HarfBuzz reads TrueType and CFF; a WOFF file is
 * unpacked to its SFNT first). Glyph ids are the font file's own, the ones PDFKit's fontkit subset
 * takes.
 */

/** One glyph of a shaped run, in drawing order (left to right), in font units. */
export interface ShapedGlyph {
  /** Glyph id in the font file. */
  id: number;
  /** UTF-16 offset in the shaped text of the first character the glyph draws (HarfBuzz's cluster, by character). */
  cluster: number;
  xAdvance: number;
  xOffset: number;
  yOffset: number;
}

export interface ShapedRun {
  glyphs: ShapedGlyph[];
  /** Sum of the glyphs' advances, font units. */
  advance: number;
  unitsPerEm: number;
}

interface LoadedFont {
  font: hb.Font;
  unitsPerEm: number;
  cache: Map<string, ShapedRun>;
}

const loaded = new Map<string, LoadedFont>();
/** Shaped runs kept per font (a run-of-show repeats names and words; the widths are asked for often). */
const CACHE_PER_FONT = 2000;

/**
 * A WOFF 1.0 file (W3C WOFF, section 5) unpacked to the SFNT it wraps: HarfBuzz reads SFNT only.
 * Tables are zlib-compressed when their compressed length is below their original length.
 * Throws on a file that is not WOFF.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF file');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compressed = woff.readUInt32BE(at + 8);
    const original = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compressed);
    return { tag: woff.readUInt32BE(at), checksum: woff.readUInt32BE(at + 16), data: compressed < original ? zlib.inflateSync(raw) : raw };
  });
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((t, i) => {
    header.writeUInt32BE(t.tag, 12 + 16 * i);
    header.writeUInt32BE(t.checksum, 16 + 16 * i);
    header.writeUInt32BE(offset, 20 + 16 * i);
    header.writeUInt32BE(t.data.length, 24 + 16 * i);
    const pad = (4 - (t.data.length % 4)) % 4;
    parts.push(t.data, Buffer.alloc(pad));
    offset += t.data.length + pad;
  });
  return Buffer.concat(parts);
}

function load(file: string): LoadedFont {
  let entry = loaded.get(file);
  if (!entry) {
    const bytes = fs.readFileSync(file);
    const face = new hb.Face(new hb.Blob(bytes.toString('latin1', 0, 4) === 'wOFF' ? woffToSfnt(bytes) : bytes));
    entry = { font: new hb.Font(face), unitsPerEm: face.upem, cache: new Map() };
    loaded.set(file, entry);
  }
  return entry;
}

/**
 * Shapes `text` (one run: one font, one direction) with the font in `file`. `rtl` shapes it right
 * to left (glyphs come out left to right, brackets mirrored); script and language are guessed from
 * the text. Throws if the file cannot be read.
 */
export function shape(file: string, text: string, rtl: boolean): ShapedRun {
  const entry = load(file);
  const key = `${rtl ? 'r' : 'l'}${text}`;
  const hit = entry.cache.get(key);
  if (hit) return hit;
  const buffer = new hb.Buffer();
  buffer.addText(text);
  buffer.guessSegmentProperties();
  buffer.setDirection(rtl ? hb.Direction.RTL : hb.Direction.LTR);
  // Clusters by character, not by grapheme, so that each glyph can say which characters it draws
  // (pdf-glyph-text.ts): "น้ำ" is then น, the tone mark, and SARA AM's two glyphs, not one cluster.
  buffer.setClusterLevel(hb.ClusterLevel.CHARACTERS);
  hb.shape(entry.font, buffer);
  let advance = 0;
  const glyphs = buffer.getGlyphInfosAndPositions().map((g) => {
    advance += g.xAdvance ?? 0;
    return { id: g.codepoint, cluster: g.cluster, xAdvance: g.xAdvance ?? 0, xOffset: g.xOffset ?? 0, yOffset: g.yOffset ?? 0 };
  });
  const run = { glyphs, advance, unitsPerEm: entry.unitsPerEm };
  if (entry.cache.size >= CACHE_PER_FONT) entry.cache.clear();
  entry.cache.set(key, run);
  return run;
}

/** A glyph's advance width in its font's horizontal metrics (what a PDF's `W` array gives it), font units. */
export function glyphAdvance(file: string, id: number): number {
  return load(file).font.glyphHAdvance(id);
}
