import { describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { VENDOR_DEPENDANT_KINDS, type VendorDependantKind, type VendorDependantCounts } from '../../server/people/vendor-dependants.ts';
import { signedIn, workspaceWith, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';

const W = 'w-dependants';
const at = (hh: string) => `2027-06-12T${hh}:00+01:00`;

interface Seeding { t: TestServer; planner: Browser; workspaceId: string; token: string; vendorId: string; person: Browser }

/**
 * One of each kind of dependant for a vendor, made the way the product makes it where that is
 * quick (HTTP, the stores), and as the row itself for the two the server derives (bookings from
 * the timeline, busy times from a calendar pull). Typed by kind: a kind added to
 * VENDOR_DEPENDANT_KINDS does not compile here until it has a seed, so this test covers it.
 */
const SEEDS: Record<VendorDependantKind, (s: Seeding) => Promise<void>> = {
  async contacts({ t, person }) {
    await t.server.collab.withDocument(W, (ydoc) => new WeddingDoc(ydoc).upsertContact({ id: person.person.id, name: 'Studio', role: 'other', email: '' }));
  },
  async participants({ t, vendorId, person }) {
    await t.server.people.addParticipant({ weddingId: W, personId: person.person.id, role: 'vendor', vendorId });
  },
  async invitations({ t, vendorId, planner }) {
    await t.server.invitations.create({ weddingId: W, role: 'vendor', vendorId, invitedBy: planner.person.id, expiresAt: Date.now() + 86_400_000, maxUses: 1 });
  },
  async calendarFeeds({ t, token, vendorId }) {
    expect((await t.fetch('/api/calendar/feeds', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: W, vendorId }) })).status).toBe(201);
  },
  async bookings({ t, vendorId }) {
    await serverSql(t.server).run('INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', W, `ev-${vendorId}`, vendorId, 'Booked');
  },
  async busyBlocks({ t, vendorId }) {
    const sql = serverSql(t.server);
    const integrationId = await sql.value<string>('SELECT id FROM integrations WHERE wedding_id = ? ORDER BY id LIMIT 1', W);
    await sql.run('INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms) VALUES (?, ?, ?, 0, 1)', integrationId, vendorId, `busy-${vendorId}`);
  },
  async connectionBindings({ t, token, vendorId }) {
    const res = await t.fetch('/api/integrations/vendor/connect', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: W, system: 'webhooks', vendorId, configuration: { direction: 'inbound' } }) });
    expect(res.status, await res.clone().text()).toBe(201);
  },
  async apiKeys({ planner, workspaceId, vendorId }) {
    const res = await planner.fetch(`/api/workspaces/${workspaceId}/api-keys`, { json: { name: `key ${vendorId}`, role: 'vendor', vendorId, weddings: [W] } });
    expect(res.status, await res.clone().text()).toBe(201);
  },
};

// Bindings first: busy times hang off a binding of the wedding.
const ORDER: VendorDependantKind[] = ['connectionBindings', ...VENDOR_DEPENDANT_KINDS.filter((k) => k !== 'connectionBindings')];
const none = Object.fromEntries(VENDOR_DEPENDANT_KINDS.map((k) => [k, 0])) as VendorDependantCounts;

describe('one list of what hangs off a vendor, walked by merge and removal alike', () => {
  it('every kind a merge moves off the duplicate is also removed or revoked when the kept vendor is removed', async () => {
    const t = await startTestServer();
    const planner = await signedIn(t, 'ana@bloom.example', 'Ana');
    const workspace = await workspaceWith(t, planner, 'Bloom Planning', [W]);
    const person = await signedIn(t, 'studio@lens.example', 'Lens studio');
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
      w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer' });
      w.upsertVendor({ id: 'lens2', name: 'Lens and Light', category: 'photographer' });
      w.upsertEvent({ id: 'photos', title: 'Family photos', start: at('14:45'), end: at('15:15'), vendorIds: ['lens2'] });
    });
    const token = await planner.accessToken(W);
    const bindings = t.server.vendorBindings;
    const count = async (vendorId: string) => (await bindings.inspect(W, vendorId, () => undefined)).counted;

    for (const kind of ORDER) await SEEDS[kind]({ t, planner, workspaceId: workspace.id, token, vendorId: 'lens2', person });
    const seeded = await count('lens2');
    // Every kind is seeded (a seed that made nothing would let its kind pass unchecked).
    expect(VENDOR_DEPENDANT_KINDS.filter((k) => seeded[k] === 0)).toEqual([]);

    const merged = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'lens', removeId: 'lens2' }) });
    expect(merged.status, await merged.clone().text()).toBe(200);
    expect(await count('lens2')).toEqual(none);
    const moved = await count('lens');
    expect(VENDOR_DEPENDANT_KINDS.filter((k) => moved[k] < seeded[k])).toEqual([]);

    const removed = await t.fetch(`/api/weddings/${W}/vendors/lens`, { method: 'DELETE', token });
    expect(removed.status, await removed.clone().text()).toBe(200);
    expect(await count('lens')).toEqual(none);
    // Counted through the participants, which go too: the contact itself must be gone.
    expect(await t.server.collab.withDocument(W, (ydoc) => new WeddingDoc(ydoc).getContact(person.person.id))).toBeUndefined();
  }, 60_000);
});
