import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InboundChange, NoticeAudience } from '../../adapters/core/index.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

// A connection made from one wedding takes its deliveries straight into that wedding's inbox
// (InboundRouter.onlyClaim): what routing would have done, without its look-ups and transaction.
describe('webhooks to a connection made from one wedding', () => {
  it('reach that wedding once, read in its time zone, without a routing receipt; once it serves two weddings, they are routed', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1', 'w2']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.setMeta({ title: 'Ana & Ben', timezone: 'America/New_York' });
    await client.whenAcknowledged();
    const conn = await connectWebhooks(t, planner, 'w1');
    const sql = serverSql(t.server);
    const receipts = () => sql.value<number>('SELECT count(*) FROM connection_receipts');
    const rows = (eventId: string) => sql.rows<{ wedding_id: string; kind: string }>('SELECT wedding_id, kind FROM inbox WHERE event_id = ? ORDER BY wedding_id', eventId);
    const send = (id: string, data: Record<string, unknown>, extra: { weddingId?: string; type?: string } = {}) =>
      sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type: extra.type ?? 'timeline.upserted', data, ...(extra.weddingId ? { weddingId: extra.weddingId } : {}) });

    // The venue moves the ceremony: written at 15:00 in London, read as the same instant in the wedding's zone.
    const first = await send('evt_move', { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    expect(await first.json()).toEqual({ received: true });
    await waitFor(() => client.doc.getEvent('ceremony'), 'the ceremony in the timeline');
    expect(client.doc.getEvent('ceremony')!.start).toBe('2027-06-12T10:00:00-04:00');
    expect(await rows('evt_move')).toEqual([{ wedding_id: 'w1', kind: 'changes' }]);
    // Sent again: acknowledged as a duplicate and stored once (the row's key stands for the receipt).
    const again = await send('evt_move', { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await rows('evt_move')).toHaveLength(1);
    expect(await receipts()).toBe(0);

    // A delivery naming another wedding is not this wedding's: acknowledged, stored nowhere.
    const elsewhere = await send('evt_other', { id: 'dj', name: 'DJ Sam', category: 'dj' }, { weddingId: 'w2', type: 'vendor.upserted' });
    expect(await elsewhere.json()).toEqual({ received: true, ignored: 'not a record of this wedding' });
    expect(await rows('evt_other')).toEqual([]);
    // One naming this wedding is taken as one naming none.
    expect((await send('evt_named', { id: 'florist', name: 'Petal Co', category: 'florist' }, { weddingId: 'w1', type: 'vendor.upserted' })).status).toBe(200);
    await waitFor(() => client.doc.getVendor('florist'), 'the florist in the wedding');

    // Bound to a second wedding, the connection routes: the record naming it goes there, with a receipt.
    const bound = await t.fetch(`/api/connections/${conn.connectionId}/bindings`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w2' }) });
    expect(bound.status, await bound.clone().text()).toBe(201);
    const routed = await send('evt_routed', { id: 'dj', name: 'DJ Sam', category: 'dj' }, { weddingId: 'w2', type: 'vendor.upserted' });
    expect(await routed.json()).toEqual({ received: true });
    expect(await rows('evt_routed')).toEqual([{ wedding_id: 'w2', kind: 'changes' }]);
    expect(await receipts()).toBe(1);
    // The first delivery, sent again now: received before (by the shortcut, with no receipt), so a duplicate.
    const retried = await send('evt_move', { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    expect(await retried.json()).toEqual({ received: true, duplicate: true });
    expect(await rows('evt_move')).toEqual([{ wedding_id: 'w1', kind: 'changes' }]);
  });

  it('a delivery routed while the connection served two weddings, sent again once it serves one, is a duplicate: it does not reach the one left', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1', 'w2']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const json = (body: unknown) => ({ token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // w2's binding holds the sender's job "job-2": a record under it goes to w2, by its reference.
    expect((await t.fetch(`/api/connections/${conn.connectionId}/bindings`, { method: 'POST', ...json({ weddingId: 'w2', references: ['job-2'] }) })).status).toBe(201);
    const sql = serverSql(t.server);
    const rows = (eventId: string) => sql.values<string>('SELECT wedding_id FROM inbox WHERE event_id = ? ORDER BY wedding_id', eventId);
    const send = () => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'evt_job2', type: 'vendor.upserted', reference: 'job-2', data: { id: 'band', name: 'The Band', category: 'band' } });
    expect(await (await send()).json()).toEqual({ received: true });
    expect(await rows('evt_job2')).toEqual(['w2']);
    // w2 is unbound: the connection serves w1 alone, whose binding claims what names no wedding.
    expect((await t.fetch(`/api/connections/${conn.connectionId}/bindings/w2`, { method: 'DELETE', token: planner })).status).toBe(200);
    const again = await send();
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    // w2's rows left with its binding; none was stored for w1.
    expect(await rows('evt_job2')).toEqual([]);
    // A new delivery under that job now goes to w1, by the shortcut.
    expect(await (await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'evt_job2_new', type: 'vendor.upserted', reference: 'job-2', data: { id: 'band', name: 'The Band', category: 'band' } })).json()).toEqual({ received: true });
    expect(await rows('evt_job2_new')).toEqual(['w1']);
  });

  it('takes a delivery only where routing would send every change to that binding (fast-check)', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1', 'w2']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.setMeta({ title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' });
    await client.whenAcknowledged();
    const conn = await connectWebhooks(t, planner, 'w1');
    // A record the wedding already holds (a link row), so routing's link step is taken too.
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'evt_linked', type: 'vendor.upserted', data: { id: 'linked', name: 'Held', category: 'dj' } })).status).toBe(200);
    await waitFor(() => client.doc.getVendor('linked'), 'the linked record');
    // The binding holds the sender's job "job-1" (a person assigned a record under it); "job-9" is no one's.
    await t.server.bridge.connections.addReferences(conn.integrationId, ['job-1']);
    const { router } = t.server.bridge;
    const live = t.server.bridge.runtime.get(conn.connectionId)!;
    const wedding = fc.constantFrom(undefined, 'w1', 'w2');
    const reference = fc.constantFrom(undefined, 'job-1', 'job-9');
    const routedBy = { weddingId: wedding, reference, hints: fc.constantFrom(undefined, { date: '2027-06-12', names: ['Ana'] }) };
    const strip = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    const change: fc.Arbitrary<InboundChange> = fc.oneof(
      fc.record({ op: fc.constant('upsert' as const), entity: fc.constant('vendors' as const), externalId: fc.constantFrom('linked', 'new'), data: fc.constant({ name: 'Sam', category: 'dj' }), ...routedBy }).map(strip),
      // A calendar's time in another zone than the wedding's: the wedding reads it in its own.
      fc.record({ op: fc.constant('upsert' as const), entity: fc.constant('timeline' as const), externalId: fc.constantFrom('linked', 'new'), data: fc.constant({ title: 'Toast', start: '2027-06-12T19:00:00+02:00', end: '2027-06-12T19:15:00+02:00' }), ...routedBy }).map(strip),
      fc.record({ op: fc.constant('delete' as const), entity: fc.constant('vendors' as const), externalId: fc.constantFrom('linked', 'new'), weddingId: wedding }).map(strip),
      fc.record({ op: fc.constant('notice' as const), externalId: fc.constant('n1'), kind: fc.constant('gallery.delivered'), audience: fc.constant<NoticeAudience[]>(['couple']), subject: fc.constant('Ready'), body: fc.constant('Photos'), weddingId: wedding, reference }).map(strip),
      fc.record({ op: fc.constant('ack' as const), messageId: fc.constant('m1'), recipientId: fc.constant('couple'), weddingId: wedding }).map(strip),
      fc.record({ op: fc.constant('alert' as const), kind: fc.constant('weather' as const), date: fc.constant('2027-06-12'), severity: fc.constant('high' as const), headline: fc.constant('Storm'), description: fc.constant('Wind'), weddingId: wedding }).map(strip),
      fc.constant<InboundChange>({ op: 'delivery', messageId: 'm1', recipientId: 'couple', channel: 'email', status: 'delivered' }),
    );
    await fc.assert(fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 5 }), async (changes) => {
      const taken = await router.onlyClaim(live, changes);
      const records = changes.filter((c) => c.op === 'upsert' || c.op === 'delete');
      const decisions = await Promise.all(records.map((c) => router.decide(live, c)));
      const to = (d: (typeof decisions)[number]) => 'bindings' in d ? d.bindings.map((b) => b.integration.weddingId) : 'binding' in d ? [d.binding.integration.weddingId] : [];
      const told = changes.filter((c) => c.op !== 'upsert' && c.op !== 'delete');
      // Told (not records): the wedding named, else the claiming binding for an ack, alert or delivery report, and a notice only by a reference it holds.
      const toldDropped = told.some((c) => 'weddingId' in c && c.weddingId ? c.weddingId !== 'w1' : c.op === 'notice' && c.reference !== 'job-1');
      if (taken) {
        expect(taken.binding.integration.weddingId).toBe('w1');
        expect(decisions.map(to)).toEqual(records.map(() => ['w1']));
        expect(toldDropped).toBe(false);
        // As routing stores them for that binding: its records read as the wedding reads them (router.prepare), then what it is told.
        expect(taken.changes).toEqual([...await Promise.all(records.map((c) => router.prepare(taken.binding, c))), ...told]);
      } else {
        // Routing drops one of them, or it is a deletion naming no wedding (routing may clear it from the unmatched queue).
        expect(toldDropped || decisions.some((d) => d.kind === 'dropped') || records.some((c) => c.op === 'delete' && !c.weddingId)).toBe(true);
      }
    }), { numRuns: 200 });
    // Serving two weddings, the connection's deliveries are routed, whatever they hold.
    const bound = await t.fetch(`/api/connections/${conn.connectionId}/bindings`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w2' }) });
    expect(bound.status).toBe(201);
    await fc.assert(fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 5 }), async (changes) => {
      expect(await router.onlyClaim(live, changes)).toBeUndefined();
    }), { numRuns: 50 });
  });
});
