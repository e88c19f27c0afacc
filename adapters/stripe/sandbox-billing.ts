import type { SandboxResponse } from '../core/sandbox-http.ts';
import { json } from '../core/sandbox-http.ts';
import { chargeable, int, list, meta, newId, notFound, type Obj, type SandboxLedger } from './sandbox-ledger.ts';
import { createPaymentIntent, refundCharge, succeedPaymentIntent } from './sandbox-payments.ts';

/**
 * The Stripe sandbox's billing: customers, invoices and their items, invoice payments and credit
 * notes. As in Stripe since 2025-03-31, an invoice's money arrives through a payment intent (and
 * its charge) that carries none of the invoice's metadata, and the one link between them is the
 * invoice payment (`GET /v1/invoice_payments?invoice=…` or `?payment[type]=payment_intent&payment[payment_intent]=…`).
 */

/** The customer pays `amount` (default: what remains) of an open invoice; a partial payment leaves it open. */
export function payInvoice(l: SandboxLedger, invoiceId: string, amount?: number): Obj {
  const inv = l.must(invoiceId, 'invoice');
  if (inv.status !== 'open') throw new Error(`invoice ${invoiceId} is ${String(inv.status)}, not open`);
  const pay = Math.min(amount ?? (inv.amount_remaining as number), inv.amount_remaining as number);
  const pi = createPaymentIntent(l, { amount: pay, currency: String(inv.currency), description: `Payment for Invoice ${String(inv.number ?? inv.id)}` });
  succeedPaymentIntent(l, pi);
  const payment = l.store({
    id: newId('inpay'), object: 'invoice_payment', amount_paid: pay, amount_requested: pay, created: l.seconds(), currency: inv.currency, invoice: inv.id,
    is_default: (inv.amount_paid as number) === 0 && pay === inv.amount_remaining, livemode: false,
    payment: { type: 'payment_intent', payment_intent: pi.id }, status: 'paid', status_transitions: { canceled_at: null, paid_at: l.seconds() },
  });
  l.emit('invoice_payment.paid', payment);
  inv.amount_paid = (inv.amount_paid as number) + pay;
  inv.amount_remaining = (inv.amount_due as number) - (inv.amount_paid as number);
  if (inv.amount_remaining === 0) {
    inv.status = 'paid';
    (inv.status_transitions as Record<string, unknown>).paid_at = l.seconds();
    l.emit('invoice.paid', inv);
    l.emit('invoice.payment_succeeded', inv);
  } else {
    l.emit('invoice.updated', inv, { amount_paid: (inv.amount_paid as number) - pay });
  }
  return inv;
}

/** The invoice's paid payments, newest first. */
function paymentsOf(l: SandboxLedger, invoiceId: string): Obj[] {
  return [...l.objects.values()].filter((o) => o.object === 'invoice_payment' && o.invoice === invoiceId && o.status === 'paid').reverse();
}

/**
 * A credit note on a paid invoice: `refund_amount` goes back to the card (a refund of the charge of
 * the invoice's latest payment that has that much left), `credit_amount` to the customer balance,
 * `out_of_band_amount` outside Stripe; `amount` alone is credited to the balance.
 */
function createCreditNote(l: SandboxLedger, p: Record<string, unknown>): Obj {
  const inv = l.must(String(p.invoice), 'invoice');
  if (inv.status !== 'paid') throw new Error('This sandbox only credits paid invoices.');
  const refundAmount = p.refund_amount === undefined ? 0 : int(p.refund_amount, 'refund_amount');
  const other = (p.credit_amount === undefined ? 0 : int(p.credit_amount, 'credit_amount')) + (p.out_of_band_amount === undefined ? 0 : int(p.out_of_band_amount, 'out_of_band_amount'));
  const amount = p.amount === undefined ? refundAmount + other : int(p.amount, 'amount');
  if (amount < 1 || ((refundAmount > 0 || other > 0) && amount !== refundAmount + other)) throw new Error('The sum of refund_amount, credit_amount and out_of_band_amount must equal the credit note amount.');
  if ((inv.post_payment_credit_notes_amount as number) + amount > (inv.amount_paid as number)) throw new Error('The credit note total exceeds what was paid.');
  const refunds: { refund: string; amount_refunded: number; type: 'refund'; payment_record_refund: null }[] = [];
  if (refundAmount > 0) {
    const charge = paymentsOf(l, inv.id)
      .map((ip) => l.objects.get(String(l.objects.get(String((ip.payment as { payment_intent: string }).payment_intent))?.latest_charge)))
      .find((ch) => ch && (ch.amount_captured as number) - (ch.amount_refunded as number) >= refundAmount);
    if (!charge) throw new Error('No payment of this invoice has that much left to refund.');
    refunds.push({ refund: refundCharge(l, charge, refundAmount).id, amount_refunded: refundAmount, type: 'refund', payment_record_refund: null });
  }
  const previous = inv.post_payment_credit_notes_amount;
  inv.post_payment_credit_notes_amount = (inv.post_payment_credit_notes_amount as number) + amount;
  const cn = l.store({
    id: newId('cn'), object: 'credit_note', invoice: inv.id, amount, post_payment_amount: amount, pre_payment_amount: 0, currency: inv.currency, type: 'post_payment',
    status: 'issued', refunds, out_of_band_amount: p.out_of_band_amount === undefined ? null : int(p.out_of_band_amount, 'out_of_band_amount'), created: l.seconds(), metadata: meta(p.metadata),
  });
  l.emit('credit_note.created', cn);
  l.emit('invoice.updated', inv, { post_payment_credit_notes_amount: previous });
  return cn;
}

