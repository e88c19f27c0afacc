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

  it('checks a body that opens with a byte-order mark over those bytes, and refuses malformed UTF-8 as a bad payload', async () => {
    const { client, conn } = await webhooksWedding();
    const json = JSON.stringify({ type: 'timeline.upserted', timestamp: new Date().toISOString(), data: ceremony });
    // Signed with the mark: the signature must hold (a decoder that drops it checks other bytes and answers 401).
    const withMark = `\uFEFF${json}`;
    const marked = await post(conn.webhookUrl, standardWebhookHeaders(conn.webhookSecret, 'msg_bom', withMark), new TextEncoder().encode(withMark));
    expect(marked.status).toBe(400);
    expect(((await marked.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
    // Not UTF-8 at all (a lone 0xC3 inside a string), signed over those very bytes.
    const bytes = new TextEncoder().encode(json.replace('Ceremony', 'Ceremony?'));
    bytes[bytes.indexOf(0x3f)] = 0xc3;
    const latin = new TextDecoder('latin1').decode(bytes);
    const bad = await post(conn.webhookUrl, standardWebhookHeaders(conn.webhookSecret, 'msg_bytes', latin), bytes);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_payload', message: 'the webhook body is not UTF-8 text' } });
    // Nothing of either reached the wedding; a good delivery still does.
    expect(client.doc.getEvent('ceremony')).toBeUndefined();
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_ok', type: 'timeline.upserted', data: ceremony })).status).toBe(200);
    await waitFor(() => client.doc.getEvent('ceremony')?.title === 'Ceremony', 'the good delivery');
  });

  it('turns any UTF-8 body into text that encodes back to the same bytes, and refuses every other body', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(`\uFEFF${s}`))), (bytes) => {
      let text: string;
      try {
        text = webhookBodyText(bytes);
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_payload', status: 400 });
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
        return;
      }
      expect(new TextEncoder().encode(text)).toEqual(bytes);
    }), { numRuns: 500 });
  });
});
