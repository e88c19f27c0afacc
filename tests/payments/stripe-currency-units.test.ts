import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromStripeAmount, stripeExponent, toStripeAmount } from '../../adapters/stripe/amounts.ts';
import { currencyExponent } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../comms/helpers.ts';
import { connectStripe, planPayments, startStripe, wedding } from './helpers.ts';

/** Every kind of currency Stripe counts: zero-decimal, ISK's special case, three-decimal, and two. */
const CURRENCIES = ['GBP', 'USD', 'EUR', 'JPY', 'KRW', 'UGX', 'MGA', 'ISK', 'HUF', 'TWD', 'KWD', 'BHD', 'TND', 'IDR'];

describe("Stripe's units and WedSync's minor units", () => {
  it('follow Stripe\'s table (docs.stripe.com/currencies): ISK two-decimal, MGA zero-decimal, KWD three, others as ISO', () => {
    expect(Object.fromEntries(CURRENCIES.map((c) => [c, [currencyExponent(c), stripeExponent(c)]]))).toEqual({
      GBP: [2, 2], USD: [2, 2], EUR: [2, 2], JPY: [0, 0], KRW: [0, 0], UGX: [0, 0], MGA: [2, 0], ISK: [0, 2], HUF: [2, 2], TWD: [2, 2], KWD: [3, 3], BHD: [3, 3], TND: [3, 3], IDR: [2, 2],
    });
    // 50,000 kr: Stripe's 5,000,000; 5,000 ariary: WedSync's 500,000, Stripe's 5,000.
    expect(toStripeAmount(50_000, 'ISK')).toBe(5_000_000);
    expect(fromStripeAmount(5_000_000, 'isk')).toBe(50_000);
    expect(toStripeAmount(500_000, 'MGA')).toBe(5_000);
    expect(fromStripeAmount(5_000, 'mga')).toBe(500_000);
    expect(toStripeAmount(12_345, 'GBP')).toBe(12_345);
  });

  it('round-trip every amount Stripe can hold, and refuse the ones it cannot instead of rounding money', () => {
    fc.assert(fc.property(fc.constantFrom(...CURRENCIES), fc.integer({ min: 0, max: 1e11 }), (currency, minor) => {
      let stripe: number;
      try {
        stripe = toStripeAmount(minor, currency);
      } catch (error) {
        // Only a fraction of a unit Stripe counts whole, or a three-decimal amount not in tens.
        expect((error as { code?: string }).code).toBe('invalid_payload');
        expect((currency === 'MGA' && minor % 100 !== 0) || (stripeExponent(currency) === 3 && minor % 10 !== 0)).toBe(true);
        return;
      }
      expect(Number.isInteger(stripe)).toBe(true);
      expect(fromStripeAmount(stripe, currency.toLowerCase())).toBe(minor);
    }), { numRuns: 2000 });
    expect(() => toStripeAmount(500_050, 'MGA')).toThrow(/whole units/);
    expect(() => toStripeAmount(5_124, 'KWD')).toThrow(/last digit 0/);
    expect(() => fromStripeAmount(4_010, 'isk')).toThrow(/fraction/);
  });
});

describe('a Stripe payment request in krónur and in ariary', () => {
  it('asks Stripe for 50,000 kr as 5,000,000 and 5,000 ariary as 5,000, and the paid invoice reads back as what was planned', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const stripe = await startStripe();
    await seedWedding(t, planner, 'w1', wedding);
    await connectStripe(t, planner, 'w1', stripe);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    await planPayments(t, planner, 'w1', { vendorId: 'photo', currency: 'ISK', total: 50_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    await planPayments(t, planner, 'w1', { vendorId: 'venue', currency: 'MGA', total: 500_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.requestUrl && client.doc.getPayment('venue-deposit')?.requestUrl, 'both requests made');
    const invoices = [...stripe.objects.values()].filter((o) => o.object === 'invoice');
    const invoiceOf = (id: string) => invoices.find((i) => (i.metadata as Record<string, string>).wedsync_payment_id === id)!;
    expect([invoiceOf('photo-deposit').amount_due, invoiceOf('photo-deposit').currency]).toEqual([5_000_000, 'isk']);
    expect([invoiceOf('venue-deposit').amount_due, invoiceOf('venue-deposit').currency]).toEqual([5_000, 'mga']);
    // The invoice's own events came back as the amounts planned, not 100× off either way.
    expect(client.doc.getPayment('photo-deposit')).toMatchObject({ amount: 50_000, currency: 'ISK', status: 'pending' });
    expect(client.doc.getPayment('venue-deposit')).toMatchObject({ amount: 500_000, currency: 'MGA', status: 'pending' });
    // The customer's page asks for the same sums.
    const page = await (await fetch(String(invoiceOf('photo-deposit').hosted_invoice_url))).text();
    expect(page).toMatch(/ISK\s?50,000(?!\d)/);
    expect(await (await fetch(String(invoiceOf('venue-deposit').hosted_invoice_url))).text()).toMatch(/MGA\s?5,000(?!\d)/);
    stripe.payInvoice(String(invoiceOf('photo-deposit').id));
    stripe.payInvoice(String(invoiceOf('venue-deposit').id));
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'paid' && client.doc.getPayment('venue-deposit')?.status === 'paid', 'both paid');
    expect(client.doc.getPayment('photo-deposit')).toMatchObject({ amount: 50_000, amountPaid: 50_000 });
    expect(client.doc.getPayment('venue-deposit')).toMatchObject({ amount: 500_000, amountPaid: 500_000 });
    await waitFor(() => client.doc.getBudget()?.totals.ISK?.paid === 50_000 && client.doc.getBudget()?.totals.MGA?.paid === 500_000, 'the budget in both currencies');
  });
});
