import { describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import type { BudgetResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, getJson, postJson, seedWedding, setNotificationMode, startCommsSandboxes } from '../comms/helpers.ts';
import { connectStripe, planPayments, startStripe, wedding } from './helpers.ts';

const env = { NOTIFY_QUIET_MINUTES: '0' };

describe('Stripe: payment requests, verified webhooks, the budget every peer sees', () => {
  it('deposit paid to the photographer → the couple\'s budget updates in a connected client, and the couple and planner are told', async () => {
    const t = await startTestServer({ env });
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const stripe = await startStripe();
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', wedding);
    await setNotificationMode(t, planner, 'w1', 'automatic');
    await connectIntegration(t, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: sb.smtp.port, tls: 'none', from: { address: 'wedding@example.com' } } });
    const conn = await connectStripe(t, planner, 'w1', stripe);
    // Connecting created the webhook endpoint for this integration's URL.
    expect(stripe.endpointSecret()).toMatch(/^whsec_/);

    const couple = await t.connect('w1', await t.token('couple', ['w1'], { sub: 'ana' }));
    await couple.whenSynced();
    await planPayments(t, planner, 'w1', {
      vendorId: 'photo', currency: 'GBP', total: 200_001, processor: 'stripe',
      milestones: [{ milestone: 'deposit', weight: 25, due: '2027-03-01' }, { milestone: 'balance', weight: 75, due: '2027-05-30' }],
    });

    // Each milestone became a finalized Stripe invoice, every POST with an Idempotency-Key.
    await waitFor(() => couple.doc.getPayment('photo-deposit')?.requestUrl && couple.doc.getPayment('photo-balance')?.requestUrl, 'hosted invoice URLs on both milestones');
    const deposit = couple.doc.getPayment('photo-deposit')!;
    expect(deposit).toMatchObject({ amount: 50_000, currency: 'GBP', status: 'pending', processor: 'stripe' });
    expect(couple.doc.getPayment('photo-balance')!.amount).toBe(150_001);
    expect(stripe.posts.filter((p) => p.path.startsWith('/v1/invoice')).every((p) => p.idempotencyKey)).toBe(true);
    const invoices = [...stripe.objects.values()].filter((o) => o.object === 'invoice');
    expect(invoices.map((i) => i.status).sort()).toEqual(['open', 'open']);
    const depositInvoice = invoices.find((i) => (i.metadata as Record<string, string>).wedsync_payment_id === 'photo-deposit')!;
    expect(depositInvoice.amount_due).toBe(50_000);
    await waitFor(() => couple.doc.getBudget()?.totals.GBP?.planned === 200_001, 'planned budget');

    // The couple pays the deposit on Stripe's page: the signed webhook reaches the document.
    stripe.payInvoice(depositInvoice.id);
    await waitFor(() => couple.doc.getPayment('photo-deposit')?.status === 'paid', 'deposit paid');
    await waitFor(() => couple.doc.getBudget()?.totals.GBP?.paid === 50_000, 'budget paid');
    expect(couple.doc.getBudget()!.totals.GBP).toMatchObject({ planned: 200_001, paid: 50_000, outstanding: 150_001 });
    expect(couple.doc.getBudget()!.vendors.photo!.GBP!.outstanding).toBe(150_001);
    expect(couple.doc.getPayment('photo-deposit')!.paidAt).not.toBe('');

    // Payment received → the couple and the planner hear about it.
    const mail = await waitFor(() => sb.smtp.to('pat@example.com').find((m) => m.subject.startsWith('Payment received')), 'payment received mail');
    expect(mail.subject).toBe('Payment received: £500.00 to Lens & Light — Ana & Ben');
    expect(mail.text).toContain('£1,500.01 outstanding');
    await waitFor(() => sb.smtp.to('ana.ben@example.com').some((m) => m.subject.startsWith('Payment received')), 'the couple told');

    // Stripe delivers an event again: acknowledged, applied once, nobody told twice.
    const paidEvent = stripe.events.find((e) => e.type === 'invoice.paid')!;
    expect(await stripe.redeliver(paidEvent.id)).toEqual([200]);
    expect(JSON.parse(stripe.deliveries.at(-1)!.reply)).toEqual({ received: true, duplicate: true });
    const budgetRes = await getJson<BudgetResponse>(t, '/api/weddings/w1/budget', planner);
    expect(budgetRes.body.budget.totals.GBP!.paid).toBe(50_000);
    expect(budgetRes.body.vendors[0]!.milestones.map((m) => m.id)).toEqual(['photo-deposit', 'photo-balance']);
    // Nothing was stored for the duplicate, so nothing can follow from it: still one notification.
    expect(sb.smtp.to('pat@example.com').filter((m) => m.subject.startsWith('Payment received'))).toHaveLength(1);

    // A forged signature and a stale one are refused before anything is stored.
    const body = JSON.stringify({ ...paidEvent, id: 'evt_forged' });
    const now = Math.floor(Date.now() / 1000);
    // A delivery signed with a leading byte-order mark (as a relay might write it) is read, not refused.
    const marked = `\uFEFF${JSON.stringify({ ...paidEvent, id: 'evt_marked' })}`;
    const markedRes = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': StripeSandbox.sign(stripe.endpointSecret(), marked, now) }, body: marked });
    expect({ status: markedRes.status, body: await markedRes.json() }).toEqual({ status: 200, body: { received: true } });
    const forged = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': StripeSandbox.sign('whsec_notthesecret0000000000', body, now) }, body });
    expect(forged.status).toBe(401);
    const stale = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': StripeSandbox.sign(stripe.endpointSecret(), body, now - 301) }, body });
    expect(stale.status).toBe(401);
    expect((await stale.json() as { error: { code: string } }).error.code).toBe('signature_stale');
    // Tolerance holds in both directions: a signature dated a day ahead is no fresher than one a day old.
    // (A minute past the 300 s tolerance: the test's own clock reading must not decide the outcome.)
    for (const ahead of [360, 86_400]) {
      const signedAt = Math.floor(Date.now() / 1000) + ahead;
      const futureBody = JSON.stringify({ ...paidEvent, id: `evt_future_${ahead}` });
      const future = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': StripeSandbox.sign(stripe.endpointSecret(), futureBody, signedAt) }, body: futureBody });
      expect({ ahead, status: future.status, code: (await future.json() as { error: { code: string } }).error.code }).toEqual({ ahead, status: 401, code: 'signature_stale' });
    }
    // The same future signature behind a second, current `t=` (stripe-node checks the last one): still refused.
    {
      const signedAt = Math.floor(Date.now() / 1000) + 7200;
      const futureBody = JSON.stringify({ ...paidEvent, id: 'evt_future_twice' });
      const header = `t=${Math.floor(Date.now() / 1000)},${StripeSandbox.sign(stripe.endpointSecret(), futureBody, signedAt)}`;
      const twice = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: futureBody });
      expect({ status: twice.status, code: (await twice.json() as { error: { code: string } }).error.code }).toEqual({ status: 401, code: 'signature_stale' });
    }

    // A partial payment of the balance, then part of the deposit credited back.
    const balanceInvoice = invoices.find((i) => i.id !== depositInvoice.id)!;
    stripe.payInvoice(balanceInvoice.id, 30_000);
    await waitFor(() => couple.doc.getPayment('photo-balance')?.status === 'partially_paid', 'balance partially paid');
    expect(couple.doc.getPayment('photo-balance')!.amountPaid).toBe(30_000);
    const credit = await fetch(`${stripe.url}/v1/credit_notes`, { method: 'POST', headers: { authorization: `Bearer ${stripe.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `invoice=${depositInvoice.id}&amount=10000` });
    expect(credit.status).toBe(200);
    await waitFor(() => couple.doc.getPayment('photo-deposit')?.status === 'partially_refunded', 'deposit partly refunded');
    await waitFor(() => couple.doc.getBudget()?.totals.GBP?.refunded === 10_000, 'refund in the budget');
    expect(couple.doc.getBudget()!.totals.GBP).toMatchObject({ paid: 80_000, refunded: 10_000, outstanding: 120_001 });
  });

  it('ends in the right state when Stripe delivers events out of order, and catches up through GET /v1/events after missing webhooks', async () => {
    const t = await startTestServer({ env });
    const planner = await t.token('planner', ['w2']);
    const stripe = await startStripe();
    await seedWedding(t, planner, 'w2', wedding);
    await connectStripe(t, planner, 'w2', stripe, { requestAs: 'payment_intent' });
    const client = await t.connect('w2', planner);
    await client.whenSynced();

    stripe.holdDeliveries();
    await planPayments(t, planner, 'w2', { vendorId: 'venue', currency: 'GBP', total: 300_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-04-01' }, { milestone: 'final', weight: 1, due: '2027-06-01' }] });
    await waitFor(() => [...stripe.objects.values()].filter((o) => o.object === 'payment_intent').length === 2, 'payment intents created');
    const intents = [...stripe.objects.values()].filter((o) => o.object === 'payment_intent');
    const deposit = intents.find((p) => (p.metadata as Record<string, string>).wedsync_payment_id === 'venue-deposit')!;
    expect(deposit).toMatchObject({ amount: 150_000, currency: 'gbp' });
    stripe.payPaymentIntent(deposit.id);
    // succeeded arrives before created: the older snapshot is acknowledged and dropped.
    await stripe.releaseDeliveries('reversed');
    await waitFor(() => client.doc.getPayment('venue-deposit')?.status === 'paid', 'deposit paid');
    expect(client.doc.getPayment('venue-deposit')!.amountPaid).toBe(150_000);
    // The late `created` was acknowledged (Stripe must not retry it) and not stored: it cannot regress the payment.
    const created = stripe.deliveries.find((d) => d.type === 'payment_intent.created' && JSON.parse(d.body).data.object.id === deposit.id)!;
    expect(stripe.deliveries.findIndex((d) => d.type === 'payment_intent.succeeded')).toBeLessThan(stripe.deliveries.indexOf(created));
    expect(created.status).toBe(200);
    expect(JSON.parse(created.reply)).toEqual({ received: true, ignored: 'older than what was already applied' });
    expect(client.doc.getPayment('venue-deposit')!.status).toBe('paid');

    // Webhooks stop reaching us (our server was down, say): the final payment and a refund happen meanwhile.
    stripe.holdDeliveries();
    const final = intents.find((p) => p.id !== deposit.id)!;
    stripe.payPaymentIntent(final.id);
    const refund = await fetch(`${stripe.url}/v1/refunds`, { method: 'POST', headers: { authorization: `Bearer ${stripe.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `payment_intent=${deposit.id}&amount=50000` });
    expect(refund.status).toBe(200);
    expect(stripe.discardHeldDeliveries()).toBeGreaterThan(0);
    // A sync pulls GET /v1/events from the last event seen.
    const sync = await postJson<{ syncResults: { success: boolean; applied: number }[] }>(t, '/api/integrations/sync/w2', planner, { systems: ['stripe'] });
    expect(sync.status).toBe(200);
    expect(sync.body.syncResults[0]).toMatchObject({ success: true });
    await waitFor(() => client.doc.getPayment('venue-final')?.status === 'paid' && client.doc.getPayment('venue-deposit')?.status === 'partially_refunded', 'caught up');
    expect(client.doc.getPayment('venue-deposit')!.amountRefunded).toBe(50_000);
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.paid === 300_000 && client.doc.getBudget()?.totals.GBP?.refunded === 50_000, 'budget caught up');
  });
});
