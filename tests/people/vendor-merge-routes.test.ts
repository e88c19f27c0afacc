import { describe, expect, it } from 'vitest';
import { WeddingDoc, computeBudget, type BudgetResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const W = 'w-merge';

async function seed(t: TestServer) {
  await t.server.collab.withDocument(W, (ydoc) => {
    const w = new WeddingDoc(ydoc);
    w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
    w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example', status: 'booked' });
    w.upsertVendor({ id: 'lens2', name: 'Lens and Light', category: 'photographer', phone: '+44 20 7946 0000' });
    w.upsertVendor({ id: 'flora', name: 'Flora', category: 'florist' });
    w.upsertEvent({ id: 'photos', title: 'Family photos', start: '2027-06-12T14:45:00+01:00', end: '2027-06-12T15:15:00+01:00', vendorIds: ['lens2', 'flora'] });
    w.upsertEvent({ id: 'prep', title: 'Getting ready', start: '2027-06-12T10:00:00+01:00', end: '2027-06-12T11:00:00+01:00', vendorIds: ['lens', 'lens2'] });
    w.upsertPayment({ id: 'lens2-deposit', vendorId: 'lens2', amount: 50_000, currency: 'GBP', due: '2027-01-01', milestone: 'deposit' });
    w.upsertPayment({ id: 'flora-deposit', vendorId: 'flora', amount: 20_000, currency: 'EUR', due: '2027-01-01', milestone: 'deposit' });
  });
}

describe('merging and removing vendors over HTTP', () => {
  it('a planner merges a duplicate: events, payments, budget and the person bound to it follow the kept vendor', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', [W]);
    await seed(t);
    const studio = await signedIn(t, 'studio@lens.example', 'Lens studio');
    await t.server.people.addParticipant({ weddingId: W, personId: studio.person.id, role: 'vendor', vendorId: 'lens2' });
    const token = await ana.accessToken(W);

    const vendorToken = await studio.accessToken(W);
    const refused = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token: vendorToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'lens2', removeId: 'lens' }) });
    expect(refused.status).toBe(403);

    const same = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'lens', removeId: 'lens' }) });
    expect(same.status).toBe(400);
    const missing = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'lens', removeId: 'nobody' }) });
    expect(missing.status).toBe(404);
    expect((await t.server.people.participantsOf(W)).find((p) => p.personId === studio.person.id)?.vendorId).toBe('lens2');

    const res = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'lens', removeId: 'lens2' }) });
    expect(res.status).toBe(200);
    const body = await res.json() as { vendor: { phone: string }; moved: { eventIds: string[]; paymentIds: string[]; participants: number } };
    expect(body.vendor.phone).toBe('+44 20 7946 0000');
    expect(body.moved).toMatchObject({ eventIds: ['prep', 'photos'], paymentIds: ['lens2-deposit'], participants: 1 });

    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      expect(w.getVendor('lens2')).toBeUndefined();
      expect(w.getEvent('photos')!.vendorIds).toEqual(['lens', 'flora']);
      expect(w.getEvent('prep')!.vendorIds).toEqual(['lens']);
      expect(w.getPayment('lens2-deposit')!.vendorId).toBe('lens');
    });
    await waitFor(() => t.server.collab.withDocument(W, (ydoc) => {
      const b = new WeddingDoc(ydoc).getBudget();
      return !!b && Object.keys(b.vendors).sort().join() === 'flora,lens';
    }), 'the budget to name the kept vendor');
    // The person bound to the duplicate now acts for the kept vendor.
    expect((await t.server.people.participantsOf(W)).find((p) => p.personId === studio.person.id)?.vendorId).toBe('lens');
    expect(await t.server.tokens.verify(await studio.accessToken(W))).toMatchObject({ role: 'vendor', vendorId: 'lens' });
  });

  it('a planner removes a vendor: its assignments go, its payments stay in the budget as a removed vendor’s, its participant loses access', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', [W]);
    await seed(t);
    const florist = await signedIn(t, 'flo@flora.example', 'Flo');
    await t.server.people.addParticipant({ weddingId: W, personId: florist.person.id, role: 'vendor', vendorId: 'flora' });
    const token = await ana.accessToken(W);

    const res = await t.fetch(`/api/weddings/${W}/vendors/flora`, { method: 'DELETE', token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ removed: {
      eventIds: ['photos'], crewEventIds: [], paymentIds: ['flora-deposit'], taskIds: [], commentIds: [], crewContactIds: [],
      contacts: 0, participants: 1, invitations: 0, calendarFeeds: 0, bookings: 1, busyBlocks: 0, connectionBindings: 0, apiKeys: 0, unbound: [],
    } });
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      expect(w.getVendor('flora')).toBeUndefined();
      expect(w.getEvent('photos')!.vendorIds).toEqual(['lens2']);
      expect(w.getPayment('flora-deposit')).toMatchObject({ vendorId: 'flora', amount: 20_000 });
      expect(w.getBudget()?.totals).toEqual(computeBudget(w.listPayments(), w.getBudget()!.asOf, '').totals);
      expect(w.getBudget()?.totals.EUR?.planned).toBe(20_000);
    });
    const budget = await (await t.fetch(`/api/weddings/${W}/budget`, { token })).json() as BudgetResponse;
    expect(budget.vendors.find((v) => v.vendorId === 'flora')).toMatchObject({ vendorName: 'Flora (removed)', vendorRemoved: true, milestones: [{ id: 'flora-deposit' }] });
    expect(budget.vendors.find((v) => v.vendorId === 'lens2')).toMatchObject({ vendorName: 'Lens and Light', vendorRemoved: false });
    expect((await florist.fetch('/api/auth/token', { json: { weddingId: W } })).status).toBe(403);
    expect((await t.fetch(`/api/weddings/${W}/vendors/flora`, { method: 'DELETE', token })).status).toBe(404);
  });
});
