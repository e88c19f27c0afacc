import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { SchemaError, WeddingDoc } from '../../schema/index.ts';
import { duplicateRefusal } from '../../client/app/src/vendors/duplicates.ts';
import { withoutIds } from '../../client/app/src/ui/labels.ts';
import { offlineCopyNotice } from '../../client/app/src/wedding/copy-age.ts';

function refusalOf(write: (doc: WeddingDoc) => void, doc: WeddingDoc): SchemaError {
  try {
    write(doc);
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
  throw new Error('the write was not refused');
}

describe('a duplicate vendor refused', () => {
  const doc = new WeddingDoc(new Y.Doc());
  doc.upsertVendor({ id: 'ven_f4251e96eefd27ff', name: 'Lens & Light', category: 'photographer', phone: '+44 20 7946 0000' });
  doc.upsertVendor({ id: 'ven_82c8ab8974339c93', name: 'Petal & Stem', category: 'florist', email: 'petal@example.com' });

  it('names the other vendor in the document’s message and issue, and carries its id apart from the words', () => {
    const err = refusalOf((d) => d.upsertVendor({ id: 'ven_0000000000000001', name: 'Lens and Light', category: 'photographer', phone: '+44 (0)20 7946 0000' }), doc);
    expect(err.code).toBe('duplicate');
    expect(err.message).toBe('Lens & Light, another vendor of this wedding, already has this phone number');
    expect(err.issues).toEqual([{ path: 'phone', message: 'Lens & Light already has this phone number', vendorId: 'ven_f4251e96eefd27ff' }]);
  });

  it('tells a planner to open the other vendor when adding, and to merge when editing', () => {
    const err = refusalOf((d) => d.upsertVendor({ id: 'ven_f4251e96eefd27ff', email: 'PETAL@example.com' }), doc);
    const vendors = doc.listVendors();
    expect(duplicateRefusal(err, vendors, 'edit')).toEqual({ text: 'Petal & Stem already has this e-mail address; if they are one vendor, merge the two.', other: expect.objectContaining({ name: 'Petal & Stem' }) });
    expect(duplicateRefusal(err, vendors, 'add').text).toBe('Petal & Stem already has this e-mail address; if it is the same vendor, change that vendor instead of adding another.');
    expect(duplicateRefusal(err, [], 'add')).toEqual({ text: 'another vendor of this wedding already has this e-mail address; if it is the same vendor, change it instead of adding another.', other: undefined });
  });
});

describe('a refusal shown to a person', () => {
  it('never shows an internal id, whatever the server put in it', () => {
    expect(withoutIds('wedding has no vendor ven_f4251e96eefd27ff')).toBe('wedding has no vendor one of them');
    expect(withoutIds('Lens & Light already has this phone number')).toBe('Lens & Light already has this phone number');
    expect(withoutIds('the same as vendor ven_f4251e96eefd27ff and evt_0123456789abcdef')).not.toMatch(/_[0-9a-f]{16}/);
  });
});

describe('the offline wedding’s copy, dated', () => {
  // UTC instants shown in the wedding's zone, New York (UTC−5 in December), whatever the device's zone.
  const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`).getTime() + 5 * 3_600_000;
  const zone = 'America/New_York';

  it('says when the copy was last in sync with the server, on a 24-hour clock', () => {
    expect(offlineCopyNotice(at('14:14'), null, zone, at('14:20'))).toBe('This is the wedding as of 14:14 (6 minutes ago), when this device was last in sync with the server.');
  });

  it('says My schedule is newer when its copy was read after the wedding was last in sync', () => {
    expect(offlineCopyNotice(at('14:14'), at('14:19'), zone, at('14:20'))).toBe(
      'This is the wedding as of 14:14 (6 minutes ago), when this device was last in sync with the server. My schedule has a newer copy (as of 14:19): where times differ, My schedule is the later word.');
    expect(offlineCopyNotice(at('14:14'), at('14:10'), zone, at('14:20'))).not.toContain('My schedule');
  });

  it('admits when it cannot date the copy', () => {
    expect(offlineCopyNotice(null, null, zone, at('14:20'))).toBe('This device has not recorded when its copy of the wedding was last in sync with the server.');
  });
});

describe('the compose form’s Send button', () => {
  it('says whom, by role and by name', async () => {
    const { sendLabel } = await import('../../client/app/src/messages/message-labels.ts');
    expect(sendLabel(['couple'], ['Lens & Light'])).toBe('Send to the couple and Lens & Light');
    expect(sendLabel([], ['Lens & Light'])).toBe('Send to Lens & Light');
    expect(sendLabel(['couple', 'photographer'], ['Petal Co', 'Cake Co', 'DJ Jo'])).toBe('Send to the couple, every photographer, Petal Co and 2 more');
    expect(sendLabel([], [])).toBe('Send');
  });
});
