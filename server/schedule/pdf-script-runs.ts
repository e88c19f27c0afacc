/**
 * Splits one piece of text into runs, each set in one font family, so that a name like
 * "李伟 & 佐藤さくら" prints with glyphs from fonts that have them (issue 14). Pure: which font has
 * which glyph comes in as `covers`, so the rules are tested without fonts.
 *
 * Rules, per grapheme cluster (a letter with its marks, an emoji sequence, a flag):
 * - Each cluster has a chain of families by script; it takes the first family that has every code
 *   point of it (variation selectors and joiners aside, for families other than emoji), or the
 *   chain's first family when none does (it then prints the font's missing-glyph box).
 * - A stretch of Chinese, Japanese or Korean characters (a name, a word) is set in one face where one
 *   face has all of it: the Korean face when it holds Hangul, the Japanese one when it holds kana,
 *   the Chinese one otherwise; so 佐藤 in "佐藤さくら" has Japanese glyph forms and 李伟 Chinese ones
 *   (a Japanese name in kanji alone, such as 佐藤健, gets the Chinese forms).
 * - Latin-script text stays in Helvetica (not embedded) when every Latin, digit and punctuation
 *   character of the text is in Windows-1252; otherwise all of it goes to Noto Sans, so a word such
 *   as "Nguyễn" is never set in two fonts.
 * - Spaces and punctuation join the run around them when both sides share a family, and otherwise
 *   the run before them unless that run is right-to-left or emoji: " & " in "محمد & Sam" goes with
 *   the Latin, in the face the bidirectional layout sets neutrals in around it (pdf-bidi.ts), and
 *   the emoji font has wide spaces.
 * - Thai and Devanagari go to their own faces; HarfBuzz shapes them (pdf-shaping.ts).
 * - Bidirectional controls (LRM, RLM, ALM, embeddings, isolates) steer the order of a line
 *   (pdf-bidi.ts) and are never drawn, so they are left out of the runs' texts and do not move
 *   Latin text out of Helvetica.
 * `scriptRuns` keeps logical order, which is the visual order only of a paragraph with no
 * right-to-left character; the PDF lays every paragraph that needs an embedded face out line by line
 * from `scriptClusters`, in the order of the Unicode bidirectional algorithm (pdf-bidi.ts,
 * pdf-bidi-layout.ts), and HarfBuzz shapes each piece (pdf-shaping.ts).
 */

export type FaceStyle = 'regular' | 'bold' | 'italic';

export type Family = 'helvetica' | 'noto-sans' | 'sc' | 'jp' | 'kr' | 'arabic' | 'hebrew' | 'thai' | 'devanagari' | `emoji-${number}`;

export interface ScriptRun {
  family: Family;
  text: string;
}

/** One grapheme cluster of a text and the family it is set in. */
export interface ScriptCluster {
  /** Offset of the cluster in the text, UTF-16 code units. */
  start: number;
  /** The cluster as it is in the text. */
  text: string;
  /** What is drawn: the cluster without variation selectors its family lacks, nor bidi controls (maybe ''). */
  shown: string;
  family: Family;
}

/** Whether a family has a glyph for every code point. */
export type Covers = (family: Family, codePoints: readonly number[]) => boolean;

/** The families of right-to-left scripts, whose pieces are shaped right to left whole. */
export const RTL_FAMILIES: ReadonlySet<Family> = new Set(['arabic', 'hebrew']);

const HAN = /[\p{Script=Han}\u3000-\u303f\u3190-\u319f\u31c0-\u31ef\u3200-\u33ff\ufe30-\ufe4f\uff00-\uffef]/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;
const ARABIC = /\p{Script=Arabic}/u;
const HEBREW = /\p{Script=Hebrew}/u;
const THAI = /\p{Script=Thai}/u;
const DEVANAGARI = /\p{Script=Devanagari}/u;
const BIDI_CONTROL = /\p{Bidi_Control}/gu;
const NEUTRAL = /^[\p{White_Space}\p{P}\p{Sm}\p{Sk}]+$/u;
const EMOJI = /\p{Emoji_Presentation}|\p{Regional_Indicator}|\ufe0f|\u20e3/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
/** Code points a text font may lack without harm: variation selectors and (non-)joiners. */
const IGNORABLE = new Set([0xfe0e, 0xfe0f, 0x200c, 0x200d]);

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

type Kind = 'emoji' | 'han' | 'kana' | 'hangul' | 'arabic' | 'hebrew' | 'thai' | 'devanagari' | 'neutral' | 'latin';

function kindOf(cluster: string, winAnsiOnly: (cp: number) => boolean): Kind {
  if (EMOJI.test(cluster) || (PICTOGRAPH.test(cluster) && ![...cluster].every((c) => winAnsiOnly(c.codePointAt(0)!)))) return 'emoji';
  if (KANA.test(cluster)) return 'kana';
  if (HANGUL.test(cluster)) return 'hangul';
  if (HAN.test(cluster)) return 'han';
  if (ARABIC.test(cluster)) return 'arabic';
  if (HEBREW.test(cluster)) return 'hebrew';
  if (THAI.test(cluster)) return 'thai';
  if (DEVANAGARI.test(cluster)) return 'devanagari';
  if (NEUTRAL.test(cluster) || cluster.replace(BIDI_CONTROL, '') === '') return 'neutral';
  return 'latin';
}

