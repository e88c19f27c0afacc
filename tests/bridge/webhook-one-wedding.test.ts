import { describe, expect, it } from 'vitest';
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
  });
});
