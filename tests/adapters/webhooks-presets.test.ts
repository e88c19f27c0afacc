import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError, standardWebhookHeaders, type AdapterRuntime, type WebhookRequest } from '../../adapters/core/index.ts';
import { createWebhooksAdapter, presetWebhooksAdapter } from '../../adapters/webhooks/index.ts';
import { tokenMatches } from '../../adapters/core/secret-token.ts';
import { newSecretUrlToken, queryParam } from '../../adapters/webhooks/secret-url.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = Date.UTC(2026, 1, 1, 12);
const TOKEN = newSecretUrlToken();
const URL_BASE = 'https://hub.example/api/integrations/webhook/preset/con_1';

function runtime(): AdapterRuntime {
  let state: Record<string, unknown> = {};
  return {
    integrationId: 'con_1', weddingId: '', webhookUrl: URL_BASE, webhookSecret: SECRET, fetch,
    egress: { fetch, lookup: () => undefined } as unknown as AdapterRuntime['egress'],
    now: () => NOW, state: { get: () => state, set: (s) => { state = s; } },
  };
}

const configuration = { preset: 'honeybook', direction: 'inbound', secretUrlToken: TOKEN, timeZone: 'America/Los_Angeles', vendorId: 'photo' };
const adapter = presetWebhooksAdapter.create({ integrationId: 'con_1', weddingId: '', credentials: {}, configuration, runtime: runtime() });
const payment = { project_id: 'hb-1', payment_id: 'p1', amount: '10.00', currency: 'usd', payment_date: '2026-02-01T18:00:00Z', is_deposit: 'false' };

function request(query: string, body: string, headers: Record<string, string> = {}): WebhookRequest {
  return { method: 'POST', url: `${URL_BASE}?${query}`, headers: { 'content-type': 'application/json', ...headers }, rawBody: body, receivedAt: NOW };
}

describe('the secret URL', () => {
  it('matches only the exact token, whatever the lengths', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (other) => {
      expect(tokenMatches(other, TOKEN)).toBe(other === TOKEN);
    }));
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(Buffer.from(newSecretUrlToken(), 'base64url')).toHaveLength(32);
    expect(queryParam(`${URL_BASE}?token=a%2Bb&trigger=New%20Payment%20Paid`, 'trigger')).toBe('New Payment Paid');
  });

  it('is refused when too short to hold 128 bits, and an unknown preset is named', () => {
    const create = (c: Record<string, unknown>) => () => presetWebhooksAdapter.create({ integrationId: 'c', weddingId: '', credentials: {}, configuration: c, runtime: runtime() });
    expect(create({ ...configuration, secretUrlToken: 'short-token-123' })).toThrow(/secretUrlToken.*22 base64url/);
    expect(create({ ...configuration, preset: 'nosuch' })).toThrow(/no preset "nosuch"; known: .*honeybook/);
    expect(create({ direction: 'inbound' })).toThrow(AdapterError);
  });
});

