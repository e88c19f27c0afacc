import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, diffSections } from '../../schema/index.ts';
import { changedWords, entryName } from '../../client/app/src/admin/restore-words.ts';
import { weddingFacts } from '../../client/app/src/conflicts/wedding-facts.ts';

const DATE = '2027-06-12';

describe('a restore preview’s changes', () => {
  it('say each field’s value now and the snapshot’s, in the wedding’s words', () => {
    const doc = new WeddingDoc(new Y.Doc());
    doc.setMeta({ title: 'Ana & Ben', date: DATE, timezone: 'Europe/London', venue: 'Kew Barn' });
    doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
    doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', location: 'Kew Barn', start: `${DATE}T14:00:00+01:00`, end: `${DATE}T14:45:00+01:00`, vendorIds: ['photo'] });
    const snapshot = doc.toJSON();
    doc.upsertEvent({ id: 'ceremony', location: 'Old Mill', start: `${DATE}T14:30:00+01:00`, vendorIds: [] });
    doc.setMeta({ venue: 'Old Mill' });
    const changes = diffSections(doc.toJSON(), snapshot, ['meta', 'timeline']);
    const facts = weddingFacts(doc, 'Europe/London', DATE);
    expect(changedWords('timeline', changes.timeline!.changed[0]!, facts))
      .toBe('Ceremony — location from “Old Mill” to “Kew Barn”; start from 14:30 to 14:00; vendors from none to Lens & Light');
    expect(changedWords('meta', changes.meta!.changed[0]!, facts)).toBe('venue from “Old Mill” to “Kew Barn”');
    // A payment has no title: it is named from the wedding, never by its id.
    doc.upsertPayment({ id: 'pay_1', vendorId: 'photo', amount: 40_000, currency: 'GBP', milestone: 'deposit' });
    expect(entryName('payments', { id: 'pay_1', label: 'pay_1' }, facts)).toBe('Lens & Light’s deposit payment (£400.00)');
    expect(entryName('payments', { id: 'pay_gone', label: 'pay_gone' }, facts)).toBe('a payment');
    expect(entryName('timeline', { id: 'ceremony', label: 'Ceremony' }, facts)).toBe('Ceremony');
  });
});