/** Routes of this resource group, or null when the route is not one of them. */
export function handleBilling(l: SandboxLedger, route: string, objectId: string | undefined, p: Record<string, unknown>): SandboxResponse | null {
  switch (route) {
    case 'POST customers': {
      const c = l.store({ id: newId('cus'), object: 'customer', email: p.email ?? null, name: p.name ?? null, metadata: meta(p.metadata), created: l.seconds() });
      l.emit('customer.created', c);
      return json(200, c);
    }
    case 'POST invoices': {
      if (!p.customer || !l.objects.has(String(p.customer))) throw notFound('customer', String(p.customer));
      const dueDate = p.due_date ? int(p.due_date, 'due_date') : l.seconds() + int(p.days_until_due ?? 30, 'days_until_due') * 86_400;
      if (dueDate <= l.seconds()) throw new Error('due_date must be in the future');
      const inv = l.store({
        id: newId('in'), object: 'invoice', customer: p.customer, currency: String(p.currency ?? 'gbp').toLowerCase(), status: 'draft', collection_method: p.collection_method ?? 'charge_automatically',
        amount_due: 0, amount_paid: 0, amount_remaining: 0, total: 0, description: p.description ?? null, due_date: dueDate, hosted_invoice_url: null, number: null,
        metadata: meta(p.metadata), post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0, created: l.seconds(),
        lines: { object: 'list', data: [] as Obj[], has_more: false, url: '' }, status_transitions: { finalized_at: null, paid_at: null, voided_at: null, marked_uncollectible_at: null },
      });
      l.emit('invoice.created', inv);
      return json(200, inv);
    }
    case 'GET invoices/:id': return json(200, l.must(objectId!, 'invoice'));
    case 'DELETE invoices/:id': {
      const inv = l.must(objectId!, 'invoice');
      if (inv.status !== 'draft') throw new Error('You can only delete draft invoices.');
      l.objects.delete(inv.id);
      l.emit('invoice.deleted', inv);
      return json(200, { id: inv.id, object: 'invoice', deleted: true });
    }
    case 'POST invoiceitems': {
      const inv = p.invoice ? l.must(String(p.invoice), 'invoice') : null;
      if (inv && inv.status !== 'draft') throw new Error('You can only add invoice items to draft invoices.');
      const item = l.store({ id: newId('ii'), object: 'invoiceitem', customer: p.customer, invoice: inv?.id ?? null, amount: chargeable(int(p.amount, 'amount'), String(p.currency)), currency: String(p.currency).toLowerCase(), description: p.description ?? null, metadata: meta(p.metadata), date: l.seconds() });
      if (inv) {
        (inv.lines as { data: Obj[] }).data.push({ id: newId('il'), object: 'line_item', amount: item.amount, currency: item.currency, description: item.description, metadata: item.metadata });
        inv.amount_due = inv.total = inv.amount_remaining = (inv.amount_due as number) + (item.amount as number);
      }
      return json(200, item);
    }
    case 'POST invoices/:id/finalize': {
      const inv = l.must(objectId!, 'invoice');
      if (inv.status !== 'draft') throw new Error(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`);
      inv.status = inv.amount_due === 0 ? 'paid' : 'open';
      inv.number = `WS-${String(l.objects.size).padStart(4, '0')}`;
      inv.hosted_invoice_url = `${l.url}/i/${inv.id}`;
      (inv.status_transitions as Record<string, unknown>).finalized_at = l.seconds();
      l.emit('invoice.finalized', inv);
      return json(200, inv);
    }
    case 'POST invoices/:id/send': {
      const inv = l.must(objectId!, 'invoice');
      if (inv.status !== 'open') throw new Error('You can only send open invoices.');
      l.emit('invoice.sent', inv);
      return json(200, inv);
    }
    case 'POST invoices/:id/pay': return json(200, payInvoice(l, objectId!));
    case 'POST invoices/:id/void': {
      const inv = l.must(objectId!, 'invoice');
      if (inv.status !== 'open' && inv.status !== 'uncollectible') throw new Error(`You can only void open or uncollectible invoices; this one is ${String(inv.status)}.`);
      inv.status = 'void';
      (inv.status_transitions as Record<string, unknown>).voided_at = l.seconds();
      l.emit('invoice.voided', inv);
      return json(200, inv);
    }
    case 'GET invoice_payments': {
      const payment = (p.payment ?? {}) as { type?: string; payment_intent?: string };
      if (p.payment && !payment.type) throw new Error('Missing required param: payment[type].');
      const all = [...l.objects.values()].filter((o) => o.object === 'invoice_payment'
        && (!p.invoice || o.invoice === p.invoice) && (!p.status || o.status === p.status)
        && (!payment.type || (o.payment as { type: string }).type === payment.type)
        && (!payment.payment_intent || (o.payment as { payment_intent?: string }).payment_intent === payment.payment_intent)).reverse();
      return json(200, list(all, p, '/v1/invoice_payments'));
    }
    case 'GET invoice_payments/:id': return json(200, l.must(objectId!, 'invoice_payment'));
    case 'POST credit_notes': return json(200, createCreditNote(l, p));
    case 'GET credit_notes': {
      const notes = [...l.objects.values()].filter((o) => o.object === 'credit_note' && (!p.invoice || o.invoice === p.invoice)).reverse();
      return json(200, list(notes, p, '/v1/credit_notes'));
    }
    default: return null;
  }
}
