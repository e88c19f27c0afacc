import { describe, expect, it } from 'vitest';
import { EMOJI_FAMILIES, covers } from '../../server/schedule/pdf-fonts.ts';
import { scriptRuns, type ScriptRun } from '../../server/schedule/pdf-script-runs.ts';

/** The runs of a text with the real fonts' coverage. */
const runs = (text: string): ScriptRun[] => scriptRuns(text, covers, EMOJI_FAMILIES);
const families = (text: string) => runs(text).map((r) => r.family);

describe('splitting text into runs by script, for the run-of-show PDF', () => {
  it('sets 李伟 in the Chinese face and 佐藤さくら in the Japanese one, each name whole', () => {
    expect(runs('李伟 & 佐藤さくら')).toEqual([{ family: 'sc', text: '李伟 & ' }, { family: 'jp', text: '佐藤さくら' }]);
    expect(runs('김민준 사진')).toEqual([{ family: 'kr', text: '김민준 사진' }]);
    // Kanji the Japanese face lacks (伟 is simplified Chinese) move the whole stretch to a face that has all of it.
    expect(families('伟さ')).toEqual(['sc']);
  });

  it('keeps Windows-1252 Latin in Helvetica, and moves a whole text that needs more to Noto Sans', () => {
    expect(runs('Dinner (Café Müller) – “quoted” €5')).toEqual([{ family: 'helvetica', text: 'Dinner (Café Müller) – “quoted” €5' }]);
    expect(runs('Where: Nguyễn Văn Ánh')).toEqual([{ family: 'noto-sans', text: 'Where: Nguyễn Văn Ánh' }]);
    expect(families('Ελένη · Владимир Ґудзь')).toEqual(['noto-sans']);
  });

  it('keeps a right-to-left phrase in one run, and leaves the spaces and Latin after it out of it', () => {
    expect(runs('قاعة الفرح')).toEqual([{ family: 'arabic', text: 'قاعة الفرح' }]);
    expect(runs('محمد & Sam')).toEqual([{ family: 'arabic', text: 'محمد' }, { family: 'helvetica', text: ' & Sam' }]);
    expect(runs('Where: שרה כהן (florist)')).toEqual([
      { family: 'helvetica', text: 'Where: ' }, { family: 'hebrew', text: 'שרה כהן' }, { family: 'helvetica', text: ' (florist)' },
    ]);
  });

  it('sets Thai and Devanagari in their own faces, the spaces between their words with them', () => {
    expect(runs('สมชาย ใจดี')).toEqual([{ family: 'thai', text: 'สมชาย ใจดี' }]);
    expect(runs('प्रिया शर्मा (florist)')).toEqual([{ family: 'devanagari', text: 'प्रिया शर्मा ' }, { family: 'helvetica', text: '(florist)' }]);
  });

  it('draws no bidi control and lets none move Latin out of Helvetica', () => {
    expect(runs('Where: \u2068שרה\u2069 \u200e(florist)')).toEqual([
      { family: 'helvetica', text: 'Where: ' }, { family: 'hebrew', text: 'שרה' }, { family: 'helvetica', text: ' (florist)' },
    ]);
  });

  it('sets emoji, sequences and flags in the emoji slices, and the spaces around them in the text font', () => {
    const bring = runs('Bring 🎂 and 👨‍👩‍👧 🇯🇵 ❤️');
    expect(bring.map((r) => r.text)).toEqual(['Bring ', '🎂', ' and ', '👨‍👩‍👧', ' ', '🇯🇵', ' ', '❤️']);
    expect(bring.filter((r) => r.text.trim() && !/[a-z]/.test(r.text)).every((r) => r.family.startsWith('emoji-'))).toBe(true);
    expect(bring.filter((r) => !r.family.startsWith('emoji-')).every((r) => r.family === 'helvetica')).toBe(true);
    // © is text in Windows-1252, not an emoji.
    expect(families('© 2027')).toEqual(['helvetica']);
  });

  it('gives a character no font has to the head of its chain (it prints as a missing-glyph box), and loses no text', () => {
    expect(runs('𓀀')).toEqual([{ family: 'noto-sans', text: '𓀀' }]);
    const mixed = 'A 李 さ 김 ש م 😀 ễ 𓀀';
    expect(runs(mixed).map((r) => r.text).join('')).toBe(mixed);
    expect(runs('')).toEqual([]);
  });
});
