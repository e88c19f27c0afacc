import { describe, expect, it } from 'vitest';
import type { AdapterState, OutboundChange, WeddingContext } from '../../adapters/core/index.ts';
import { stripeAdapter } from '../../adapters/stripe/index.ts';
import { startStripe, stripeTestFetch, wedding } from './helpers.ts';

const memoryState = (): AdapterState => { let s: Record<string, unknown> = {}; return { get: () => s, set: (n) => { s = n; } }; };
const context: WeddingContext = { weddingId: 'w1', meta: wedding.meta, vendors: Object.fromEntries(wedding.vendors.map((v) => [v.id, { ...v, phone: '', links: {} }])) };
const deposit = (due: string): OutboundChange => ({
  op: 'upsert', entity: 'payments', entityId: 'photo-deposit', externalId: null, version: null,
  data: { processor: 'stripe', vendorId: 'photo', milestone: 'deposit', description: 'Deposit', amount: 50_000, amountPaid: 0, currency: 'GBP', status: 'pending', due },
});

/** An adapter for wedding w1 against the sandbox, on a clock the test moves (ms since the epoch). */
function adapterAt(sandboxUrl: string, secretKey: string, clock: { now: number }) {
  return stripeAdapter.create({
    integrationId: 'int_stripe', weddingId: 'w1', credentials: { secretKey }, configuration: { apiBase: sandboxUrl, customerEmail: 'ana.ben@example.com', registerWebhook: false },
    runtime: { integrationId: 'int_stripe', weddingId: 'w1', webhookUrl: 'http://127.0.0.1:9/h', webhookSecret: 'whsec_test_0123456789abcdef0123456789', fetch: stripeTestFetch, egress: undefined as never, now: () => clock.now, state: memoryState() },
  });
}

describe('a Stripe invoice pushed again under the same key', () => {
  // Due at the end of 1 June 2027, UTC (dueDateSeconds): a due date is sent while more than an hour away.
  const endOfDue = Date.parse('2027-06-01T23:59:59Z');

  for (const [name, first, retry] of [
    ['first sent with its due date, retried within the hour before it', endOfDue - 2 * 3_600_000, endOfDue - 30 * 60_000],
    ['first sent with its due date, retried after it', endOfDue - 2 * 3_600_000, endOfDue + 3_600_000],
  ] as const) {
    it(`is the same invoice: ${name}`, async () => {
      const clock = { now: first };
      const sb = await startStripe(() => clock.now);
      const adapter = adapterAt(sb.url, sb.secretKey, clock);
      const key = 'wedsync-int_stripe-7-AbCdEfGh';
      const sent = await adapter.push!(deposit('2027-06-01'), { idempotencyKey: key, wedding: context });
      expect(sent.externalId).toMatch(/^in_/);
      const created = sb.posts.filter((p) => p.path === '/v1/invoices');
      expect(created).toHaveLength(1);
      expect(created[0]!.params).toMatchObject({ due_date: String(endOfDue / 1000) });

      // The outbox tries the row again (its answer was lost): the clock has moved past the hour's line.
      clock.now = retry;
      const again = await adapter.push!(deposit('2027-06-01'), { idempotencyKey: key, wedding: context });
      expect(again.externalId).toBe(sent.externalId);
      // One invoice was ever created: every later POST under the key was answered from Stripe's record.
      const posts = sb.posts.filter((p) => p.path === '/v1/invoices');
      expect(posts.filter((p) => !p.replayed)).toHaveLength(1);
      expect(posts.at(-1)).toMatchObject({ replayed: true, params: { due_date: String(endOfDue / 1000) } });
    });
  }
});
