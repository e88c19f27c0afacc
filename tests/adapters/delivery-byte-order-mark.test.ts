import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../adapters/acuity/mappers.ts';
import { parseWebhookBody } from '../../adapters/calendly/mappers.ts';
import { parseDeliveryJson } from '../../adapters/core/index.ts';
import { parseEvent as parsePaypal } from '../../adapters/paypal/mappers.ts';
import { parseEvent as parseSquare } from '../../adapters/square/mappers.ts';
import { parseEvent as parseStripe } from '../../adapters/stripe/mappers.ts';
import { formParams } from '../../adapters/twilio/mappers.ts';
import { parseHookDelivery } from '../../adapters/vsco-workspace/hooks.ts';
import { parseEnvelope } from '../../adapters/webhooks/mappers.ts';

// RFC 8259 §8.1: a parser may ignore a byte-order mark before a JSON text, and some senders write
// one (.NET's default UTF-8 encoder). The delivery's text keeps it for the signature check
// (server/bridge/webhook-body.ts); every adapter's reading of a delivery then ignores it.

const BOM = '\uFEFF';

/** Each adapter's reading of a delivery's text, with a body it takes. */
const READERS: [string, (raw: string) => unknown, string][] = [
  ['universal webhooks', parseEnvelope, JSON.stringify({ type: 'timeline.upserted', timestamp: '2027-01-01T00:00:00Z', data: { id: 'e1', title: 'Ceremony' } })],
  ['Stripe', parseStripe, JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', created: 1_700_000_000, data: { object: { id: 'pi_1', object: 'payment_intent', amount: 5000, currency: 'gbp', metadata: {} } } })],
  ['PayPal', parsePaypal, JSON.stringify({ id: 'WH-1', event_type: 'PAYMENT.CAPTURE.COMPLETED', create_time: '2027-01-01T00:00:00Z', resource: { id: 'CAP-1', amount: { value: '50.00', currency_code: 'GBP' } } })],
  ['Square', parseSquare, JSON.stringify({ event_id: 'e-1', type: 'payment.updated', created_at: '2027-01-01T00:00:00Z', data: { type: 'payment', id: 'p-1', object: { payment: { id: 'p-1' } } } })],
  ['Calendly', parseWebhookBody, JSON.stringify({ event: 'invitee.created', created_at: '2027-01-01T00:00:00Z', payload: { uri: 'https://api.calendly.com/scheduled_events/E1/invitees/I1', email: 'a@b.example', name: 'Ana', status: 'active', scheduled_event: { uri: 'https://api.calendly.com/scheduled_events/E1', start_time: '2027-06-12T13:00:00.000000Z', end_time: '2027-06-12T14:00:00.000000Z' } } })],
  ['VSCO Workspace', parseHookDelivery, JSON.stringify({ event: 'job.created', data: { id: '01J' } })],
  ['Acuity (form)', parseNotification, 'action=scheduled&id=12'],
  ['Twilio (form)', formParams, 'MessageSid=SM1&MessageStatus=delivered'],
];

const outcome = (read: (raw: string) => unknown, raw: string): unknown => {
  try {
    return { value: read(raw) };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('a delivery that opens with a byte-order mark', () => {
  it.each(READERS)('%s reads it as the same delivery without the mark', (_name, read, body) => {
    const plain = outcome(read, body);
    expect(plain).toHaveProperty('value');
    expect(plain).not.toEqual({ value: null });
    expect(outcome(read, `${BOM}${body}`)).toEqual(plain);
  });

  it('ignores one leading mark only, for any JSON text', () => {
    fc.assert(fc.property(fc.json(), (text) => {
      expect(parseDeliveryJson(`${BOM}${text}`)).toEqual(JSON.parse(text));
      // A second mark, or one inside, is not whitespace to JSON: refused as before.
      expect(() => parseDeliveryJson(`${BOM}${BOM}${text}`)).toThrow(SyntaxError);
    }), { numRuns: 300 });
  });
});
