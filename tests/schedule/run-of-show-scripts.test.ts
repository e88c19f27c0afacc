import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCrew } from '../../schema/document/contributions.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { pdfPages } from '../helpers/pdf-content.ts';
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
});
