import { describe, expect, it } from 'vitest';
import { CalDavSandbox } from '../../adapters/caldav/sandbox.ts';
import { eventKey } from '../../adapters/core/calendar.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { WeddingDoc } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from '../bridge/helpers.ts';

const T = (h: number) => `2027-06-12T${String(h).padStart(2, '0')}:00:00+01:00`;

/** A wedding with two vendors, events of each and of both, and a payment of each. */
async function seedWedding(t: TestServer) {
  const planner = await t.token('planner', ['w1']);
  const seed = await t.connect('w1', planner);
  await seed.whenSynced();
  const d: WeddingDoc = seed.doc;
  d.transact(() => {
    d.setMeta({ title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' });
    d.upsertVendor({ id: 'photo', name: 'Lens Studio', category: 'photographer' });
    d.upsertVendor({ id: 'florist', name: 'Petals', category: 'florist' });
    d.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T(14), end: T(15), vendorIds: ['photo', 'florist'] });
    d.upsertEvent({ id: 'first-look', title: 'First look', start: T(12), end: T(13), vendorIds: ['photo'] });
    d.upsertEvent({ id: 'florals', title: 'Florals set-up', start: T(10), end: T(11), vendorIds: ['florist'] });
    d.upsertPayment({ id: 'pay-photo', vendorId: 'photo', amount: 200000, currency: 'GBP' });
    d.upsertPayment({ id: 'pay-florist', vendorId: 'florist', amount: 80000, currency: 'GBP' });
  });
  await seed.whenAcknowledged();
  return { planner, seed };
}

async function auditOf(t: TestServer, token: string) {
  const res = await t.fetch('/api/integrations/wedding/w1/audit?limit=200', { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: { action: string; entity: string | null; entityId: string | null; result: string; detail: Record<string, unknown> }[] }).entries;
}