/** Whether spaces and punctuation may join a run of this family from one side only. */
function inline(family: Family): boolean {
  return !RTL_FAMILIES.has(family) && !family.startsWith('emoji-');
}

function isCjk(kind: Kind): boolean {
  return kind === 'han' || kind === 'kana' || kind === 'hangul';
}

function codePoints(cluster: string): number[] {
  return [...cluster].map((c) => c.codePointAt(0)!);
}

/**
 * The grapheme clusters of `text` in logical order, each with the family it is set in (the rules
 * above). A Windows-1252 text is one Helvetica cluster: nothing in it needs a face of its own.
 * @param emojiFamilies the emoji families to try in order (one font may be sliced in several).
 */
export function scriptClusters(text: string, covers: Covers, emojiFamilies: readonly Family[]): ScriptCluster[] {
  if (text === '') return [];
  if (covers('helvetica', codePoints(text))) return [{ start: 0, text, shown: text, family: 'helvetica' }];
  const segments = [...segmenter.segment(text)];
  const clusters = segments.map((s) => s.segment);
  const helveticaHas = (cp: number) => covers('helvetica', [cp]);
  const kinds = clusters.map((c) => kindOf(c, helveticaHas));
  const latinFamily: Family = clusters.every((c, i) => (kinds[i] !== 'latin' && kinds[i] !== 'neutral') || covers('helvetica', codePoints(c.replace(BIDI_CONTROL, ''))))
    ? 'helvetica' : 'noto-sans';
  const latinChain: Family[] = [latinFamily, 'noto-sans', 'sc', 'jp', 'kr'];
  const chains: Record<Exclude<Kind, 'neutral' | 'han' | 'kana' | 'hangul'>, Family[]> = {
    emoji: [...emojiFamilies, 'noto-sans', 'sc'],
    arabic: ['arabic'],
    hebrew: ['hebrew'],
    thai: ['thai'],
    devanagari: ['devanagari'],
    latin: latinChain,
  };
  const has = (family: Family, cluster: string) => {
    const cps = codePoints(cluster.replace(BIDI_CONTROL, ''));
    const needed = family.startsWith('emoji-') ? cps : cps.filter((cp) => !IGNORABLE.has(cp));
    return needed.length === 0 || covers(family, needed);
  };
  const pick = (chain: readonly Family[], cluster: string) => chain.find((f) => has(f, cluster)) ?? chain[0]!;

  const families: Array<Family | undefined> = kinds.map((kind, i) =>
    kind === 'neutral' || kind === 'han' || kind === 'kana' || kind === 'hangul' ? undefined : pick(chains[kind], clusters[i]!));
  // A stretch of CJK (a name, a word) is set in one face where one face has all of it.
  for (let start = 0; start < clusters.length; start++) {
    if (!isCjk(kinds[start]!)) continue;
    let end = start;
    while (end < clusters.length && isCjk(kinds[end]!)) end++;
    const stretch = clusters.slice(start, end);
    const stretchKinds = kinds.slice(start, end);
    const chain: Family[] = stretchKinds.includes('hangul') ? ['kr', 'sc', 'jp']
      : stretchKinds.includes('kana') ? ['jp', 'sc', 'kr'] : ['sc', 'jp', 'kr'];
    const whole = chain.find((f) => stretch.every((c) => has(f, c)));
    for (let i = start; i < end; i++) families[i] = whole ?? pick(stretchKinds[i - start] === 'hangul' ? ['kr', ...chain] : chain, clusters[i]!);
    start = end - 1;
  }
  for (let i = 0; i < clusters.length; i++) {
    if (families[i] !== undefined) continue;
    const before = families.slice(0, i).findLast((f) => f !== undefined);
    const after = families.slice(i + 1).find((f) => f !== undefined);
    const cluster = clusters[i]!;
    const candidates = [
      before !== undefined && before === after ? before : undefined,
      before !== undefined && inline(before) ? before : undefined,
      after !== undefined && inline(after) ? after : undefined,
    ].filter((f): f is Family => f !== undefined && has(f, cluster));
    families[i] = candidates[0] ?? pick(latinChain, cluster);
  }
  return segments.map(({ segment, index }, i) => {
    const family = families[i]!;
    const visible = segment.replace(BIDI_CONTROL, '');
    const shown = family.startsWith('emoji-') || covers(family, [0xfe0f]) ? visible : visible.replace(/[\ufe0e\ufe0f]/gu, '');
    return { start: index, text: segment, shown, family };
  });
}

/**
 * The runs of `text`, in logical order, whose texts join back to `text` except for variation
 * selectors dropped where the chosen font has none, and bidi controls.
 * @param emojiFamilies the emoji families to try in order (one font may be sliced in several).
 */
export function scriptRuns(text: string, covers: Covers, emojiFamilies: readonly Family[]): ScriptRun[] {
  return runsOf(scriptClusters(text, covers, emojiFamilies));
}

/** The clusters of `scriptClusters` joined into runs of one family each, in logical order (see `scriptRuns`). */
export function runsOf(clusters: readonly ScriptCluster[]): ScriptRun[] {
  const runs: ScriptRun[] = [];
  for (const { family, shown } of clusters) {
    const last = runs.at(-1);
    if (last?.family === family) last.text += shown;
    else runs.push({ family, text: shown });
  }
  return runs.filter((r) => r.text !== '');
}
