import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { InboundChange } from '../../adapters/core/index.ts';
import { STRIPE_FIELDS, mapCharge, mapPaymentIntent, type MapContext } from '../../adapters/stripe/mappers.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { OLDER_SNAPSHOT, applyInbound } from '../../server/bridge/inbound-applier.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { LinkStore } from '../../server/bridge/link-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { tempDir } from '../helpers/test-server.ts';
import { assertProperty } from '../helpers/property.ts';

// Stripe, Square and PayPal deliver a payment's events in any order, and intake order is not the
// order of applying: two deliveries stored in the other order, a pull beside a webhook, another
// instance's intake. Whatever order the snapshots are applied in, the wedding ends with the newest.

const db = openDatabase(tempDir(), { synchronous: 'normal' });
const integrations = new IntegrationStore(db, createCredentialCipher(crypto.randomBytes(32)));
const links = new LinkStore(db);
const connector = { sub: 'planner-user', role: 'planner' as const, vendorId: null };
const ctx: MapContext = { weddingId: 'w1', acceptUntagged: false };
let runs = 0;

function integration(): string {
  const id = `int_stripe_${++runs}`;
  integrations.createStandalone({
    id, weddingId: 'w1', system: 'stripe', category: 'payment_processor', vendorId: null, runMode: 'in_process',
    credentials: {}, webhookSecret: 'whsec_test', configuration: {}, configurationSecrets: [], capabilities: [], createdBy: connector.sub, connector,
  });
  return id;
}

/** A wedding whose planner planned two payments (WedSync then requested them in Stripe). */
function wedding(): WeddingDoc {
  const d = new WeddingDoc(new Y.Doc());
  d.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
  d.upsertPayment({ id: 'photo-deposit', vendorId: 'photo', milestone: 'deposit', amount: 40_000, currency: 'GBP', status: 'pending', processor: 'stripe' });
  d.upsertPayment({ id: 'photo-balance', vendorId: 'photo', milestone: 'balance', amount: 90_000, currency: 'GBP', status: 'pending', processor: 'stripe' });
  return d;
}

const apply = (d: WeddingDoc, integrationId: string, changes: InboundChange[]) =>
  applyInbound(d, { weddingId: 'w1', integrationId, system: 'stripe', fields: STRIPE_FIELDS, strategies: {}, links, now: Date.now, connector }, changes);

/** One snapshot of a payment intent's life, as Stripe's events carry it, mapped as the adapter maps it. */
interface Snapshot { changes: InboundChange[]; status: string; amountPaid: number; amountRefunded: number }

const metadata = (paymentId: string) => ({ wedsync_wedding_id: 'w1', wedsync_payment_id: paymentId, wedsync_vendor_id: 'photo', wedsync_milestone: 'deposit', wedsync_integration_id: 'int' });

/**
 * The intent `pi` of `amount` (minor units) through its life: created, succeeded, then refunds of
 * `refunds` (each in minor units), stamped at `seconds` (non-decreasing: events of one second tie,
 * and the status's rank orders them).
 */
function history(pi: string, paymentId: string, amount: number, refunds: number[], seconds: number[]): Snapshot[] {
  const intent = (status: string, received: number) => ({ id: pi, amount, amount_received: received, currency: 'gbp', status, description: null, metadata: metadata(paymentId) });
  const out: Snapshot[] = [
    { changes: mapPaymentIntent(intent('requires_payment_method', 0), ctx, seconds[0]!, 'payment_intent.created').changes, status: 'pending', amountPaid: 0, amountRefunded: 0 },
    { changes: mapPaymentIntent(intent('succeeded', amount), ctx, seconds[1]!, 'payment_intent.succeeded').changes, status: 'paid', amountPaid: amount, amountRefunded: 0 },
  ];
  let refunded = 0;
  refunds.forEach((r, i) => {
    refunded = Math.min(amount, refunded + r);
    const charge = { id: `ch_${pi}`, amount, amount_captured: amount, amount_refunded: refunded, currency: 'gbp', payment_intent: pi, metadata: metadata(paymentId) };
    out.push({ changes: mapCharge(charge, ctx, seconds[2 + i]!).changes, status: refunded >= amount ? 'refunded' : 'partially_refunded', amountPaid: amount, amountRefunded: refunded });
  });
  return out;
}

/** Times for n snapshots: each the same second as the one before or later. */
const seconds = (n: number) => fc.array(fc.constantFrom(0, 0, 1, 7), { minLength: n, maxLength: n }).map((steps) => {
  let t = 1_800_000_000;
  return steps.map((s) => (t += s));
});

