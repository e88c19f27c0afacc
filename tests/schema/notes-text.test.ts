import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, isWellFormed, replaceText, wellFormed } from '../../schema/index.ts';
import { trickyText, unicodeText, utf16Units } from '../helpers/unicode.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' };

/** A writer whose every update reaches a second peer, as the server relays it. */
function twoPeers() {
  const writer = new Y.Doc();
  const peer = new Y.Doc();
  writer.on('update', (u: Uint8Array) => Y.applyUpdate(peer, u));
  return { writer, peer, w: new WeddingDoc(writer), p: new WeddingDoc(peer) };
}

/** What the server stores and a fresh client loads: the encoded state applied to a new document. */
function storedCopy(doc: Y.Doc): WeddingDoc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return new WeddingDoc(copy);
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('event notes as Unicode text', () => {
  it('reads "Bring 😃" for the writer, every other peer and the stored copy after "Bring 😀" → "Bring 😃"', () => {
    const { writer, w, p } = twoPeers();
    w.upsertEvent({ ...ceremony, notes: 'Bring 😀' });
    w.upsertEvent({ id: 'ceremony', notes: 'Bring 😃' });
    expect(w.getEvent('ceremony')!.notes).toBe('Bring 😃');
    expect(p.getEvent('ceremony')!.notes).toBe('Bring 😃');
    expect(storedCopy(writer).getEvent('ceremony')!.notes).toBe('Bring 😃');
  });

  it('changes a skin tone, a flag, a ZWJ family and a combining accent whole', () => {
    const { writer, w, p } = twoPeers();
    const steps = ['Toast 👍 🇫🇷 👩‍👩‍👧 cafe\u0301', 'Toast 👍🏽 🇫🇷 👩‍👩‍👧‍👦 cafe\u0301', 'Toast 👍🏽 🇩🇪 👩‍👩‍👧‍👦 cafe\u0302', 'Toast 👍 🇩🇪 👨‍👩‍👧‍👦 café'];
    w.upsertEvent({ ...ceremony, notes: steps[0] });
    for (const notes of steps.slice(1)) {
      w.upsertEvent({ id: 'ceremony', notes });
      for (const d of [w, p, storedCopy(writer)]) expect(d.getEvent('ceremony')!.notes).toBe(notes);
    }
  });

  it('writes a lone surrogate as U+FFFD instead of sending half a character', () => {
    const { w, p } = twoPeers();
    w.upsertEvent({ ...ceremony, notes: 'x\uD83D' });
    expect(w.getEvent('ceremony')!.notes).toBe('x\uFFFD');
    expect(p.getEvent('ceremony')!.notes).toBe('x\uFFFD');
  });

  it('a lone surrogate in any text field is stored as U+FFFD, so the writer reads what every peer reads', () => {
    fc.assert(fc.property(utf16Units(30), utf16Units(30), (title, location) => {
      const { writer, w, p } = twoPeers();
      w.upsertEvent({ ...ceremony, title: `T${title}`, location });
      w.upsertVendor({ id: 'dj', name: `DJ ${title}`, category: 'dj' });
      const mine = w.getEvent('ceremony')!;
      // Titles are trimmed (Label); every other character stays.
      expect(mine).toMatchObject({ title: wellFormed(`T${title}`).trim(), location: wellFormed(location) });
      expect(p.getEvent('ceremony')).toEqual(mine);
      expect(storedCopy(writer).getEvent('ceremony')).toEqual(mine);
      expect(p.getVendor('dj')!.name).toBe(w.getVendor('dj')!.name);
    }), { numRuns: 100 });
  });

  it('every peer and the stored copy read exactly what the writer wrote, for any sequence of notes', () => {
    const notes = fc.oneof(unicodeText(30), trickyText(10));
    fc.assert(fc.property(fc.array(notes, { minLength: 1, maxLength: 6 }), (sequence) => {
      const { writer, w, p } = twoPeers();
      w.upsertEvent({ ...ceremony, notes: sequence[0] });
      for (const n of sequence) {
        w.upsertEvent({ id: 'ceremony', notes: n });
        expect(w.getEvent('ceremony')!.notes).toBe(n);
        expect(p.getEvent('ceremony')!.notes).toBe(n);
      }
      expect(storedCopy(writer).getEvent('ceremony')!.notes).toBe(sequence.at(-1));
    }), { numRuns: 80 });
  });

  it('concurrent edits of the same notes merge into well-formed text with both edits whole', () => {
    fc.assert(fc.property(trickyText(8), trickyText(4), trickyText(4), (base, a, b) => {
      const one = new Y.Doc();
      const two = new Y.Doc();
      const t1 = one.getText('notes');
      replaceText(t1, `${base}|${base}`);
      sync(one, two);
      const t2 = two.getText('notes');
      // Each side changes a different half, both next to shared surrogates and combining marks.
      replaceText(t1, `${base}${a}|${base}`);
      replaceText(t2, `${base}|${b}${base}`);
      sync(one, two);
      const merged = t1.toString();
      expect(t2.toString()).toBe(merged);
      expect(isWellFormed(merged)).toBe(true);
      expect(merged).not.toContain('\uFFFD');
      expect(merged).toBe(`${base}${a}|${b}${base}`);
    }), { numRuns: 300 });
  });
});
