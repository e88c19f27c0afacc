import { describe, expect, it } from 'vitest';
import { bidiParagraph, isolate, visualRuns } from '../../server/schedule/pdf-bidi.ts';
import { EMOJI_FAMILIES, covers } from '../../server/schedule/pdf-fonts.ts';
import { scriptClusters } from '../../server/schedule/pdf-script-runs.ts';

/** The runs to draw, left to right, for the whole of `text` as one line, with the real fonts' coverage. */
const runsOf = (text: string) => {
  const clusters = scriptClusters(text, covers, EMOJI_FAMILIES);
  return visualRuns(bidiParagraph(text), clusters, 0, clusters.length);
};
const visual = (text: string) => runsOf(text).map(({ family, text: t, rtl }) => ({ family, text: t, ...(rtl ? { rtl } : {}) }));
/** What each run shows, left to right: a run shaped right to left comes out reversed. */
const shown = (text: string) => runsOf(text).map((r) => (r.rtl ? [...r.shaped].reverse().join('') : r.shaped)).join('');

describe('ordering a mixed-direction line for the run-of-show PDF (UAX #9 through bidi-js)', () => {
  it('puts a Hebrew phrase with digits and Latin in right-to-left order, the Latin and digits left to right', () => {
    // Each piece is contiguous in the text too, so the PDF can hold the pieces in logical order.
    expect(visual('טקס 14:30 at The Orangery')).toEqual([
      { family: 'helvetica', text: 'at The Orangery' }, { family: 'helvetica', text: ' ' }, { family: 'helvetica', text: '14:30' },
      { family: 'helvetica', text: ' ' }, { family: 'hebrew', text: 'טקס', rtl: true },
    ]);
    expect(shown('טקס 14:30 at The Orangery')).toBe('at The Orangery 14:30 סקט');
    // European digits after Latin take the Latin's direction (W7): "Rose garden 3" stays one phrase.
    expect(visual('حفل الاستقبال – Rose garden 3')).toEqual([
      { family: 'helvetica', text: 'Rose garden 3' }, { family: 'helvetica', text: ' ' }, { family: 'helvetica', text: '–' },
      { family: 'helvetica', text: ' ' }, { family: 'arabic', text: 'حفل الاستقبال', rtl: true },
    ]);
  });

  it('hands Arabic and Hebrew runs over in logical order to be shaped right to left, and mirrors brackets of right-to-left levels in Noto Sans', () => {
    // The bracket keeps its own character as its text (what a copy gives back) and draws the mirrored one.
    expect(runsOf('שרה (כהן)').map(({ family, text, shaped }) => ({ family, text, shaped }))).toEqual([
      { family: 'noto-sans', text: ')', shaped: '(' }, { family: 'hebrew', text: 'כהן', shaped: 'כהן' },
      { family: 'noto-sans', text: '(', shaped: ')' }, { family: 'hebrew', text: 'שרה ', shaped: 'שרה ' },
    ]);
    expect(shown('שרה (כהן)')).toBe('(ןהכ) הרש');
  });

  it('keeps Arabic-Indic digits left to right inside an Arabic phrase', () => {
    expect(shown('الساعة ١٤:٣٠')).toBe('١٤:٣٠ ةعاسلا');
  });

  it('reads an emoji as a neutral, not as a left-to-right letter, so "🎂 טקס" runs right to left', () => {
    const paragraph = bidiParagraph('🎂 טקס');
    expect(paragraph.levels.paragraphs[0]!.level).toBe(1);
    expect(visual('🎂 טקס').map((r) => r.text)).toEqual(['טקס', ' ', '🎂']);
    // A family emoji stays one sequence on a right-to-left level.
    expect(visual('שלום 👨‍👩‍👧 עולם').map((r) => r.text)).toEqual(['עולם', ' ', '👨‍👩‍👧', ' ', 'שלום']);
  });

  it('isolates a field with a right-to-left letter so it takes its own direction after a label, and leaves Latin fields alone', () => {
    expect(isolate('Kew Gardens')).toBe('Kew Gardens');
    expect(isolate('שרה')).toBe('\u2068שרה\u2069');
    expect(shown(`Where: ${isolate('טקס 14:30 at The Orangery')}`)).toBe('Where: at The Orangery 14:30 סקט');
    // Without the isolate the line runs left to right: only "טקס 14:30" turns (the digits follow the Hebrew, W7).
    expect(shown('Where: טקס 14:30 at The Orangery')).toBe('Where: 14:30 סקט at The Orangery');
  });

  it('orders only the clusters of the line it is given', () => {
    const text = 'שלום עולם Rose garden';
    const clusters = scriptClusters(text, covers, EMOJI_FAMILIES);
    const paragraph = bidiParagraph(text);
    expect(visualRuns(paragraph, clusters, 0, 9)).toEqual([{ family: 'hebrew', text: 'שלום עולם', shaped: 'שלום עולם', rtl: true, start: 0 }]);
    expect(visualRuns(paragraph, clusters, 10, clusters.length)).toEqual([{ family: 'helvetica', text: 'Rose garden', shaped: 'Rose garden', rtl: false, start: 10 }]);
    expect(paragraph.mixed).toBe(true);
    expect(bidiParagraph('Café Müller 李伟').mixed).toBe(false);
  });
});
