import { describe, expect, it } from 'vitest';
import { bindingFields } from '../../client/app/src/connections/binding-fields.ts';

describe('the settings Bind asks for (bindingFields)', () => {
  it('asks a Stripe account that sends invoices for each wedding’s couple’s e-mail, and nothing otherwise', () => {
    const keys = (system: string, configuration: Record<string, unknown>) => bindingFields({ system, configuration }).map((f) => f.key);
    expect(keys('stripe', { apiBase: 'http://127.0.0.1:1' })).toEqual(['customerEmail']);
    expect(keys('stripe', { requestAs: 'invoice', direction: 'outbound' })).toEqual(['customerEmail']);
    // The connection answers it for every wedding, or nothing is requested of the couple.
    expect(keys('stripe', { customerEmail: 'all@example.com' })).toEqual([]);
    expect(keys('stripe', { customerId: 'cus_123' })).toEqual([]);
    expect(keys('stripe', { requestAs: 'payment_intent' })).toEqual([]);
    expect(keys('stripe', { direction: 'inbound' })).toEqual([]);
    expect(keys('google-calendar', {})).toEqual([]);
    expect(keys('square', {})).toEqual([]);
  });
});
