import { describe, expect, it } from 'vitest';
import { PaypalSandbox } from '../../adapters/paypal/sandbox.ts';
import { SquareSandbox } from '../../adapters/square/sandbox.ts';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, seedWedding } from '../comms/helpers.ts';
import { planPayments, wedding } from './helpers.ts';

/**
 * Issue 9, deliverable 3, for the payment adapters that pull. None of their full reads is a listing
 * of the wedding's payments: Stripe's is its event log (30 days), PayPal's a read-back of the orders
 * we know, Square's a list of payment links (a withdrawn link is not a withdrawn debt). So a full
 * sync must not take a payment that its read did not mention for deleted.
 */

interface Processor {
  name: 'stripe' | 'square' | 'paypal';
  start(): Promise<{ stop(): Promise<void> }>;
  connection(sb: unknown): { credentials: Record<string, unknown>; configuration: Record<string, unknown> };
  /** The processor's own object for the payment disappears from what a pull reads, where the sandbox allows it. */
  forget?(sb: unknown): void;
}

const PROCESSORS: Processor[] = [
  {
    name: 'stripe',
    start: () => new StripeSandbox({}).start(),
    connection: (sb) => ({ credentials: { secretKey: (sb as StripeSandbox).secretKey }, configuration: { apiBase: (sb as StripeSandbox).url, customerEmail: 'ana.ben@example.com' } }),
  },
  {
    name: 'square',
    start: () => new SquareSandbox().start(),
    connection: (sb) => ({ credentials: { accessToken: (sb as SquareSandbox).accessToken }, configuration: { locationId: (sb as SquareSandbox).locationId, apiBase: (sb as SquareSandbox).url } }),
    forget: (sb) => (sb as SquareSandbox).paymentLinks.clear(),
  },
  {
    name: 'paypal',
    start: () => new PaypalSandbox().start(),
    connection: (sb) => ({ credentials: { clientId: (sb as PaypalSandbox).clientId, clientSecret: (sb as PaypalSandbox).clientSecret }, configuration: { apiBase: (sb as PaypalSandbox).url } }),
  },
];

async function syncFull(t: TestServer, token: string, weddingId: string) {
  const res = await t.fetch(`/api/integrations/sync/${weddingId}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType: 'full' }) });
  expect(res.status).toBe(200);
  return await res.json() as { syncResults: { system: string; success: boolean; error?: string }[] };
}

describe.each(PROCESSORS)('$name: a full sync reconciles nothing its read cannot vouch for', (p) => {
  it('keeps a linked payment that the full read did not mention', async () => {
    const weddingId = `resync-${p.name}`;
    const t = await startTestServer({ env: { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' } });
    const planner = await t.token('planner', [weddingId]);
    const sb = await p.start();
    registerTeardown(() => sb.stop());
    await seedWedding(t, planner, weddingId, wedding);
    await connectIntegration(t, planner, { weddingId, system: p.name, ...p.connection(sb) });
    const client = await t.connect(weddingId, planner);
    await client.whenSynced();
    await planPayments(t, planner, weddingId, { vendorId: 'venue', currency: 'GBP', total: 100_000, processor: p.name, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-02-01' }] });
    await waitFor(() => client.doc.getPayment('venue-deposit')?.requestUrl, 'the payment linked to its processor object');
    p.forget?.(sb);

    const body = await syncFull(t, planner, weddingId);
    expect(body.syncResults.find((r) => r.system === p.name)?.success).toBe(true);
    await client.whenAcknowledged();
    expect(client.doc.getPayment('venue-deposit')).toMatchObject({ amount: 100_000, currency: 'GBP' });
    const audit = await (await t.fetch(`/api/integrations/wedding/${weddingId}/audit?limit=500`, { token: planner })).json() as { entries: { action: string }[] };
    expect(audit.entries.map((e) => e.action)).not.toContain('pull.reconciled');
  });
});
