import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { webhooksWedding } from './helpers.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('webhooks adapter end to end', () => {
  it('a signed webhook reaches a connected client; a client edit reaches the subscriber signed', async () => {
    const { receiver, client, conn } = await webhooksWedding();
    expect(conn.capabilities).toEqual(['webhook', 'push']);
    expect(conn.webhookSecret).toBe(receiver.secret);
    // The connection test was a signed ping that the subscriber verified.
    expect(receiver.accepted()[0]!.body.type).toBe('wedsync.ping');

    const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_1', type: 'timeline.upserted', data: ceremony });
    expect(res.status).toBe(200);
    await waitFor(() => client.doc.getEvent('ceremony'), 'webhook change at the client');

    client.doc.upsertEvent({ id: 'ceremony', location: 'Kew Gardens' });
    await waitFor(() => receiver.accepted().find((r) => r.body.data.location === 'Kew Gardens'), 'signed delivery');
    const delivery = receiver.accepted().find((r) => r.body.data.location === 'Kew Gardens')!;
    expect(delivery.body.type).toBe('timeline.upserted');
    expect(delivery.verified).toBe(true);
    // No echo: the event that came in from the subscriber was not sent back to it.
    expect(receiver.accepted().filter((r) => r.body.type === 'timeline.upserted')).toHaveLength(1);
  });
});
