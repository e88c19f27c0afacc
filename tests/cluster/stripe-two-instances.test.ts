import { describe, expect, it } from 'vitest';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../comms/helpers.ts';
import { connectStripe, planPayments, startStripe, wedding } from '../payments/helpers.ts';

interface AuditEntries { entries: { action: string; detail: Record<string, unknown> }[] }

/**
 * Stripe behind a load balancer: its deliveries reach whichever instance the balancer picks, in any
 * order. Each instance checks an event against what it has itself let through; only the order the
 * wedding's inbox applies them in decides. The story: the couple pays the deposit → `succeeded`
 * reaches instance A, the late `created` instance B → the deposit stays paid.
 */
describe('Stripe webhooks spread over two instances on PostgreSQL', () => {
  const cluster = useTwoInstances({ CASCADE_DELAY_MS: '0' });

  it('a paid deposit stays paid when its `created` reaches the other instance after `succeeded` was applied', async () => {
    const { a, b } = cluster();
    const planner = await a.token('planner', ['w1']);
    const sandbox = await startStripe();
    await seedWedding(a, planner, 'w1', wedding);
    await connectStripe(a, planner, 'w1', sandbox, { requestAs: 'payment_intent' });
    const client = await a.connect('w1', planner);
    await client.whenSynced();

    sandbox.holdDeliveries();
    await planPayments(a, planner, 'w1', { vendorId: 'photo', currency: 'GBP', total: 120_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    const intent = await waitFor(() => [...sandbox.objects.values()].find((o) => o.object === 'payment_intent'), 'intent created');
    const audit = async () => ((await (await a.fetch('/api/integrations/wedding/w1/audit', { token: planner })).json()) as AuditEntries).entries;
    await waitFor(async () => (await audit()).some((e) => e.action === 'push.delivered'), 'requested');
    sandbox.payPaymentIntent(intent.id);
    sandbox.discardHeldDeliveries();
    const eventOf = (type: string) => sandbox.events.find((e) => e.type === type && e.data.object.id === intent.id)!;
    const created = eventOf('payment_intent.created');
    const succeeded = eventOf('payment_intent.succeeded');

    expect(await sandbox.deliverThrough(succeeded.id, a.httpUrl)).toEqual([200]);
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'paid', 'paid');
    // B has let nothing of this intent through yet: it takes the late `created` in.
    expect(await sandbox.deliverThrough(created.id, b.httpUrl)).toEqual([200]);
    expect(JSON.parse(sandbox.deliveries.at(-1)!.reply)).toEqual({ received: true });
    // Applied after `succeeded`, it is skipped as older, and said so in the wedding's audit.
    await waitFor(async () => (await audit()).some((e) => e.detail.eventId === created.id), 'the late event applied');
    expect(client.doc.getPayment('photo-deposit')).toMatchObject({ status: 'paid', amountPaid: 120_000 });
    const onB = await b.connect('w1', planner);
    await onB.whenSynced();
    expect(onB.doc.getPayment('photo-deposit')).toMatchObject({ status: 'paid', amountPaid: 120_000 });
  });
});
