import { describe, expect, it } from 'vitest';
import { bidiParagraph, isolate, visualRuns } from '../../server/schedule/pdf-bidi.ts';
import { EMOJI_FAMILIES, covers } from '../../server/schedule/pdf-fonts.ts';
import { scriptClusters } from '../../server/schedule/pdf-script-runs.ts';

/** The runs to draw, left to right, for the whole of `text` as one line, with the real fonts' coverage. */
const visual = (text: string) => {
  const clusters = scriptClusters(text, covers, EMOJI_FAMILIES);
  return visualRuns(bidiParagraph(text), clusters, 0, clusters.length);
};
/** What each run shows, left to right: a run in a right-to-left font is reversed by fontkit. */
const shown = (text: string) => visual(text).map((r) => (r.family === 'hebrew' || r.family === 'arabic' ? [...r.text].reverse().join('') : r.text)).join('').replace(/\u00a0/g, ' ');

describe('ordering a mixed-direction line for the run-of-show PDF (UAX #9 through bidi-js)', () => {
  it('puts a Hebrew phrase with digits and Latin in right-to-left order, the Latin and digits left to right', () => {
    expect(visual('טקס 14:30 at The Orangery')).toEqual([
      { family: 'helvetica', text: 'at The Orangery 14:30 ' }, { family: 'hebrew', text: 'טקס' },
    ]);
    // European digits after Latin take the Latin's direction (W7): "Rose garden 3" stays one phrase.
    expect(visual('حفل الاستقبال – Rose garden 3')).toEqual([
      { family: 'helvetica', text: 'Rose garden 3 – ' }, { family: 'arabic', text: 'حفل\u00a0الاستقبال' },
    ]);
  });

  it('hands Arabic and Hebrew runs over in logical order (fontkit shapes and reverses them) and mirrors brackets of right-to-left levels', () => {
    expect(visual('שרה (כהן)')).toEqual([
      { family: 'helvetica', text: '(' }, { family: 'hebrew', text: 'כהן' }, { family: 'helvetica', text: ')' }, { family: 'hebrew', text: 'שרה\u00a0' },
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
    expect(visualRuns(paragraph, clusters, 0, 9)).toEqual([{ family: 'hebrew', text: 'שלום\u00a0עולם' }]);
    expect(visualRuns(paragraph, clusters, 10, clusters.length)).toEqual([{ family: 'helvetica', text: 'Rose garden' }]);
    expect(paragraph.mixed).toBe(true);
    expect(bidiParagraph('Café Müller 李伟').mixed).toBe(false);
  });
});
