import { describe, expect, it } from 'vitest';
import type { RunOfShow } from '../../schema/document/run-of-show.ts';
import { runOfShowPdf } from '../../server/schedule/run-of-show-pdf.ts';
import { pdfPages } from '../helpers/pdf-content.ts';

/** Event titles in one script or direction each: what a reader copying the line must get back. */
const SINGLE = [
  'Ceremony at Kew Gardens', // Windows-1252 Latin (Helvetica)
  'Nguyễn Văn Ánh', // Latin in Noto Sans
  'שרה כהן', // Hebrew
  'حفل الاستقبال', // Arabic with a lam-alef ligature
  'ถ่ายรูป น้ำ ทำ ปั้น กิ่ง', // Thai: SARA AM after a tone mark, stacked marks
  'प्रिया शर्मा क्षमा श्रेया', // Devanagari: pre-base vowel sign, reph, conjunct ligatures starting words
  '李伟 & 佐藤さくら 김민준', // CJK
  'Bring 🎂 👨‍👩‍👧 👍🏽 🇯🇵 🏳️‍🌈 1️⃣', // emoji sequences
] as const;
/** Lines mixing directions: the words come back in logical order (see the comment in the test). */
const MIXED = ['טקס 14:30 at The Orangery', 'حفل الاستقبال – Rose garden 3', 'שרה (כהן)'] as const;

const show = (titles: readonly string[]): RunOfShow => ({
  title: 'Extraction', date: '2027-06-12', venue: '', timeZone: 'UTC', vendor: null,
  rows: titles.map((title, i) => ({ id: `e${i}`, title, start: '10:00', end: '11:00', endDays: 0, day: '', location: '', vendors: [], crew: [], notes: '' })),
} as unknown as RunOfShow);

/** The page's text lines as pdf.js extracts them (content order), each without its time column. */
async function titleLines(titles: readonly string[]): Promise<string[]> {
  const [page] = await pdfPages(await runOfShowPdf(show(titles)));
  return page!.text.split('\n').filter((l) => l.startsWith('10:00-11:00')).map((l) => l.slice('10:00-11:00'.length).trim());
}

describe('text extracted from the run-of-show PDF is the people\'s text in logical order (issue 14)', () => {
  it('gives back each line of Latin, Hebrew, Arabic, Thai, Devanagari, CJK and emoji as it was written', async () => {
    expect(await titleLines(SINGLE)).toEqual([...SINGLE]);
  });

  it('gives back the words of a mixed-direction line in logical order, each piece whole and mirrored brackets as written', async () => {
    // NOTE: the pieces of such a line are drawn in logical order at their visual places; pdf.js
    // keeps no space where its reading jumps back left (a direction boundary), so the words come
    // back in order but a space at a boundary can be lost ("טקס14:30at The Orangery").
    const lines = await titleLines(MIXED);
    expect(lines.map((l) => l.replace(/\s+/g, ''))).toEqual(MIXED.map((l) => l.replace(/\s+/g, '')));
    expect(lines[0]).toMatch(/^טקס ?14:30 ?at The Orangery$/);
  });
});

describe('the run-of-show PDF writes dates in words, as the app does (trial 24 §4)', () => {
  it('heads the sheet with "Saturday, 12 June 2027" and a later day with "Sunday, 13 June 2027 (next day)", never an ISO date', async () => {
    const base = show(['Ceremony']);
    const twoDays = { ...base, rows: [...base.rows, { ...base.rows[0]!, id: 'late', title: 'Carriages', start: '00:30', end: '01:00', day: '2027-06-13' }] } as unknown as RunOfShow;
    const [page] = await pdfPages(await runOfShowPdf(twoDays));
    const lines = page!.text.split('\n');
    expect(lines).toContain('Run-of-show: the whole day · Saturday, 12 June 2027 · Times in UTC');
    expect(lines).toContain('Sunday, 13 June 2027 (next day)');
    expect(page!.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});