describe('an integration acts with the rights of whoever connected it', () => {
  it('a vendor’s webhooks integration cannot change the wedding’s meta, delete others’ events or edit another vendor’s payment; its own entities still change', async () => {
    const t = await startTestServer();
    const { planner, seed } = await seedWedding(t);
    const vendor = await t.token('vendor', ['w1'], { vendorId: 'photo', sub: 'lens-studio' });
    const conn = await connectWebhooks(t, vendor, 'w1');
    const send = (id: string, type: string, data: Record<string, unknown>) => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type, data });

    // The three attacks of the report, each signed with the returned secret (accepted at the door: the signature is valid).
    expect((await send('a1', 'meta.updated', { title: 'Hijacked' })).status).toBe(200);
    expect((await send('a2', 'timeline.deleted', { id: 'florals' })).status).toBe(200);
    expect((await send('a3', 'payment.upserted', { id: 'pay-florist', amountPaid: 80000, status: 'paid' })).status).toBe(200);
    // Also outside its rights: the shared ceremony, another vendor's entry, a new event for someone else.
    expect((await send('a4', 'timeline.deleted', { id: 'ceremony' })).status).toBe(200);
    expect((await send('a5', 'vendor.upserted', { id: 'florist', name: 'Renamed', category: 'florist' })).status).toBe(200);
    expect((await send('a6', 'timeline.upserted', { id: 'extra', title: 'Extra', start: T(9), end: T(10), vendorIds: ['florist'] })).status).toBe(200);
    // Its own: moving the first look, its deposit paid, its phone number, a slot of its own.
    expect((await send('o1', 'timeline.upserted', { id: 'first-look', start: T(11), end: T(12) })).status).toBe(200);
    expect((await send('o2', 'payment.upserted', { id: 'pay-photo', amountPaid: 50000 })).status).toBe(200);
    expect((await send('o3', 'vendor.upserted', { id: 'photo', name: 'Lens Studio', category: 'photographer', phone: '+442079460000' })).status).toBe(200);
    expect((await send('o4', 'timeline.upserted', { id: 'edit-day', title: 'Photo editing', start: T(20), end: T(21), vendorIds: ['photo'] })).status).toBe(200);

    await waitFor(() => seed.doc.getEvent('edit-day'), 'the vendor’s own last change');
    const d = seed.doc;
    expect(d.getMeta().title).toBe('Ana & Ben');
    expect(d.getEvent('florals')?.title).toBe('Florals set-up');
    expect(d.getEvent('ceremony')?.vendorIds).toEqual(['photo', 'florist']);
    expect(d.getPayment('pay-florist')).toMatchObject({ amountPaid: 0, status: 'planned' });
    expect(d.getVendor('florist')?.name).toBe('Petals');
    expect(d.getEvent('extra')).toBeUndefined();
    expect(Date.parse(d.getEvent('first-look')!.start)).toBe(Date.parse(T(11)));
    expect(d.getPayment('pay-photo')?.amountPaid).toBe(50000);
    expect(d.getVendor('photo')?.phone).toBe('+442079460000');
    expect(d.getEvent('edit-day')?.vendorIds).toEqual(['photo']);

    // Each refusal is in the audit trail with its reason and who connected the integration, and counted.
    const refused = (await auditOf(t, planner)).filter((e) => e.action === 'inbound.refused');
    expect(refused.map((e) => `${e.entity}:${e.entityId}`).sort()).toEqual(['meta:_', 'payments:pay-florist', 'timeline:ceremony', 'timeline:extra', 'timeline:florals', 'vendors:florist']);
    expect(refused.every((e) => e.result === 'refused' && (e.detail.connector as { role: string }).role === 'vendor')).toBe(true);
    const metrics = await (await t.fetch('/metrics')).text();
    const total = [...metrics.matchAll(/^wedsync_inbound_refused_total\{[^}]*system="webhooks"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(total).toBe(6);
    const list = await (await t.fetch('/api/integrations?weddingId=w1', { token: planner })).json() as { integrations: { createdBy: string }[] };
    expect(list.integrations.map((i) => i.createdBy)).toEqual(['lens-studio']);
  });

  it('a planner’s integration changes the whole wedding', async () => {
    const t = await startTestServer();
    const { planner, seed } = await seedWedding(t);
    const conn = await connectWebhooks(t, planner, 'w1');
    const send = (id: string, type: string, data: Record<string, unknown>) => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type, data });
    await send('p1', 'meta.updated', { title: 'Ana & Ben Smith' });
    await send('p2', 'timeline.deleted', { id: 'florals' });
    await send('p3', 'payment.upserted', { id: 'pay-florist', amountPaid: 80000, status: 'paid' });
    await waitFor(() => seed.doc.getMeta().title === 'Ana & Ben Smith' && !seed.doc.getEvent('florals') && seed.doc.getPayment('pay-florist')?.status === 'paid', 'the planner integration’s changes');
    expect((await auditOf(t, planner)).filter((e) => e.action === 'inbound.refused')).toEqual([]);
  });

  it('the couple connects nothing, and a vendor does not connect the wedding’s messaging channels', async () => {
    const t = await startTestServer();
    const couple = await t.token('couple', ['w1']);
    const vendor = await t.token('vendor', ['w1'], { vendorId: 'photo' });
    const connect = (token: string, system: string, extra: Record<string, unknown> = {}) => t.fetch('/api/integrations/vendor/connect', {
      method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w1', system, ...extra }),
    });
    for (const system of ['webhooks', 'stripe', 'google-calendar']) {
      const res = await connect(couple, system);
      expect({ system, status: res.status, body: await res.json() }).toMatchObject({ system, status: 403, body: { error: { code: 'role_forbidden' } } });
    }
    for (const system of ['email', 'twilio', 'slack', 'teams']) {
      const res = await connect(vendor, system);
      expect({ system, status: res.status, body: await res.json() }).toMatchObject({ system, status: 403, body: { error: { code: 'role_forbidden' } } });
    }
    // Another vendor's systems are not its to connect either.
    const other = await connect(vendor, 'webhooks', { vendorId: 'florist' });
    expect(other.status).toBe(403);
  });

  it('the venue’s own CalDAV calendar moves the ceremony it shares; deleting it there is refused and it comes back, deleting its own reception works', async () => {
    const caldav = await new CalDavSandbox().start();
    registerTeardown(() => caldav.stop());
    const account = caldav.addUser('venue');
    caldav.addCalendar('venue', { id: 'events', displayName: 'Venue events', timeZone: 'Europe/London' });
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '300', RETRY_SCHEDULE_MS: '200,400,800' } });
    const planner = await t.token('planner', ['w1']);
    const seed = await t.connect('w1', planner);
    await seed.whenSynced();
    const d = seed.doc;
    d.transact(() => {
      d.setMeta({ title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' });
      d.upsertVendor({ id: 'venue', name: 'Kew Venue', category: 'venue' });
      d.upsertVendor({ id: 'photo', name: 'Lens Studio', category: 'photographer' });
      d.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T(14), end: T(15), location: 'Kew Gardens', vendorIds: ['venue', 'photo'] });
      d.upsertEvent({ id: 'reception', title: 'Reception', start: T(18), end: T(23), vendorIds: ['venue'] });
      d.upsertEvent({ id: 'photos', title: 'Family photos', start: T(15), end: T(16), vendorIds: ['photo'] });
    });
    await seed.whenAcknowledged();
    const venue = await t.token('vendor', ['w1'], { vendorId: 'venue', sub: 'kew-venue' });
    const res = await t.fetch('/api/integrations/vendor/connect', {
      method: 'POST', token: venue, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ weddingId: 'w1', system: 'caldav', credentials: account, configuration: { serverUrl: caldav.url, calendarName: 'Venue events', vendorId: 'venue' } }),
    });
    expect(res.status).toBe(201);
    const summaries = () => caldav.objects('venue', 'events').map((o) => String(o.vevent.getFirstPropertyValue('summary'))).sort();
    await waitFor(() => summaries().join() === 'Ceremony,Reception', 'the venue’s events on its calendar');

    caldav.userEdit('venue', 'events', `${eventKey('w1', 'ceremony')}@wedsync`, (v) => v.updatePropertyWithValue('location', 'The Orangery'));
    await waitFor(() => d.getEvent('ceremony')?.location === 'The Orangery', 'the venue’s move of the shared ceremony');

    caldav.userDelete('venue', 'events', `${eventKey('w1', 'ceremony')}@wedsync`);
    caldav.userDelete('venue', 'events', `${eventKey('w1', 'reception')}@wedsync`);
    await waitFor(() => !d.getEvent('reception'), 'the venue’s own reception deleted');
    // The shared ceremony stays in the wedding and goes back to the venue's calendar.
    await waitFor(() => summaries().join() === 'Ceremony', 'the ceremony back on the venue’s calendar');
    expect(d.getEvent('ceremony')).toMatchObject({ title: 'Ceremony', location: 'The Orangery', vendorIds: ['venue', 'photo'] });
    expect(d.getEvent('photos')).toBeDefined();
    const refused = (await auditOf(t, planner)).filter((e) => e.action === 'inbound.refused');
    expect(refused.map((e) => [e.entityId, e.detail.reason])).toEqual([['ceremony', 'not_own_entity']]);
  });
});