describe('the universal adapter with a preset', () => {
  it('accepts a plain POST at the secret URL, refuses a wrong token, and reads the system\'s payload', async () => {
    const ok = request(`token=${TOKEN}&trigger=new_payment_paid`, JSON.stringify(payment));
    const verdict = await adapter.verifyWebhook!(ok);
    expect(verdict).toMatchObject({ ok: true });
    // Every unnamed receipt is its own delivery; a named one (a Zap's idempotency-key) is deduplicated.
    const again = await adapter.verifyWebhook!({ ...ok, receivedAt: NOW + 1 });
    expect(again.ok && verdict.ok && again.eventId !== verdict.eventId).toBe(true);
    const named = request(`token=${TOKEN}&trigger=new_payment_paid`, JSON.stringify(payment), { 'idempotency-key': 'zap-run-7' });
    // What verifying read is handed on (the intake does not parse it again): what parseWebhook reads.
    expect(await adapter.verifyWebhook!(named)).toEqual({ ok: true, eventId: 'zap-run-7', parsed: adapter.parseWebhook!(named) });
    const [change] = adapter.parseWebhook!(ok).changes;
    expect(change).toMatchObject({ op: 'upsert', entity: 'payments', externalId: 'hb-1:payments:p1', reference: 'hb-1', data: { amount: 1000, vendorId: 'photo', currency: 'USD', status: 'paid' } });

    expect(await adapter.verifyWebhook!(request(`token=${newSecretUrlToken()}&trigger=new_payment_paid`, JSON.stringify(payment)))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request('trigger=new_payment_paid', JSON.stringify(payment)))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request(`token=${TOKEN}`, JSON.stringify(payment)))).toMatchObject({ ok: false, code: 'invalid_payload', message: expect.stringContaining('?trigger=') });
    expect(await adapter.verifyWebhook!(request(`token=${TOKEN}&trigger=new_payment_paid`, '{not json'))).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('reads a form-encoded body (Webhooks by Zapier, payload type "form") like JSON', () => {
    const form = new URLSearchParams(payment).toString();
    const changes = adapter.parseWebhook!(request(`token=${TOKEN}&trigger=New%20Payment%20Paid`, form, { 'content-type': 'application/x-www-form-urlencoded' })).changes;
    expect(changes).toEqual(adapter.parseWebhook!(request(`token=${TOKEN}&trigger=new_payment_paid`, JSON.stringify(payment))).changes);
  });

  it('accepts Standard Webhooks signatures alongside, with the signer\'s id and the connection\'s tolerance', async () => {
    const body = JSON.stringify(payment);
    const signed = request('trigger=new_payment_paid', body, standardWebhookHeaders(SECRET, 'msg_9', body, NOW));
    expect(await adapter.verifyWebhook!(signed)).toEqual({ ok: true, eventId: 'msg_9', parsed: adapter.parseWebhook!(signed) });
    const stale = request('trigger=new_payment_paid', body, standardWebhookHeaders(SECRET, 'msg_9', body, NOW - 301_000));
    expect(await adapter.verifyWebhook!(stale)).toMatchObject({ ok: false, code: 'signature_stale' });
  });

  it('keeps WedSync events when no preset is configured, through the secret URL too', async () => {
    const plain = createWebhooksAdapter({ integrationId: 'int_1', weddingId: 'w1', credentials: {}, configuration: { direction: 'inbound', secretUrlToken: TOKEN }, runtime: runtime() });
    const body = JSON.stringify({ type: 'guests.updated', timestamp: '2026-02-01T12:00:00Z', data: { count: 90 } });
    const req = request(`token=${TOKEN}`, body);
    expect(await plain.verifyWebhook!(req)).toMatchObject({ ok: true });
    expect(plain.parseWebhook!(req).changes).toEqual([{ op: 'upsert', entity: 'guests', externalId: 'guests', data: { count: 90 } }]);
    // Without a configured token, a token in the URL authenticates nothing.
    const unset = createWebhooksAdapter({ integrationId: 'int_1', weddingId: 'w1', credentials: {}, configuration: { direction: 'inbound' }, runtime: runtime() });
    expect(await unset.verifyWebhook!(req)).toMatchObject({ ok: false, code: 'signature_invalid' });
  });
});

describe('values read from a preset payload', () => {
  it('a duration shifted past any calendar is refused by name (400 invalid_payload), not thrown by the date formatter', async () => {
    const florist = presetWebhooksAdapter.create({ integrationId: 'con_1', weddingId: '', credentials: {}, configuration: { preset: 'flowermate', direction: 'inbound', secretUrlToken: TOKEN }, runtime: runtime() });
    const booked = { event_id: 'FM-2207', couple: 'Zoe Hill & Ryan Price', event_date: '13/06/2026', ceremony_venue: 'All Saints, Bath', delivery_time: '11:00', setup_minutes: '90', proposal_total: '£2,450.00', amount_paid: '£500.00', status: 'Deposit Paid' };
    const send = (body: unknown) => florist.verifyWebhook!(request(`token=${TOKEN}&trigger=proposal_booked`, JSON.stringify(body)));
    expect(await send(booked)).toMatchObject({ ok: true });
    for (const minutes of ['200000000000', '-200000000000', '10081', '1e400']) {
      const verdict = await send({ ...booked, setup_minutes: minutes });
      expect(verdict, minutes).toMatchObject({ ok: false, code: 'invalid_payload' });
    }
    expect(await send({ ...booked, setup_minutes: '10080' })).toMatchObject({ ok: true });
  });
});

