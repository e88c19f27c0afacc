import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../adapters/core/index.ts';
import { FreshnessLog } from '../../adapters/core/payment-events.ts';
import { parseXml } from '../../adapters/caldav/xml.ts';
import { requestDescription, type PaymentData } from '../../adapters/stripe/mappers.ts';
import { toChanges } from '../../adapters/twilio/mappers.ts';
import { assertProperty } from '../helpers/property.ts';

/** Provider text named like Object.prototype members, mixed with ordinary words. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'] as const;
const word = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[a-z_]{1,12}$/));

function refusal(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof AdapterError ? error.code : `not an AdapterError: ${String(error)}`;
  }
}

describe('adapter mappings by provider text that names Object.prototype members', () => {
  it('Twilio: a status it does not use maps to nothing or is refused as invalid_payload, never to a function', () => {
    const url = 'https://hub.example/api/integrations/webhook/twilio/int_1?m=msg_1&r=photo&c=sms';
    const KNOWN = new Set(['accepted', 'scheduled', 'queued', 'sending', 'canceled', 'sent', 'delivered', 'read', 'undelivered', 'failed', 'receiving', 'received']);
    assertProperty(fc.property(word, (status) => {
      if (KNOWN.has(status)) return;
      expect(refusal(() => toChanges(url, { MessageSid: 'SM1', MessageStatus: status }))).toBe('invalid_payload');
    }), { numRuns: 200 });
    for (const status of PROTOTYPE_NAMES) expect(refusal(() => toChanges(url, { MessageSid: 'SM1', MessageStatus: status }))).toBe('invalid_payload');
  });

  it('CalDAV XML: an entity or namespace prefix named like a prototype member is left as written', () => {
    for (const name of PROTOTYPE_NAMES) {
      const el = parseXml(`<d:multistatus xmlns:d="DAV:"><d:href>a&${name};b</d:href><${name}:x/></d:multistatus>`);
      expect(el).toMatchObject({ ns: 'DAV:', name: 'multistatus' });
      expect(el.children[0]!.text).toBe(`a&${name};b`);
      expect(el.children[1]).toMatchObject({ ns: '', name: 'x' });
    }
  });

  it('Stripe: a payment to a vendor the push context does not carry names no vendor (never "Object")', () => {
    assertProperty(fc.property(fc.constantFrom(...PROTOTYPE_NAMES), (vendorId) => {
      const p = { vendorId, description: '', milestone: 'deposit', amount: 100, amountPaid: 0, currency: 'GBP', status: 'pending', due: '', processor: 'stripe' } as PaymentData;
      expect(requestDescription(p, { weddingId: 'w1', meta: { title: 'Ana & Ben' }, vendors: {} })).toBe('Deposit (Ana & Ben)');
    }));
  });

  it('payment freshness marks keep a processor object whose id is a prototype member name', () => {
    assertProperty(fc.property(fc.constantFrom(...PROTOTYPE_NAMES), (key) => {
      let state: Record<string, unknown> = {};
      const log = new FreshnessLog({ get: () => state, set: (next) => { state = next; } });
      expect(log.isStale({ key, at: 1, rank: 0 })).toBe(false);
      log.record({ key, at: 5, rank: 1 });
      expect(log.isStale({ key, at: 4, rank: 1 })).toBe(true);
      expect(log.isStale({ key, at: 6, rank: 0 })).toBe(false);
      // The mark survives the adapter state's JSON round trip.
      state = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
      expect(new FreshnessLog({ get: () => state, set: () => {} }).isStale({ key, at: 4, rank: 1 })).toBe(true);
    }));
  });
});
