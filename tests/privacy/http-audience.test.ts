import { describe, expect, it } from 'vitest';
import { WeddingDoc, addComment, notesText, setCrew } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

// Audiences (schema/document/audiences.ts) hold for HTTP too: no GET route gives a couple, a vendor
// or a viewer what their part of the wedding leaves out. Each hidden value carries a marker; every
// route's body, whatever its status, must not contain a marker the role may not see.

const W = 'w1';
const M = {
  photoEmail: 'photo-mark@example.com', photoNote: 'MARK-PHOTO-NOTE', photoCrew: 'MARK-PHOTO-CREW', photoPay: 'MARK-PHOTO-PAY',
  floristEmail: 'florist-mark@example.com', floristPhone: '+44 20 7946 0442', floristNote: 'MARK-FLORIST-NOTE', floristCrew: 'MARK-FLORIST-CREW', floristPay: 'MARK-FLORIST-PAY',
  contactEmail: 'contact-mark@example.com', coupleNote: 'MARK-COUPLE-NOTE', plannerNote: 'MARK-PLANNER-NOTE',
  // A conflict is the planner's working data (audiences.ts: neither couple nor vendor reads them).
  conflictValue: 'MARK-CONFLICT-VALUE',
} as const;

/** What each role must never receive (per audiences.ts READ_RULES). */
const HIDDEN: Record<'couple' | 'vendor' | 'viewer', string[]> = {
  couple: [M.photoNote, M.photoCrew, M.floristNote, M.floristCrew, M.plannerNote, M.conflictValue],
  vendor: [M.floristEmail, M.floristPhone, M.floristNote, M.floristCrew, M.floristPay, M.contactEmail, M.coupleNote, M.plannerNote, M.conflictValue],
  viewer: Object.values(M),
};

async function seed(t: TestServer): Promise<void> {
  const conn = await t.connect(W, await t.token('planner', [W]));
  await conn.whenSynced();
  const d = conn.ydoc;
  const w = new WeddingDoc(d);
  w.setMeta({ title: 'Ana & Ben', date: '2026-06-13', timezone: 'Europe/London' });
  w.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer', email: M.photoEmail, notes: M.photoNote });
  w.upsertVendor({ id: 'florist', name: 'Flora', category: 'florist', email: M.floristEmail, phone: M.floristPhone, notes: M.floristNote });
  // One event with both vendors: what one vendor's view of it carries about the other is the risk.
  w.upsertEvent({ id: 'e1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: ['photo', 'florist'] });
  setCrew(d, 'e1', 'photo', { notes: M.photoCrew });
  setCrew(d, 'e1', 'florist', { notes: M.floristCrew });
  w.upsertPayment({ id: 'p1', vendorId: 'photo', description: M.photoPay, amount: 100_000, currency: 'GBP', due: '2026-05-01' });
  w.upsertPayment({ id: 'p2', vendorId: 'florist', description: M.floristPay, amount: 50_000, currency: 'GBP', due: '2026-05-01' });
  w.upsertContact({ id: 'mum', name: 'Mum', role: 'family', email: M.contactEmail });
  notesText(d, 'couple').insert(0, M.coupleNote);
  notesText(d, 'planner').insert(0, M.plannerNote);
  addComment(d, { id: 'c1', authorId: 'planner-user', subject: '', text: 'hello' });
  w.appendConflict({ id: 'k1', at: '2026-05-01T10:00:00.000Z', entity: 'payments', entityId: 'p1', field: 'description', localValue: M.photoPay, remoteValue: M.conflictValue,
    source: 'stripe', strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null });
  await conn.whenAcknowledged();
}

describe('HTTP routes and audiences', () => {
  it('no GET route gives a couple, vendor or viewer what their audience leaves out', async () => {
    const t = await startTestServer();
    await seed(t);
    const admin = await t.token('admin', [W]);
    const snap = await t.fetch(`/api/admin/weddings/${W}/snapshots`, { method: 'POST', token: admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'x' }) });
    expect(snap.status).toBe(201);
    const sid = ((await snap.json()) as { id: string }).id;

    const routes = [
      '/api/weddings', `/api/weddings/${W}/activity`, `/api/weddings/${W}/budget`,
      `/api/weddings/${W}/notifications/settings`, `/api/weddings/${W}/notifications/pending`,
      `/api/admin/weddings/${W}/snapshots`, `/api/admin/weddings/${W}/snapshots/${sid}`, `/api/admin/weddings/${W}/export`,
      `/api/calendar/feeds?weddingId=${W}`,
      `/api/integrations/calendar/conflicts?vendorId=florist&weddingId=${W}`, `/api/integrations/calendar/availability?vendorId=florist`,
      `/api/integrations/calendar/conflicts?vendorId=photo&weddingId=${W}`, `/api/integrations/calendar/availability?vendorId=photo`,
      `/api/integrations?weddingId=${W}`, `/api/integrations/status/${W}`, `/api/integrations/wedding/${W}/conflicts`,
      `/api/integrations/wedding/${W}/audit`, `/api/integrations/wedding/${W}/outbox`,
      '/api/me', `/api/weddings/${W}/participants`, `/api/weddings/${W}/invitations`,
    ];
    const roles = [
      { role: 'couple' as const, token: await t.token('couple', [W]), feedBody: { weddingId: W } },
      { role: 'vendor' as const, token: await t.token('vendor', [W], { vendorId: 'photo' }), feedBody: { weddingId: W, vendorId: 'photo' } },
      { role: 'viewer' as const, token: await t.token('viewer', [W]), feedBody: { weddingId: W } },
    ];
    const leaks: string[] = [];
    let feedsRead = 0;
    for (const { role, token, feedBody } of roles) {
      const bodies: [string, string][] = [];
      for (const r of routes) {
        const res = await t.fetch(r, { token });
        bodies.push([r, `${res.status} ${await res.text()}`]);
      }
      // The iCalendar feed the role may make, read through its public URL.
      const feed = await t.fetch('/api/calendar/feeds', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(feedBody) });
      const feedText = await feed.text();
      bodies.push(['POST /api/calendar/feeds', `${feed.status} ${feedText}`]);
      const url = /\/calendar\/(wsf_[A-Za-z0-9_-]+\.ics)/.exec(feedText)?.[1];
      if (url) {
        feedsRead++;
        const ics = await t.fetch(`/calendar/${url}`);
        const text = await ics.text();
        bodies.push([`/calendar/<${role} feed>.ics`, `${ics.status} ${text}`]);
        // The vendor's own feed still names the vendor as attendee; the couple's names every vendor.
        if (role === 'vendor') expect(text).toContain(M.photoEmail);
        if (role === 'couple') expect(text).toContain(M.floristEmail);
      }
      for (const [r, body] of bodies) for (const m of HIDDEN[role]) if (body.includes(m)) leaks.push(`${role} ${r}: ${m}`);
    }
    expect(feedsRead).toBe(2); // couple and vendor feeds were made and read (viewers may not make one)
    expect(leaks).toEqual([]);
  });
});