describe('payment snapshots applied out of order', () => {
  it('a paid deposit whose `created` is applied after `succeeded` stays paid, and the stale change is reported as skipped', () => {
    const d = wedding();
    const id = integration();
    const [created, succeeded] = history('pi_1', 'photo-deposit', 40_000, [], [1_800_000_000, 1_800_000_000]);
    apply(d, id, succeeded!.changes);
    expect(d.getPayment('photo-deposit')).toMatchObject({ status: 'paid', amountPaid: 40_000 });
    const late = apply(d, id, created!.changes);
    expect(d.getPayment('photo-deposit')).toMatchObject({ status: 'paid', amountPaid: 40_000 });
    expect(late).toMatchObject({ applied: 0, skipped: 1 });
    expect(late.details).toEqual([{ op: 'upsert', entity: 'payments', entityId: 'photo-deposit', result: 'skipped', message: OLDER_SNAPSHOT }]);
    // Kept on the link, for the next batch and the next instance: what was applied last.
    expect(links.byExternalId(id, 'payments', 'pi_1')?.snapshot).toEqual({ at: 1_800_000_000_000, rank: 5, progress: 40_000 });
  });

  it('within one batch the newest of an object\'s snapshots wins, whatever their order in it', () => {
    const d = wedding();
    const id = integration();
    const h = history('pi_2', 'photo-deposit', 40_000, [30_000], [1_800_000_000, 1_800_000_001, 1_800_000_001]);
    const outcome = apply(d, id, [...h[2]!.changes, ...h[0]!.changes, ...h[1]!.changes]);
    expect(d.getPayment('photo-deposit')).toMatchObject({ status: 'partially_refunded', amountPaid: 40_000, amountRefunded: 30_000 });
    expect(outcome.details.map((x) => x.result)).toEqual(['ok', 'skipped', 'skipped']);
  });

  it('a positioned deletion is ordered with the snapshots: skipped when older than the link\'s, and an older snapshot after it in the batch does not bring the object back', () => {
    const d = wedding();
    const id = integration();
    const [, succeeded] = history('pi_4', 'photo-deposit', 40_000, [], [1_800_000_000, 1_800_000_005]);
    apply(d, id, succeeded!.changes);
    const gone = (at: number): InboundChange => ({ op: 'delete', entity: 'payments', externalId: 'pi_4', entityId: 'photo-deposit', position: { at, rank: 0 } });
    // Read before the snapshot applied: skipped, the payment stays.
    expect(apply(d, id, [gone(1_800_000_001_000)])).toMatchObject({ applied: 0, skipped: 1 });
    expect(d.getPayment('photo-deposit')).toMatchObject({ status: 'paid' });
    // Newer, then an older snapshot in the same batch: deleted, and the older one is skipped.
    const [created] = history('pi_4', 'photo-deposit', 40_000, [], [1_800_000_006, 1_800_000_006]);
    const outcome = apply(d, id, [gone(1_800_000_009_000), ...created!.changes]);
    expect(outcome.details.map((x) => x.result)).toEqual(['ok', 'skipped']);
    expect(d.getPayment('photo-deposit')).toBeUndefined();
  });

  it('a change without a position (a read-back, our own push\'s write-back) applies, and keeps the newest position known', () => {
    const d = wedding();
    const id = integration();
    const [created, succeeded] = history('pi_3', 'photo-deposit', 40_000, [], [1_800_000_000, 1_800_000_005]);
    apply(d, id, succeeded!.changes);
    apply(d, id, [{ op: 'upsert', entity: 'payments', externalId: 'pi_3', entityId: 'photo-deposit', data: { requestUrl: 'https://pay.example/pi_3' } }]);
    expect(d.getPayment('photo-deposit')).toMatchObject({ status: 'paid', requestUrl: 'https://pay.example/pi_3' });
    apply(d, id, created!.changes);
    expect(d.getPayment('photo-deposit')!.status).toBe('paid');
    // A push's save of the link does not know the position, and keeps it.
    const link = links.byExternalId(id, 'payments', 'pi_3')!;
    links.save({ ...link, snapshot: null, lastSynced: { ...link.lastSynced, description: 'x' } });
    expect(links.byExternalId(id, 'payments', 'pi_3')!.snapshot).toEqual({ at: 1_800_000_005_000, rank: 5, progress: 40_000 });
    // A new external object for the entity starts afresh.
    links.save({ ...link, externalId: 'pi_3b', snapshot: null });
    expect(links.byExternalId(id, 'payments', 'pi_3b')!.snapshot).toBeNull();
  });

  it('property: any order and batching of two payments\' histories ends at each one\'s newest snapshot', () => {
    const plan = fc.record({
      refundsA: fc.array(fc.integer({ min: 1, max: 40_000 }), { maxLength: 3 }),
      refundsB: fc.array(fc.integer({ min: 1, max: 90_000 }), { maxLength: 3 }),
      secondsA: seconds(5),
      secondsB: seconds(5),
      order: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      cuts: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    });
    assertProperty(fc.property(plan, (p) => {
      const d = wedding();
      const id = integration();
      const a = history(`pi_a${runs}`, 'photo-deposit', 40_000, p.refundsA, p.secondsA);
      const b = history(`pi_b${runs}`, 'photo-balance', 90_000, p.refundsB, p.secondsB);
      // Shuffle (by the drawn keys), then cut into batches where drawn.
      const all = [...a, ...b].map((s, i) => ({ s, key: p.order[i] ?? 0, i })).sort((x, y) => x.key - y.key || x.i - y.i).map((x) => x.s);
      let batch: InboundChange[] = [];
      all.forEach((s, i) => {
        batch.push(...s.changes);
        if (p.cuts[i] || i === all.length - 1) {
          apply(d, id, batch);
          batch = [];
        }
      });
      for (const [paymentId, h] of [['photo-deposit', a], ['photo-balance', b]] as const) {
        const newest = h[h.length - 1]!;
        expect(d.getPayment(paymentId)).toMatchObject({ status: newest.status, amountPaid: newest.amountPaid, amountRefunded: newest.amountRefunded });
      }
    }), { numRuns: 150 });
  });
});
