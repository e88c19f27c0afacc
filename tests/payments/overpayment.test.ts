import { describe, expect, it } from 'vitest';
import type { BudgetResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { getJson, postJson, seedWedding } from '../comms/helpers.ts';
import { connectStripe, planPayments, startStripe, wedding } from './helpers.ts';

const plan = { vendorId: 'photo', currency: 'GBP', total: 240_000, milestones: [{ milestone: 'deposit', weight: 30, due: '2026-11-20' }, { milestone: 'balance', weight: 70, due: '2027-05-12' }] };
const pay = (amount: number, excess?: string) => ({ type: 'payment', amount, currency: 'GBP', ...(excess ? { excess } : {}) });

async function setUp() {
  const t = await startTestServer();
  const planner = await t.token('planner', ['w1']);
  await seedWedding(t, planner, 'w1', wedding);
  await planPayments(t, planner, 'w1', plan);
  const budget = async () => (await getJson<BudgetResponse>(t, '/api/weddings/w1/budget', planner)).body;
  return { t, planner, budget };
}

describe('recording more than is left on a milestone', () => {
  it('refuses an amount above what is left with 409 amount_above_outstanding unless told where the excess goes', async () => {
    const { t, planner, budget } = await setUp();
    const res = await postJson<{ error: { code: string; message: string } }>(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, pay(100_000));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('amount_above_outstanding');
    expect((await budget()).budget.totals.GBP).toMatchObject({ paid: 0, outstanding: 240_000 });
  });

  it('applies the excess to the vendor\'s next milestone when asked: paid and outstanding reconcile', async () => {
    const { t, planner, budget } = await setUp();
    expect((await postJson(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, pay(100_000, 'next_milestone'))).status).toBe(200);
    const b = await budget();
    expect(b.budget.totals.GBP).toMatchObject({ planned: 240_000, paid: 100_000, outstanding: 140_000 });
    const [deposit, balance] = b.vendors[0]!.milestones;
    expect(deposit).toMatchObject({ id: 'photo-deposit', amountPaid: 72_000, status: 'paid' });
    expect(balance).toMatchObject({ id: 'photo-balance', amountPaid: 28_000, status: 'partially_paid' });
  });

  it('records an overpayment on the milestone when asked, counted against the balance: outstanding = planned − paid everywhere', async () => {
    const { t, planner, budget } = await setUp();
    expect((await postJson(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, pay(100_000, 'overpayment'))).status).toBe(200);
    // The trial's second step: 720 more on the (already paid) deposit.
    expect((await postJson(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, pay(72_000, 'overpayment'))).status).toBe(200);
    const b = await budget();
    expect(b.budget.totals.GBP).toMatchObject({ planned: 240_000, paid: 172_000, outstanding: 68_000 });
    expect(b.budget.vendors.photo!.GBP).toMatchObject({ planned: 240_000, paid: 172_000, outstanding: 68_000 });
    expect(b.budget.nextDue).toMatchObject({ paymentId: 'photo-balance', outstanding: 68_000 });
    expect(b.vendors[0]!.milestones[0]).toMatchObject({ amountPaid: 172_000 });
  });

  it('never goes below 0 when the vendor is paid more than the whole plan', async () => {
    const { t, planner, budget } = await setUp();
    expect((await postJson(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, pay(300_000, 'next_milestone'))).status).toBe(200);
    const b = await budget();
    expect(b.budget.totals.GBP).toMatchObject({ planned: 240_000, paid: 300_000, outstanding: 0 });
    expect(b.budget.nextDue).toBeNull();
  });
});

describe('a plan requested through a processor', () => {
  it('refuses a processor not connected to the wedding with 409 processor_not_connected, and nothing is created', async () => {
    const { t, planner, budget } = await setUp();
    const res = await postJson<{ error: { code: string } }>(t, '/api/weddings/w1/payments/plan', planner, { ...plan, vendorId: 'venue', processor: 'stripe' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('processor_not_connected');
    expect((await budget()).vendors.map((v) => v.vendorId)).toEqual(['photo']);
  });

  it('tracks it by hand when asked (manualIfNotConnected)', async () => {
    const { t, planner } = await setUp();
    const payments = await planPayments(t, planner, 'w1', { ...plan, vendorId: 'venue', processor: 'stripe', manualIfNotConnected: true });
    expect(payments.map((p) => p.processor)).toEqual(['', '']);
  });

  it('accepts a processor that is connected', async () => {
    const { t, planner } = await setUp();
    const sb = await startStripe();
    await connectStripe(t, planner, 'w1', sb);
    const payments = await planPayments(t, planner, 'w1', { ...plan, vendorId: 'venue', processor: 'stripe' });
    expect(payments.map((p) => p.processor)).toEqual(['stripe', 'stripe']);
  });
});
