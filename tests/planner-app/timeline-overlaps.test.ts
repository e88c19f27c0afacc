import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlapRemarks } from '../../client/app/src/timeline/overlaps.ts';
import { assertProperty } from '../helpers/property.ts';

const at = (hhmm: string) => `2027-06-12T${hhmm}:00+01:00`;
const ev = (id: string, title: string, start: string, end: string, vendorIds: string[] = []) => ({ id, title, start: at(start), end: at(end), vendorIds });
const NAMES: Record<string, string> = { photo: 'Lens & Light', dj: 'Night Owl Sound', flor: 'Petal & Stem' };
const name = (id: string) => NAMES[id] ?? id;

describe('overlapping events on the timeline', () => {
  it('are remarked on, a shared vendor as a clash; touching ones and the rest are not', () => {
    const remarks = overlapRemarks([
      ev('ceremony', 'Ceremony', '14:00', '15:00', ['photo']),
      ev('portraits', 'Couple portraits', '14:45', '15:30', ['photo']),
      ev('drinks', 'Drinks reception', '15:00', '16:30', ['dj']),
      ev('dinner', 'Dinner', '16:30', '18:00', ['dj']),
    ], name);
    expect(remarks.get('ceremony')).toEqual({ text: 'Overlaps “Couple portraits”: Lens & Light is on both.', clash: true });
    expect(remarks.get('portraits')).toEqual({ text: 'Overlaps “Ceremony” and “Drinks reception”: Lens & Light is on more than one.', clash: true });
    expect(remarks.get('drinks')).toEqual({ text: 'Overlaps “Couple portraits”.', clash: false });
    // Drinks end as dinner starts: no overlap.
    expect(remarks.has('dinner')).toBe(false);
  });

  it('names two and counts the rest, clashes first; leaves out events whose times do not parse or run backwards', () => {
    const remarks = overlapRemarks([
      ev('a', 'Getting ready', '10:00', '13:00'),
      ev('b', 'Hair', '10:30', '11:30'),
      ev('c', 'Make-up', '11:00', '12:00'),
      ev('d', 'Flowers arrive', '11:15', '11:45', []),
      ev('e', 'Bouquet handover', '12:30', '12:45'),
      { id: 'bad', title: 'Broken', start: 'not a time', end: at('12:00'), vendorIds: [] },
      ev('back', 'Backwards', '12:00', '11:00'),
    ], name);
    expect(remarks.get('a')?.text).toBe('Overlaps “Hair” and “Make-up” and 2 more.');
    expect(remarks.has('bad')).toBe(false);
    expect(remarks.has('back')).toBe(false);
    const clashFirst = overlapRemarks([ev('x', 'X', '10:00', '12:00', ['flor']), ev('y', 'Y', '10:00', '11:00'), ev('z', 'Z', '10:30', '11:30', ['flor'])], name);
    expect(clashFirst.get('x')).toEqual({ text: 'Overlaps “Z” and “Y”: Petal & Stem is on more than one.', clash: true });
  });

  it('agrees with the definition pair by pair: A remarks B exactly when they share time, and then B remarks A', () => {
    const event = fc.record({ s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }), v: fc.subarray(['photo', 'dj', 'flor']) });
    assertProperty(fc.property(fc.array(event, { maxLength: 10 }), (list) => {
      const hm = (quarter: number) => `${String(8 + Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;
      const events = list.map((x, i) => ev(`e${i}`, `E${i}`, hm(x.s), hm(x.s + x.len), x.v));
      const remarks = overlapRemarks(events, name);
      list.forEach((a, i) => {
        const others = list.filter((b, j) => j !== i && a.s < b.s + b.len && b.s < a.s + a.len);
        const clash = others.some((b) => b.v.some((v) => a.v.includes(v)));
        if (others.length === 0) expect(remarks.has(`e${i}`)).toBe(false);
        else expect(remarks.get(`e${i}`)?.clash).toBe(clash);
      });
    }));
  });
});
