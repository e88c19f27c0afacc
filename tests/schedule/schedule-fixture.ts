import type * as Y from 'yjs';
import { notesText, setCrew } from '../../schema/document/contributions.ts';
import { WeddingDoc } from '../../schema/index.ts';

/** Strings only planners (or only the couple and planners) may read: none may reach a vendor's view. */
export const HIDDEN_FROM_VENDOR = [
  'caterer@secret.example', '+44 20 7000 0001', 'caterer internal note', 'caterer crew note', 'caterer invoice',
  'Aunt May', 'may@family.example', 'couple private note', 'CATERER-PAY-DESC',
] as const;

/**
 * A wedding in Europe/London (BST in June): Lens & Light (photo) is on two events, Feast Co
 * (caterer) on two, one of them after midnight. Everything a vendor must not see carries one of
 * HIDDEN_FROM_VENDOR's strings.
 */
export function seedWedding(ydoc: Y.Doc, title: string): void {
  const w = new WeddingDoc(ydoc);
  w.setMeta({ title, date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens', status: 'planning' });
  w.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@lens.example', phone: '+44 20 7000 0002', notes: 'photo own note' });
  w.upsertVendor({ id: 'cater', name: 'Feast Co', category: 'caterer', email: 'caterer@secret.example', phone: '+44 20 7000 0001', notes: 'caterer internal note' });
  w.upsertEvent({ id: 'ready', title: 'Groom getting ready', start: '2027-06-12T13:30:00Z', end: '2027-06-12T14:00:00Z', location: 'Hotel suite', vendorIds: ['photo'], notes: 'Bring the cufflinks' });
  w.upsertEvent({ id: 'family', title: 'Family photos', start: '2027-06-12T13:45:00Z', end: '2027-06-12T14:15:00Z', location: 'Rose garden', vendorIds: ['photo', 'cater'] });
  w.upsertEvent({ id: 'dinner', title: 'Dinner', start: '2027-06-12T17:00:00Z', end: '2027-06-12T19:00:00Z', location: 'Orangery', vendorIds: ['cater'] });
  w.upsertEvent({ id: 'late', title: 'Late snacks', start: '2027-06-12T23:30:00Z', end: '2027-06-13T00:15:00Z', location: 'Orangery', vendorIds: ['cater'] });
  setCrew(ydoc, 'family', 'photo', { arrival: '2027-06-12T13:15:00Z', notes: 'photo crew note', confirmed: true });
  setCrew(ydoc, 'family', 'cater', { arrival: '2027-06-12T12:00:00Z', notes: 'caterer crew note', confirmed: false });
  w.upsertPayment({ id: 'p-photo', vendorId: 'photo', description: 'Photo deposit', milestone: 'deposit', amount: 50000, amountPaid: 50000, currency: 'GBP', status: 'paid', due: '2027-01-10' });
  w.upsertPayment({ id: 'p-cater', vendorId: 'cater', description: 'CATERER-PAY-DESC', milestone: 'deposit', amount: 120000, amountPaid: 0, currency: 'GBP', status: 'pending', due: '2027-03-01', invoiceRef: 'caterer invoice' });
  w.upsertContact({ id: 'aunt', name: 'Aunt May', role: 'family', email: 'may@family.example' });
  notesText(ydoc, 'couple').insert(0, 'couple private note');
  w.updateGuests({ count: 120, rsvpYes: 100, rsvpNo: 5, rsvpPending: 15, dietary: { vegetarian: 12 } });
}
