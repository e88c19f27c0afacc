import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../adapters/core/standard-webhooks.ts';
import { webhookBodyText } from '../../server/bridge/webhook-body.ts';
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

describe('a delivery body is verified as the bytes the sender signed', () => {
  const post = (url: string, headers: Record<string, string>, body: Uint8Array) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(body) });

  it('checks a body that opens with a byte-order mark over those bytes and takes it, and refuses malformed UTF-8 as a bad payload', async () => {
    const { t, client, conn } = await webhooksWedding();
    const json = JSON.stringify({ type: 'timeline.upserted', timestamp: new Date().toISOString(), data: ceremony });
    // Signed with the mark: the signature must hold (a decoder that drops it checks other bytes and
    // answers 401), and the JSON after it is read (RFC 8259 §8.1 lets a parser ignore the mark).
    const withMark = `\uFEFF${JSON.stringify({ type: 'timeline.upserted', timestamp: new Date().toISOString(), data: { ...ceremony, id: 'marked', title: 'Sent with a mark' } })}`;
    const marked = await post(conn.webhookUrl, standardWebhookHeaders(conn.webhookSecret, 'msg_bom', withMark), new TextEncoder().encode(withMark));
    expect(marked.status).toBe(200);
    await waitFor(() => client.doc.getEvent('marked')?.title === 'Sent with a mark', 'the marked delivery applied');
    // Not UTF-8 at all (a lone 0xC3 inside a string), signed over those very bytes.
    const bytes = new TextEncoder().encode(json.replace('Ceremony', 'Ceremony?'));
    bytes[bytes.indexOf(0x3f)] = 0xc3;
    const latin = new TextDecoder('latin1').decode(bytes);
    const bad = await post(conn.webhookUrl, standardWebhookHeaders(conn.webhookSecret, 'msg_bytes', latin), bytes);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_payload', message: 'the webhook body is not UTF-8 text' } });
    // A refusal like any other: counted, and the first of the minute audited for the connection's owner.
    expect(await (await t.fetch('/metrics')).text()).toMatch(/wedsync_webhook_ack_seconds_count\{system="webhooks",outcome="refused"\} 1/);
    // Nothing of it reached the wedding; a good delivery still does.
    expect(client.doc.getEvent('ceremony')).toBeUndefined();
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_ok', type: 'timeline.upserted', data: ceremony })).status).toBe(200);
    await waitFor(() => client.doc.getEvent('ceremony')?.title === 'Ceremony', 'the good delivery');
  });

  it('turns any UTF-8 body into text that encodes back to the same bytes, and refuses every other body', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(`\uFEFF${s}`))), (bytes) => {
      const text = webhookBodyText(bytes);
      if (text === null) {
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
        return;
      }
      expect(new TextEncoder().encode(text)).toEqual(bytes);
    }), { numRuns: 500 });
  });
});

describe('field values the wedding would refuse are refused on delivery', () => {
  it('answers 400 naming each field (a negative amount, an end before its start, an unknown category), stores nothing of them, and takes the good ones', async () => {
    const { t, client, conn } = await webhooksWedding();
    const refused = async (id: string, type: string, data: Record<string, unknown>, field: RegExp) => {
      const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type, data });
      expect(res.status, `${type} ${JSON.stringify(data)}`).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_payload');
      expect(body.error.message).toMatch(field);
    };
    client.doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer', email: 'lens@example.com' });
    await client.whenAcknowledged();
    await refused('m1', 'payment.upserted', { id: 'p1', vendorId: 'photo', amount: -500, currency: 'GBP' }, /payments p1: data\.amount/);
    await refused('m2', 'payment.upserted', { id: 'p1', vendorId: 'photo', amount: 500, currency: 'pounds' }, /data\.currency/);
    await refused('m3', 'timeline.upserted', { ...ceremony, end: '2026-06-13T13:00:00+01:00' }, /timeline ceremony: data\.end: end must not be before start/);
    await refused('m4', 'timeline.upserted', { ...ceremony, category: 'party' }, /data\.category/);
    await refused('m5', 'guests.updated', { count: 2.5 }, /guests guests: data\.count/);
    await refused('m6', 'meta.updated', { timezone: 'Mars/Olympus' }, /data\.timezone/);
    // Refused deliveries left no inbox row and changed nothing.
    const status = await (await t.fetch('/api/integrations/status/w1', { token: await t.token('planner', ['w1']) })).json() as { integrationStatus: { inbox: { pending: number; failed?: number } }[] };
    expect(status.integrationStatus[0]!.inbox.pending).toBe(0);
    expect(client.doc.getPayment('p1')).toBeUndefined();
    expect(client.doc.getEvent('ceremony')).toBeUndefined();
    // The same events with values the wedding takes are taken.
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'm7', type: 'payment.upserted', data: { id: 'p1', vendorId: 'photo', amount: 500, currency: 'GBP' } })).status).toBe(200);
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'm8', type: 'timeline.upserted', data: ceremony })).status).toBe(200);
    await waitFor(() => client.doc.getPayment('p1')?.amount === 500 && client.doc.getEvent('ceremony'), 'the good deliveries');
    // null is "not given" (n8n and Make send empty fields so), as the inbox reads it: taken, not refused.
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'm9', type: 'payment.upserted', data: { id: 'p1', vendorId: 'photo', amount: 600, currency: 'GBP', invoiceRef: null } })).status).toBe(200);
    await waitFor(() => client.doc.getPayment('p1')?.amount === 600, 'the delivery with empty fields');
  });
});
