import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { EMOJI_FAMILIES, covers, fileOf } from '../../server/schedule/pdf-fonts.ts';
import { shape } from '../../server/schedule/pdf-shaping.ts';
import { scriptClusters } from '../../server/schedule/pdf-script-runs.ts';

/** The glyph names of `text` shaped in the face the run-of-show PDF picks for it, with their offsets (font units). */
const shaped = (text: string) => {
  const family = scriptClusters(text, covers, EMOJI_FAMILIES)[0]!.family;
  if (family === 'helvetica') throw new Error(`${text} needs no embedded face`);
  const file = fileOf(family, 'regular');
  const font = fontkit.openSync(file) as fontkit.Font;
  return shape(file, text, false).glyphs.map((g) => ({ id: g.id, name: font.getGlyph(g.id).name, xAdvance: g.xAdvance, yOffset: g.yOffset }));
};
const names = (text: string) => shaped(text).map((g) => g.name);

describe('shaping text for the run-of-show PDF with HarfBuzz', () => {
  it('splits Thai SARA AM after a tone mark into NIKHAHIT + SARA AA, the nikhahit before the tone mark, which takes its raised form above it', () => {
    // Noto Sans Thai's GSUB: after a nikhahit the tone mark is the ".small" form drawn above it.
    expect(names('น้ำ')).toEqual(['uni0E19', 'uni0E4D', 'uni0E49.small', 'uni0E32']);
    expect(names('ท่ำ')).toEqual(['uni0E17', 'uni0E4D', 'uni0E48.small', 'uni0E32']);
    expect(names('ก๊ำ')).toEqual(['uni0E01', 'uni0E4D', 'uni0E4A.small', 'uni0E32']);
    // A tall consonant takes the narrow nikhahit.
    expect(names('ป่ำ')).toEqual(['uni0E1B', 'uni0E4D.narrow', 'uni0E48.small', 'uni0E32']);
    // SARA AM without a tone mark, and other stacked marks (vowel above + tone mark) stay in order.
    expect(names('ทำ')).toEqual(['uni0E17', 'uni0E4D', 'uni0E32']);
    expect(names('ปั้น')).toEqual(['uni0E1B', 'uni0E31.narrow', 'uni0E49.small', 'uni0E19']);
    expect(names('กิ่ง')).toEqual(['uni0E01', 'uni0E34', 'uni0E48.small', 'uni0E07']);
    // Marks take no room on the line: the word is as wide as its consonants and SARA AA.
    expect(shaped('น้ำ').filter((g) => g.xAdvance > 0).map((g) => g.name)).toEqual(['uni0E19', 'uni0E32']);
  });

  it('shapes every emoji sequence (family, skin tones, ZWJ professions, flags, subdivision flags, keycaps) to one visible glyph, none missing', () => {
    for (const emoji of ['👨‍👩‍👧', '👍🏽', '👩🏽‍💻', '🧑🏿‍🤝‍🧑🏻', '🫶🏼', '🇯🇵', '🏳️‍🌈', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '1️⃣', '#️⃣', '❤️', '🎂']) {
      expect({ emoji, clusters: scriptClusters(emoji, covers, EMOJI_FAMILIES).length }).toEqual({ emoji, clusters: 1 });
      const glyphs = shaped(emoji);
      expect({ emoji, missing: glyphs.some((g) => g.id === 0) }).toEqual({ emoji, missing: false });
      // A variation selector may leave an empty zero-width glyph; what is drawn is one glyph.
      expect({ emoji, visible: glyphs.filter((g) => g.xAdvance > 0).length }).toEqual({ emoji, visible: 1 });
    }
  });
});
