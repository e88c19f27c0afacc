import { describe, expect, it } from 'vitest';
import { Payment, type Vendor } from '../../schema/index.ts';
import { dueLabel, milestoneLabel, outstanding, paymentState } from '../../client/app/src/budget/payment-state.ts';
import { likelyDuplicates } from '../../client/app/src/vendors/duplicates.ts';
import { orList, processorHint } from '../../client/app/src/budget/processor-hint.ts';

const payment = (p: Partial<Payment>): Payment => Payment.parse({
  id: 'p', vendorId: 'v', description: '', milestone: 'deposit', amount: 10_000, amountPaid: 0, amountRefunded: 0, currency: 'GBP', status: 'planned', due: '2027-03-01', links: {}, ...p,
});

describe('a payment’s state in the budget', () => {
  it('is overdue only from the day after its due date, as of the wedding’s own day', () => {
    expect(paymentState(payment({}), '2027-03-01')).toBe('due');
    expect(paymentState(payment({}), '2027-03-02')).toBe('overdue');
    expect(paymentState(payment({ due: '' }), '2099-01-01')).toBe('due');
    expect(paymentState(payment({ amountPaid: 4_000, status: 'partially_paid' }), '2027-03-02')).toBe('overdue');
    expect(outstanding(payment({ amountPaid: 4_000, status: 'partially_paid' }))).toBe(6_000);
  });

  it('counts nothing outstanding once paid, cancelled or refunded, as the budget does', () => {
    expect(paymentState(payment({ amountPaid: 10_000, status: 'paid' }), '2027-04-01')).toBe('paid');
    expect(paymentState(payment({ status: 'cancelled' }), '2027-04-01')).toBe('cancelled');
    expect(outstanding(payment({ status: 'cancelled' }))).toBe(0);
    expect(paymentState(payment({ amountPaid: 10_000, amountRefunded: 10_000, status: 'refunded' }), '2027-04-01')).toBe('refunded');
    // A partial refund of a paid milestone leaves it paid (the budget counts the refund apart).
    expect(paymentState(payment({ amountPaid: 10_000, amountRefunded: 2_000, status: 'partially_refunded' }), '2027-04-01')).toBe('paid');
  });

  it('reads due dates and milestones in words', () => {
    expect(dueLabel('2027-03-01')).toBe('1 Mar 2027');
    expect(dueLabel('')).toBe('no due date');
    expect(milestoneLabel({ milestone: 'balance', description: '' })).toBe('Balance');
    expect(milestoneLabel({ milestone: 'other', description: 'Engagement shoot' })).toBe('Engagement shoot');
  });
});

describe('likely duplicate vendors', () => {
  const v = (id: string, name: string, extra: Partial<Vendor> = {}): Vendor => ({ id, name, category: 'photographer', email: '', phone: '', preferredChannels: [], status: 'inquiry', links: {}, ...extra });
  it('pairs vendors sharing an address or a name written differently, and nothing else', () => {
    const found = likelyDuplicates([
      v('a', 'Lens & Light'), v('b', 'Lens and Light'),
      v('c', 'Petal Co', { email: 'Hello@Petal.example' }), v('d', 'Petals', { email: 'hello@petal.example' }),
      v('e', 'DJ Sam', { phone: '+44 20 7946 0000' }), v('f', 'Sam Sounds', { phone: '+442079460000' }),
      v('g', 'Harp & Co'),
    ]);
    expect(found.map((d) => [d.keep.id, d.dup.id, d.why])).toEqual([
      ['a', 'b', 'same name'], ['c', 'd', 'same e-mail address'], ['e', 'f', 'same phone number'],
    ]);
  });
});

describe('the payment plan form’s processor hint', () => {
  it('names the processors connected to the wedding and offers only the others', () => {
    expect(processorHint(new Set())).toEqual({ connected: [], missing: ['Stripe', 'Square', 'PayPal'] });
    // The demo wedding: Stripe is connected (with calendars and CRMs, which are not processors).
    expect(processorHint(new Set(['stripe', 'google-calendar', 'vsco-workspace']))).toEqual({ connected: ['Stripe'], missing: ['Square', 'PayPal'] });
    expect(processorHint(new Set(['stripe', 'paypal']))).toEqual({ connected: ['Stripe', 'PayPal'], missing: ['Square'] });
    expect(processorHint(new Set(['stripe', 'square', 'paypal']))).toBeNull();
    expect([orList(['Square']), orList(['Square', 'PayPal']), orList(['Stripe', 'Square', 'PayPal'])]).toEqual(['Square', 'Square or PayPal', 'Stripe, Square or PayPal']);
  });
});
