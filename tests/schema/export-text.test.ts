import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, isWellFormed, wellFormed, wellFormedDeep } from '../../schema/index.ts';
import { unicodeText, utf16Units } from '../helpers/unicode.ts';
import { hasVisibleText } from '../../schema/document/visible-text.ts';

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/** A wedding written through the typed accessors, with the given texts in every text field. */
function wedding(texts: { title: string; notes: string; venue: string; vendor: string; body: string }): WeddingDoc {
  const w = new WeddingDoc(new Y.Doc());
  w.setMeta({ title: 'Wedding', venue: texts.venue });
  w.upsertEvent({ id: 'e1', title: hasVisibleText(texts.title) ? texts.title.trim() : 'x', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', notes: texts.notes, location: texts.venue });
  w.upsertVendor({ id: 'v1', name: hasVisibleText(texts.vendor) ? texts.vendor.trim() : 'v', category: 'dj' });
  w.appendMessage({ id: 'm1', senderId: 'pat', type: 'note', body: texts.body || 'b', subject: texts.title });
  return w;
}

describe('the document as written out (admin export)', () => {
  it('keeps any well-formed text exactly, and makes every string of any document well-formed', () => {
    const text = (n: number) => fc.oneof(unicodeText(n), utf16Units(n));
    fc.assert(fc.property(fc.record({ title: text(40), notes: text(120), venue: text(40), vendor: text(30), body: text(80) }), (texts) => {
      const json = wedding(texts).toJSON();
      const out = wellFormedDeep(json);
      for (const s of strings(out)) expect(isWellFormed(s)).toBe(true);
      expect(JSON.stringify(out)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
      expect(out.timeline.e1!.notes).toBe(wellFormed(texts.notes));
      if (strings(json).every(isWellFormed)) expect(out).toEqual(json);
    }), { numRuns: 60 });
  });
});
