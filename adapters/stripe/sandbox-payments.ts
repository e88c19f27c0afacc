import crypto from 'node:crypto';
import type { SandboxResponse } from '../core/sandbox-http.ts';
import { json } from '../core/sandbox-http.ts';
import { chargeable, clone, int, list, meta, newId, notFound, type Obj, type SandboxLedger } from './sandbox-ledger.ts';

/**
 * The Stripe sandbox's payments: payment intents, their charges, refunds (`POST /v1/refunds`, what
 * the Dashboard's "Refund" on a payment does) and Checkout sessions. As in Stripe, a charge copies
 * its intent's metadata, and a refund carries only the metadata given when it is created, so a
 * refund made outside WedSync names its charge and payment intent and nothing else.
 */

/** The intent succeeds with one charge for its whole amount (the customer paid). */
export function succeedPaymentIntent(l: SandboxLedger, pi: Obj): Obj {
  const charge = l.store({
    id: newId('ch'), object: 'charge', amount: pi.amount, amount_captured: pi.amount, amount_refunded: 0, refunded: false, currency: pi.currency,
    payment_intent: pi.id, metadata: clone(pi.metadata), status: 'succeeded', paid: true, captured: true, created: l.seconds(),
  });
  Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: charge.id });
  l.emit('charge.succeeded', charge);
  l.emit('payment_intent.succeeded', pi);
  return charge;
}

/** A payment intent as Stripe creates it for an invoice's payment: no metadata of the invoice's. */
export function createPaymentIntent(l: SandboxLedger, fields: { amount: number; currency: string; description?: unknown; metadata?: Record<string, string> }): Obj {
  const pi = l.store({
    id: newId('pi'), object: 'payment_intent', amount: fields.amount, amount_received: 0, currency: fields.currency.toLowerCase(), status: 'requires_payment_method',
    description: fields.description ?? null, metadata: fields.metadata ?? {}, created: l.seconds(), latest_charge: null,
    client_secret: `${newId('pi')}_secret_${crypto.randomBytes(8).toString('hex')}`, livemode: false,
  });
  l.emit('payment_intent.created', pi);
  return pi;
}

/** Refunds `amount` (default: what is left) of a charge: `refund.created`, then `charge.refunded`. */
export function refundCharge(l: SandboxLedger, charge: Obj, amount: number | undefined, metadata: Record<string, string> = {}): Obj {
  const left = (charge.amount_captured as number) - (charge.amount_refunded as number);
  const value = amount ?? left;
  if (value < 1 || value > left) throw new Error(`Refund amount (${value}) is greater than unrefunded amount on charge (${left})`);
  const refund = l.store({ id: newId('re'), object: 'refund', amount: value, charge: charge.id, payment_intent: charge.payment_intent, currency: charge.currency, status: 'succeeded', metadata, created: l.seconds() });
  const previous = charge.amount_refunded;
  charge.amount_refunded = (charge.amount_refunded as number) + value;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  l.emit('refund.created', refund);
  l.emit('charge.refunded', charge, { amount_refunded: previous, refunded: false });
  return refund;
}

/** Routes of this resource group, or null when the route is not one of them. */
export function handlePayments(l: SandboxLedger, route: string, objectId: string | undefined, p: Record<string, unknown>): SandboxResponse | null {
  switch (route) {
    case 'POST payment_intents': {
      const amount = int(p.amount, 'amount');
      if (amount < 1) throw new Error('Amount must be at least 1');
      chargeable(amount, String(p.currency ?? ''));
      return json(200, createPaymentIntent(l, { amount, currency: String(p.currency ?? ''), description: p.description, metadata: meta(p.metadata) }));
    }
    case 'GET payment_intents/:id': return json(200, l.must(objectId!, 'payment_intent'));
    case 'POST payment_intents/:id/cancel': {
      const pi = l.must(objectId!, 'payment_intent');
      if (pi.status === 'succeeded' || pi.status === 'canceled') throw new Error(`You cannot cancel this PaymentIntent because it has a status of ${String(pi.status)}.`);
      pi.status = 'canceled';
      pi.canceled_at = l.seconds();
      l.emit('payment_intent.canceled', pi);
      return json(200, pi);
    }
    case 'GET charges/:id': return json(200, l.must(objectId!, 'charge'));
    case 'GET charges': {
      const charges = [...l.objects.values()].filter((o) => o.object === 'charge' && (!p.payment_intent || o.payment_intent === p.payment_intent)).reverse();
      return json(200, list(charges, p, '/v1/charges'));
    }
    case 'POST refunds': {
      const pi = p.payment_intent ? l.must(String(p.payment_intent), 'payment_intent') : null;
      const chargeId = String(p.charge ?? pi?.latest_charge ?? '');
      const charge = l.objects.get(chargeId);
      if (!charge || charge.object !== 'charge') throw notFound('charge', chargeId);
      return json(200, refundCharge(l, charge, p.amount === undefined ? undefined : int(p.amount, 'amount'), meta(p.metadata)));
    }
    case 'GET refunds/:id': return json(200, l.must(objectId!, 'refund'));
    case 'POST checkout/sessions': {
      const items = (p.line_items as Record<string, Record<string, Record<string, unknown>>>[] | undefined) ?? [];
      const amount = items.reduce((sum, li) => sum + int(li.price_data?.unit_amount, 'unit_amount') * int((li as Record<string, unknown>).quantity ?? 1, 'quantity'), 0);
      const currency = String(items[0]?.price_data?.currency ?? 'gbp').toLowerCase();
      const piData = (p.payment_intent_data as Record<string, unknown> | undefined) ?? {};
      const pi = l.store({
        id: newId('pi'), object: 'payment_intent', amount, amount_received: 0, currency, status: 'requires_payment_method', description: null,
        metadata: meta(piData.metadata), created: l.seconds(), latest_charge: null, livemode: false,
      });
      const session = l.store({
        id: newId('cs'), object: 'checkout.session', mode: p.mode ?? 'payment', amount_total: amount, currency, payment_status: 'unpaid', status: 'open',
        payment_intent: pi.id, url: `${l.url}/c/pay/${pi.id}`, metadata: meta(p.metadata), success_url: p.success_url ?? null, created: l.seconds(),
      });
      return json(200, session);
    }
    case 'GET checkout/sessions/:id': return json(200, l.must(objectId!, 'checkout.session'));
    default: return null;
  }
}
