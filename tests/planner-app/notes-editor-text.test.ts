import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isWellFormed, replaceText, textEdit } from '../../schema/index.ts';
import { initials } from '../../client/app/src/presence/initials.ts';
import { selectionAfter } from '../../client/app/src/timeline/notes-selection.ts';
import { graphemeBoundaries, trickyText, unicodeText } from '../helpers/unicode.ts';

/** Two peers' notes, kept in sync as the server relays updates. */
function peers(initial: string) {
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  mine.on('update', (u: Uint8Array) => Y.applyUpdate(theirs, u));
  theirs.on('update', (u: Uint8Array) => Y.applyUpdate(mine, u));
  replaceText(mine.getText('notes'), initial);
  return { mine: mine.getText('notes'), theirs: theirs.getText('notes') };
}

const text = fc.oneof(unicodeText(30), trickyText(10));

describe('the notes editor with any Unicode text', () => {
  it('typing (each input event is replaceText of the textarea value) reaches the other peer exactly', () => {
    fc.assert(fc.property(text, fc.array(fc.tuple(fc.nat(), text, fc.nat(3)), { maxLength: 6 }), (initial, keystrokes) => {
      const { mine, theirs } = peers(initial);
      let value = initial;
      for (const [at, typed, erase] of keystrokes) {
        // The caret sits on a grapheme boundary; typing may also delete whole graphemes before it.
        const bounds = [...graphemeBoundaries(value)].sort((a, b) => a - b);
        const i = bounds[at % bounds.length]!;
        const from = bounds[Math.max(0, bounds.indexOf(i) - erase)]!;
        value = value.slice(0, from) + typed + value.slice(i);
        replaceText(mine, value);
        expect(mine.toString()).toBe(value);
        expect(theirs.toString()).toBe(value);
      }
    }), { numRuns: 200 });
  });

  it('a remote edit moves the caret to a grapheme boundary of the new text, by the remote change only', () => {
    fc.assert(fc.property(text, text, fc.nat(), (initial, next, at) => {
      const { mine, theirs } = peers(initial);
      const bounds = [...graphemeBoundaries(initial)].sort((a, b) => a - b);
      const caret = bounds[at % bounds.length]!;
      let moved: { start: number; end: number } | null = null;
      mine.observe((event) => { moved = selectionAfter(event.delta, moved?.start ?? caret, moved?.end ?? caret); });
      replaceText(theirs, next);
      expect(mine.toString()).toBe(next);
      if (initial === next) return;
      expect(moved).not.toBeNull();
      const { start, end } = moved!;
      expect(start).toBe(end);
      expect(graphemeBoundaries(next).has(start)).toBe(true);
      // Text on either side of the caret that the remote edit did not touch stays on that side.
      const edit = textEdit(initial, next)!;
      if (caret <= edit.index) expect(start).toBe(caret);
      else if (caret >= edit.index + edit.remove) expect(start).toBe(caret + edit.insert.length - edit.remove);
      else expect(start).toBe(edit.index);
    }), { numRuns: 300 });
  });

  it('the issue\'s example from the editor: Bring 😀 → Bring 😃 with the caret after the emoji', () => {
    const { mine, theirs } = peers('Bring 😀!');
    let moved: { start: number; end: number } | null = null;
    theirs.observe((event) => { moved = selectionAfter(event.delta, 8, 8); });
    replaceText(mine, 'Bring 😃!');
    expect(theirs.toString()).toBe('Bring 😃!');
    expect(moved).toEqual({ start: 8, end: 8 });
  });
});

describe('presence initials', () => {
  it('take whole graphemes: astral letters, combining accents, emoji names', () => {
    expect(initials('𠀀明 𝒜lice')).toBe('𠀀𝒜');
    expect(initials('E\u0301mile zoë')).toBe('E\u0301Z');
    expect(initials('🌸 Zoë')).toBe('Z');
    expect(initials('🌸')).toBe('?');
    fc.assert(fc.property(unicodeText(30), (name) => {
      const out = initials(name);
      expect(isWellFormed(out)).toBe(true);
    }));
  });
});
