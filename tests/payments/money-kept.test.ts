import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { MAX_MINOR_UNITS, type BudgetResponse, type Payment } from '../../schema/index.ts';
import { connectWebhooks } from '../bridge/helpers.ts';
import { getJson, postJson, seedWedding } from '../comms/helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { planPayments, wedding } from './helpers.ts';

const deposit = (currency: string, total: number) => ({ vendorId: 'photo', currency, total, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-10' }] });

async function setUp() {
  const t = await startTestServer();
  const planner = await t.token('planner', ['w1']);
  await seedWedding(t, planner, 'w1', wedding);
  const budget = async () => getJson<BudgetResponse>(t, '/api/weddings/w1/budget', planner);
  const pay = (paymentId: string, amount: number, currency: string) => postJson<Payment>(t, `/api/weddings/w1/payments/${paymentId}/transactions`, planner, { type: 'payment', amount, currency });
  return { t, planner, budget, pay };
}

describe('re-planning a vendor keeps the money its milestones received', () => {
  it('refuses to re-plan a paid milestone in another currency (409 currency_mismatch), and the £1,000 received stays £1,000 paid', async () => {
    const { t, planner, budget, pay } = await setUp();
    await planPayments(t, planner, 'w1', deposit('GBP', 100_000));
    expect((await pay('photo-deposit', 100_000, 'GBP')).status).toBe(200);
    const res = await postJson<{ error: { code: string } }>(t, '/api/weddings/w1/payments/plan', planner, deposit('EUR', 5));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('currency_mismatch');
    const milestone = (await budget()).body.vendors[0]!.milestones[0]!;
    expect(milestone).toMatchObject({ id: 'photo-deposit', amount: 100_000, amountPaid: 100_000, currency: 'GBP', status: 'paid' });
  });

  it('re-planned in the same currency, a milestone keeps what was paid and its status follows the new amount', async () => {
    const { t, planner, budget, pay } = await setUp();
    await planPayments(t, planner, 'w1', deposit('GBP', 100_000));
    expect((await pay('photo-deposit', 60_000, 'GBP')).status).toBe(200);
    // More to pay: partly paid, not back to planned.
    await planPayments(t, planner, 'w1', deposit('GBP', 150_000));
    expect((await budget()).body.vendors[0]!.milestones[0]).toMatchObject({ amount: 150_000, amountPaid: 60_000, status: 'partially_paid', paidAt: '' });
    // Less than was paid: paid.
    await planPayments(t, planner, 'w1', deposit('GBP', 50_000));
    const b = (await budget()).body;
    expect(b.vendors[0]!.milestones[0]).toMatchObject({ amount: 50_000, amountPaid: 60_000, status: 'paid', paidAt: expect.stringMatching(/^\d{4}-/) });
    expect(b.budget.totals.GBP).toMatchObject({ planned: 50_000, paid: 60_000, outstanding: 0 });
    // A milestone with no money on it may change currency.
    await planPayments(t, planner, 'w1', { vendorId: 'venue', currency: 'GBP', total: 300_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-10' }] });
    await planPayments(t, planner, 'w1', { vendorId: 'venue', currency: 'EUR', total: 350_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-10' }] });
    expect((await budget()).body.vendors.find((v) => v.vendorId === 'venue')!.milestones[0]).toMatchObject({ amount: 350_000, currency: 'EUR', status: 'planned' });
  });
});

describe('a payment holds at most the largest amount', () => {
  it('an overpayment past it is refused 409 amount_too_large (a money error, not a malformed request), and nothing is recorded', async () => {
    const { t, planner, budget } = await setUp();
    await planPayments(t, planner, 'w1', deposit('GBP', 100_000));
    const over = (amount: number) => postJson<{ error: { code: string; message: string } }>(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, { type: 'payment', amount, currency: 'GBP', excess: 'overpayment' });
    expect((await over(MAX_MINOR_UNITS - 100_000)).status).toBe(200);
    const res = await over(MAX_MINOR_UNITS);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'amount_too_large', message: expect.stringContaining('past the largest amount one payment holds (1000000000.00 GBP)') });
    expect((await budget()).body.vendors[0]!.milestones[0]!.amountPaid).toBe(MAX_MINOR_UNITS - 100_000);
    // Up to the largest amount is still taken.
    expect((await over(100_000)).status).toBe(200);
    expect((await over(1)).status).toBe(409);
  });
});

describe('budget totals are sums, not one payment', () => {
  it('reads a budget whose totals pass the largest single amount (two plans of 600,000,000.00 each) for every reader', async () => {
    const { t, planner, budget } = await setUp();
    const big = 60_000_000_000;
    await planPayments(t, planner, 'w1', { vendorId: 'venue', currency: 'USD', total: big, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-01' }] });
    await planPayments(t, planner, 'w1', { vendorId: 'photo', currency: 'USD', total: big, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-01' }] });
    const res = await budget();
    expect(res.status).toBe(200);
    expect(res.body.budget.totals.USD).toMatchObject({ planned: 2 * big, outstanding: 2 * big, payments: 2 });
    const couple = await getJson<BudgetResponse>(t, '/api/weddings/w1/budget', await t.token('couple', ['w1']));
    expect(couple.status).toBe(200);
    expect(couple.body.budget.totals.USD!.planned).toBe(2 * big);
  });
});

describe('payments arriving from another system keep the same rules as the payments API', () => {
  it('parks a record refunding more than was paid and one re-labelling paid money in another currency; applies a consistent one', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer', email: 'lens@example.com' });
    client.doc.upsertPayment({ id: 'paid', vendorId: 'photo', amount: 10_000, amountPaid: 6_667, currency: 'GBP', status: 'partially_paid' });
    await client.whenAcknowledged();
    const conn = await connectWebhooks(t, planner, 'w1');
    const send = (id: string, data: Record<string, unknown>) => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type: 'payment.upserted', data });
    // Every value is valid on its own, so each is taken (200); what it would make of the payment is not.
    expect((await send('refund_over', { id: 'whp8', vendorId: 'photo', amount: 100, amountPaid: 50, amountRefunded: 200, currency: 'GBP' })).status).toBe(200);
    expect((await send('relabel', { id: 'paid', currency: 'USD' })).status).toBe(200);
    // Restating the amounts with the currency is a whole record, and consistent: applied.
    expect((await send('restated', { id: 'paid', amount: 12_000, amountPaid: 8_000, currency: 'USD' })).status).toBe(200);
    await waitFor(() => client.doc.getPayment('paid')?.currency === 'USD', 'the restated record');
    const rows = await queryServerDatabase<{ event_id: string; status: string; last_error: string | null }>(t.server, {
      sqlite: 'SELECT event_id, status, last_error FROM inbox ORDER BY id', postgres: 'SELECT event_id, status, last_error FROM inbox ORDER BY id',
    });
    const by = Object.fromEntries(rows.map((r) => [r.event_id, r]));
    expect(by.refund_over).toMatchObject({ status: 'parked', last_error: expect.stringMatching(/invalid_payload: .*refund cannot exceed what was paid/) });
    expect(by.relabel).toMatchObject({ status: 'parked', last_error: expect.stringMatching(/invalid_payload: .*is in GBP; changing it to USD must restate amount, amountPaid/) });
    expect(by.restated!.status).toBe('applied');
    expect(client.doc.getPayment('whp8')).toBeUndefined();
    expect(client.doc.getPayment('paid')).toMatchObject({ amount: 12_000, amountPaid: 8_000, currency: 'USD' });
  });

  it('the document refuses the same changes from any writer: refunded above paid, and paid money re-labelled', async () => {
    const t = await startTestServer();
    const client = await t.connect('w1', await t.token('planner', ['w1']));
    await client.whenSynced();
    client.doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer', email: 'lens@example.com' });
    client.doc.upsertPayment({ id: 'p1', vendorId: 'photo', amount: 10_000, amountPaid: 5_000, currency: 'GBP' });
    expect(() => client.doc.upsertPayment({ id: 'p1', amountRefunded: 5_001 })).toThrow(/refund cannot exceed what was paid/);
    expect(() => client.doc.upsertPayment({ id: 'p1', currency: 'EUR', amount: 9_000 })).toThrow(/must restate amountPaid/);
    expect(() => client.doc.upsertPayment({ id: 'p2', vendorId: 'photo', amount: 1, amountRefunded: 1, currency: 'GBP' })).toThrow(/refund cannot exceed/);
    expect(client.doc.getPayment('p1')).toMatchObject({ amount: 10_000, amountPaid: 5_000, amountRefunded: 0, currency: 'GBP' });
    expect(client.doc.upsertPayment({ id: 'p1', amountRefunded: 5_000 })).toMatchObject({ amountRefunded: 5_000 });
    // A payment stored against the rule before it (written into the document directly) still takes
    // changes that leave its money alone, and refuses those that do not mend it.
    (client.doc.payments.get('p1') as unknown as { set(k: string, v: unknown): void }).set('amountRefunded', 9_000);
    expect(client.doc.upsertPayment({ id: 'p1', status: 'refunded', requestUrl: 'https://pay.example.com/r/1' })).toMatchObject({ status: 'refunded', amountRefunded: 9_000 });
    expect(() => client.doc.upsertPayment({ id: 'p1', amountPaid: 8_000 })).toThrow(/refund cannot exceed/);
  });
});
