import { describe, expect, it } from 'vitest';
import { computeBudget, outstandingByPayment, type Payment } from '../../schema/index.ts';

const base = { description: '', amountRefunded: 0, processor: '', requestUrl: '', paidAt: '', links: {} } as const;
const p = (id: string, vendorId: string, milestone: Payment['milestone'], amount: number, amountPaid: number, due: string, extra: Partial<Payment> = {}): Payment =>
  ({ ...base, id, vendorId, milestone, amount, amountPaid, currency: 'GBP', status: amountPaid >= amount ? 'paid' : amountPaid > 0 ? 'partially_paid' : 'planned', due, ...extra });

describe('outstanding: one definition', () => {
  it('counts a milestone paid above its amount (a processor webhook or a hand record) against the vendor\'s next milestones', () => {
    const payments = [p('a-dep', 'a', 'deposit', 72_000, 172_000, '2026-11-20'), p('a-bal', 'a', 'balance', 168_000, 0, '2027-05-12')];
    expect(outstandingByPayment(payments)).toEqual(new Map([['a-dep', 0], ['a-bal', 68_000]]));
    const b = computeBudget(payments, '2027-06-01', '2027-06-01T00:00:00.000Z');
    expect(b.totals.GBP).toMatchObject({ planned: 240_000, paid: 172_000, outstanding: 68_000, overdue: 68_000 });
  });

  it('never moves money between vendors or currencies, and never goes below 0', () => {
    const payments = [
      p('a-dep', 'a', 'deposit', 100, 500, '2027-01-01'), p('b-dep', 'b', 'deposit', 100, 0, '2027-01-01'),
      p('a-usd', 'a', 'balance', 100, 0, '2027-01-01', { currency: 'USD' }),
    ];
    expect(outstandingByPayment(payments)).toEqual(new Map([['a-dep', 0], ['b-dep', 100], ['a-usd', 100]]));
    const b = computeBudget(payments, '2026-01-01', '2026-01-01T00:00:00.000Z');
    expect(b.vendors.a!.GBP!.outstanding).toBe(0);
    expect(b.vendors.b!.GBP!.outstanding).toBe(100);
  });

  it('owes nothing on cancelled or refunded payments', () => {
    const payments = [p('a-dep', 'a', 'deposit', 100, 0, '2027-01-01', { status: 'cancelled' }), p('a-bal', 'a', 'balance', 100, 100, '2027-01-01', { status: 'refunded', amountRefunded: 100 })];
    expect([...outstandingByPayment(payments).values()]).toEqual([0, 0]);
  });
});
