import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCrew } from '../../schema/document/contributions.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { lineAt, lineOf, pdfPages } from '../helpers/pdf-content.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** What the PDF must give back, as pdf.js extracts it (the names, titles and places in their scripts). */
const PRINTED = [
  '李伟 & 佐藤さくら', // Chinese and Japanese names: the couple
  'ホテル椿山荘東京', // Japanese venue
  '김민준 사진', // Korean
  'Ελένη Παπαδοπούλου', // Greek
  'Nguyễn Văn Ánh', // Vietnamese
  'Владимир Ґудзь', // Cyrillic with Ukrainian letters
  'שרה כהן', // Hebrew
  'قاعة الفرح', // Arabic
  '🎂', '💍',
  'Café Müller', // Windows-1252 Latin stays Helvetica
  '佐藤さくら: call time 10:30',
] as const;

describe('the run-of-show PDF prints every script the wedding uses (issue 14)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.server.collab.withDocument('wed_intl', (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: '李伟 & 佐藤さくら', date: '2027-06-12', timezone: 'Asia/Tokyo', venue: 'ホテル椿山荘東京', status: 'planning' });
      w.upsertVendor({ id: 'photo', name: '김민준 사진', category: 'photographer', email: 'photo@lens.example' });
      w.upsertVendor({ id: 'flowers', name: 'שרה כהן', category: 'florist' });
      w.upsertVendor({ id: 'sakura', name: '佐藤さくら', category: 'planner' });
      w.upsertEvent({ id: 'tea', title: 'Tea ceremony 茶道', start: '2027-06-12T02:00:00Z', end: '2027-06-12T03:00:00Z', location: 'قاعة الفرح', vendorIds: ['photo', 'flowers'], notes: 'Bring 🎂 and 💍' });
      w.upsertEvent({ id: 'toast', title: 'Toast by Ελένη Παπαδοπούλου', start: '2027-06-12T09:00:00Z', end: '2027-06-12T09:30:00Z', location: 'Nguyễn Văn Ánh · Владимир Ґудзь', vendorIds: ['sakura'] });
      w.upsertEvent({ id: 'dinner', title: 'Dinner', start: '2027-06-12T10:00:00Z', end: '2027-06-12T12:00:00Z', location: 'Café Müller', vendorIds: [] });
    });
    await t.server.collab.withDocument('wed_intl', (ydoc) => setCrew(ydoc, 'toast', 'sakura', { arrival: '2027-06-12T01:30:00Z', notes: '', confirmed: false }));
    await t.server.collab.withDocument('wed_latin', (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens', status: 'planning' });
      w.upsertEvent({ id: 'dinner', title: 'Dinner', start: '2027-06-12T17:00:00Z', end: '2027-06-12T19:00:00Z', location: 'Café Müller', vendorIds: [] });
    });
    await t.server.collab.withDocument('wed_mixed', (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'שרה & Priya', date: '2027-06-12', timezone: 'Asia/Jerusalem', venue: 'The Orangery', status: 'planning' });
      w.upsertVendor({ id: 'photo', name: 'สมชาย ใจดี', category: 'photographer' });
      w.upsertVendor({ id: 'flowers', name: 'प्रिया शर्मा', category: 'florist' });
      w.upsertEvent({ id: 'ceremony', title: 'טקס 14:30 at The Orangery', start: '2027-06-12T11:30:00Z', end: '2027-06-12T12:00:00Z', location: 'حفل الاستقبال – Rose garden 3', vendorIds: ['photo', 'flowers'], notes: 'Bring 🎂 for שרה (כהן)' });
      w.upsertEvent({ id: 'cake', title: '🎂 עוגה', start: '2027-06-12T13:00:00Z', end: '2027-06-12T13:30:00Z', location: 'قاعة ٣ Rose garden', vendorIds: [], notes: `התחלה ${'מילים '.repeat(24)}סוף` });
    });
  });
  afterAll(async () => { await t?.close(); });

  const fetchPdf = async (weddingId: string) => {
    const res = await t.fetch(`/api/weddings/${weddingId}/run-of-show.pdf`, { token: await t.token('planner', [weddingId]) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    return new Uint8Array(await res.arrayBuffer());
  };

  it('gives back the names, titles and places in Chinese, Japanese, Korean, Greek, Vietnamese, Cyrillic, Hebrew, Arabic and emoji, from fonts embedded as subsets', async () => {
    const pdf = await fetchPdf('wed_intl');
    const [page, ...more] = await pdfPages(pdf);
    expect(more).toEqual([]);
    for (const s of PRINTED) expect({ s, found: page!.text.includes(s) }).toEqual({ s, found: true });

    // Every font but the standard Helvetica faces is embedded, and as a subset (the ABCDEF+ prefix).
    const embedded = page!.fonts.filter((f) => !f.name.startsWith('Helvetica'));
    for (const f of embedded) expect(f).toEqual({ name: expect.stringMatching(/^[A-Z]{6}\+/), embedded: true });
    const faces = embedded.map((f) => f.name.replace(/^[A-Z]{6}\+/, '')).sort();
    for (const face of ['NotoSansHans-Bold', 'NotoSansJP-Bold', 'NotoSansJP-Regular', 'NotoSansKR-Regular', 'NotoSans-Regular', 'NotoNaskhArabic', 'NotoSansHebrew', 'NotoEmoji-Regular']) {
      expect(faces.some((f) => f.startsWith(face))).toBe(true);
    }
    // Subsets keep it small: the whole CJK fonts alone are 4.5–8 MB each.
    expect(pdf.length).toBeLessThan(200_000);
  });

  it('keeps a Windows-1252 wedding in the standard Helvetica faces, with no font embedded', async () => {
    const pdf = await fetchPdf('wed_latin');
    const [page] = await pdfPages(pdf);
    expect(page!.text).toContain('Ava & Sam');
    expect(page!.text).toContain('Where: Café Müller');
    expect(page!.fonts.map((f) => f.name).sort()).toEqual(['Helvetica', 'Helvetica-Bold']);
    expect(page!.fonts.every((f) => !f.embedded)).toBe(true);
    expect(pdf.length).toBeLessThan(5_000);
  });

  it('prints lines that mix Hebrew or Arabic with Latin and digits in the order of the Unicode bidirectional algorithm', async () => {
    const [page, ...more] = await pdfPages(await fetchPdf('wed_mixed'));
    expect(more).toEqual([]);
    // pdf.js gives each item where it is drawn and reads a right-to-left item back in logical order;
    // left to right, the items of a right-to-left line come last-phrase first. (The pieces are in the
    // file in logical order, so pdf.js keeps no space between them: joined here with one.)
    expect(lineAt(page!, lineOf(page!, 'at The Orangery')).join(' ').replace(/\s+/g, ' ')).toBe('14:30-15:00 at The Orangery 14:30 טקס');
    // A right-to-left paragraph is aligned right, ending at the right margin (A4 595.28 pt less 56).
    const ceremony = page!.items.find((i) => i.str === 'טקס')!;
    expect(ceremony.x + ceremony.width).toBeCloseTo(595.28 - 56, 0);
    // The place is isolated after its label: Latin and digits first, then the Arabic at the right.
    const where = lineAt(page!, lineOf(page!, 'Rose garden 3'));
    expect(where.join(' ').replace(/\s+/g, ' ')).toBe('Where: Rose garden 3 – حفل الاستقبال');
    // Brackets of a right-to-left level are drawn mirrored, so "(כהן)" still reads as a parenthesis,
    // and each one's ToUnicode text is the bracket as written: left to right, the items read ") כהן (".
    expect(lineAt(page!, lineOf(page!, 'Bring')).join(' ').replace(/\s+/g, ' ')).toBe('Notes: Bring 🎂 for ) כהן ( שרה');
    expect(page!.text).toMatch(/שרה ?\(כהן\)/);
    // An emoji is neutral: "🎂 עוגה" runs right to left and the cake sits at the right.
    expect(lineAt(page!, lineOf(page!, 'עוגה')).join(' ').replace(/\s+/g, ' ')).toBe('16:00-16:30 עוגה 🎂');
    // The Arabic is shaped (lam-alef is one glyph, drawn in visual order), and its ToUnicode text
    // reads back in logical order: "الاستقبال", not "االستقبال".
    const arabic = page!.shows.filter((s) => s.font.includes('NotoNaskhArabic')).map((s) => s.glyphs);
    expect(arabic[0]).toContain('ال');
    expect(page!.text).toContain('حفل الاستقبال');
    expect(lineAt(page!, lineOf(page!, 'قاعة')).join(' ').replace(/\s+/g, ' ')).toBe('Where: Rose garden ٣ قاعة');
    // A right-to-left note longer than a line is broken first, then each line ordered: its first
    // words are on the first line, at its right end, and its last word on the next line.
    const first = lineAt(page!, lineOf(page!, 'התחלה'));
    expect(first[0]).toBe('Notes:');
    expect(first.join(' ').replace(/\s+/g, ' ')).toMatch(/^Notes: התחלה מילים/);
    expect(lineOf(page!, 'סוף')).toBeLessThan(lineOf(page!, 'התחלה') - 5);
  });

  it('prints Thai and Devanagari from embedded faces, Devanagari shaped into conjuncts with its vowel sign before the consonant', async () => {
    const [page] = await pdfPages(await fetchPdf('wed_mixed'));
    expect(page!.text).toContain('สมชาย ใจดี (photographer)');
    const faces = page!.fonts.filter((f) => /Thai|Devanagari/.test(f.name));
    expect(faces.map((f) => f.name.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['NotoSansDevanagari-Regular', 'NotoSansThai-Regular']);
    for (const f of faces) expect(f).toEqual({ name: expect.stringMatching(/^[A-Z]{6}\+/), embedded: true });
    // Glyphs in drawing order, each with the text the ToUnicode map gives it: the vowel sign ि is
    // drawn before the conjunct प्र and the reph of र्म after मा, and the reordered glyphs carry the
    // cluster's text in logical order, so pdf.js reads back "प्रिया शर्मा", not "िप्रया शमार्" (the
    // virama before र rides on an empty zero-width glyph, see pdf-glyph-text.ts `withHelpers`).
    const devanagari = page!.shows.filter((s) => s.font.includes('NotoSansDevanagari')).flatMap((s) => s.glyphs);
    expect(devanagari).toEqual(['प', '्', 'रि', 'य', 'ा', ' ', 'श', 'र', '्', 'मा', ' ']);
    expect(page!.text).toContain('प्रिया शर्मा');
  });
});
