import type { Payment } from '../../schema/index.ts';
import {
  AdapterError, PAYMENT_STATUS_RANK,
  type InboundChange, type OutboundChange, type SnapshotPosition, type WeddingContext,
} from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';

/** The payment fields Stripe carries (amounts in minor units: Stripe's `amount` is already in them). */
export const STRIPE_FIELDS = {
  payments: ['vendorId', 'description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'due', 'processor', 'requestUrl', 'paidAt'],
} as const;

/** Metadata keys on every object WedSync creates in Stripe. */
export const META = {
  wedding: 'wedsync_wedding_id',
  payment: 'wedsync_payment_id',
  vendor: 'wedsync_vendor_id',
  milestone: 'wedsync_milestone',
  integration: 'wedsync_integration_id',
} as const;

type Metadata = Record<string, string> | null | undefined;

/** The parts of a Stripe event this adapter reads (API version 2026-10-28 shapes). */
export interface StripeEventJson {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Record<string, unknown> & { id: string; object: string; metadata?: Metadata } };
}

interface PaymentIntentJson { id: string; amount: number; amount_received: number; currency: string; status: string; description: string | null; metadata: Metadata }
interface InvoiceJson { id: string; amount_due: number; amount_paid: number; currency: string; status: string | null; description: string | null; due_date: number | null; hosted_invoice_url: string | null; post_payment_credit_notes_amount?: number; metadata: Metadata; status_transitions?: { paid_at: number | null } }
interface ChargeJson { id: string; amount: number; amount_captured: number; amount_refunded: number; currency: string; payment_intent: string | null; metadata: Metadata }
interface CheckoutSessionJson { id: string; amount_total: number | null; currency: string | null; payment_status: string; status: string | null; payment_intent: string | null; url: string | null; metadata: Metadata }

export interface MapContext {
  weddingId: string;
  /** Attributed to untagged payments, when they are accepted. */
  vendorId?: string;
  acceptUntagged: boolean;
}

/** What one event means for the wedding: its changes and the snapshot position for ordering. */
export interface MappedEvent {
  /** False for events about other weddings, untagged payments (unless accepted) and types not mapped. */
  relevant: boolean;
  changes: InboundChange[];
  position: SnapshotPosition | null;
}

const NOT_RELEVANT: MappedEvent = { relevant: false, changes: [], position: null };

export function parseEvent(rawBody: string): StripeEventJson {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch (error) {
    throw new AdapterError('invalid_payload', 'the Stripe event is not JSON', { cause: error });
  }
  const e = json as Partial<StripeEventJson>;
  if (!e || e.object !== 'event' || typeof e.id !== 'string' || typeof e.type !== 'string' || typeof e.created !== 'number' || !e.data?.object) {
    throw new AdapterError('invalid_payload', 'not a Stripe event (id, type, created and data.object are required)');
  }
  return e as StripeEventJson;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const isoDate = (seconds: number) => iso(seconds).slice(0, 10);
/** A payment's `description` limit in the schema (UTF-16 units), also what we send Stripe. */
const DESCRIPTION_MAX = 300;

/** The milestone a metadata value names, or `other`. */
function milestoneOf(value: string | undefined): Payment['milestone'] {
  return value === 'deposit' || value === 'balance' || value === 'final' ? value : 'other';
}

/**
 * The tags on an object: null when it belongs to another wedding, or carries none and untagged
 * payments are not accepted.
 */
function identify(metadata: Metadata, ctx: MapContext): { entityId?: string; vendorId: string; milestone: Payment['milestone'] } | null {
  const m = metadata ?? {};
  const wedding = m[META.wedding];
  if (wedding) {
    if (wedding !== ctx.weddingId || !m[META.vendor]) return null;
    return { entityId: m[META.payment], vendorId: m[META.vendor]!, milestone: milestoneOf(m[META.milestone]) };
  }
  if (!ctx.acceptUntagged || !ctx.vendorId) return null;
  return { vendorId: ctx.vendorId, milestone: milestoneOf(m[META.milestone]) };
}

function upsert(externalId: string, id: ReturnType<typeof identify>, data: Record<string, unknown>): InboundChange {
  return { op: 'upsert', entity: 'payments', externalId, ...(id!.entityId ? { entityId: id!.entityId } : {}), data: { processor: 'stripe', vendorId: id!.vendorId, ...data } };
}

function position(key: string, created: number, status: Payment['status']): SnapshotPosition {
  return { key, at: created * 1000, rank: PAYMENT_STATUS_RANK[status] };
}

function paymentIntentStatus(pi: PaymentIntentJson, eventType: string): Payment['status'] {
  if (eventType === 'payment_intent.payment_failed') return 'failed';
  switch (pi.status) {
    case 'succeeded': return pi.amount_received >= pi.amount ? 'paid' : 'partially_paid';
    case 'processing': case 'requires_capture': return 'processing';
    case 'requires_action': return 'requires_action';
    case 'canceled': return 'cancelled';
    default: return pi.amount_received > 0 ? 'partially_paid' : 'pending';
  }
}

function invoiceStatus(inv: InvoiceJson, eventType: string): Payment['status'] {
  const refunded = inv.post_payment_credit_notes_amount ?? 0;
  if (eventType === 'invoice.payment_failed' && inv.status === 'open') return 'failed';
  switch (inv.status) {
    case 'paid': return refunded === 0 ? 'paid' : refunded >= inv.amount_paid ? 'refunded' : 'partially_refunded';
    case 'void': return 'cancelled';
    case 'uncollectible': return 'failed';
    default: return inv.amount_paid > 0 ? 'partially_paid' : 'pending';
  }
}

/**
 * A verified Stripe event → changes to the wedding's payments. Pure.
 * - payment_intent.*: the intent's amount, amount received and status.
 * - invoice.*: amount due, paid, credited back (refunds of invoices are credit notes), status, due date, hosted URL.
 * - checkout.session.*: the session's total and payment status (keyed by its payment intent, so both agree).
 * - charge.refunded / charge.refund.updated: refunded and captured amounts of the intent's charge.
 */
export function mapEvent(event: StripeEventJson, ctx: MapContext): MappedEvent {
  const [kind] = event.type.split('.');
  const obj = event.data.object;
  if (kind === 'payment_intent' && obj.object === 'payment_intent') {
    const pi = obj as unknown as PaymentIntentJson;
    const id = identify(pi.metadata, ctx);
    if (!id) return NOT_RELEVANT;
    const status = paymentIntentStatus(pi, event.type);
    return {
      relevant: true,
      position: position(pi.id, event.created, status),
      changes: [upsert(pi.id, id, {
        milestone: id.milestone, amount: pi.amount, amountPaid: pi.amount_received, currency: pi.currency.toUpperCase(), status,
        ...(pi.description ? { description: clipText(pi.description, DESCRIPTION_MAX) } : {}),
        ...(status === 'paid' ? { paidAt: iso(event.created) } : {}),
      })],
    };
  }
  if (kind === 'invoice' && obj.object === 'invoice') {
    const inv = obj as unknown as InvoiceJson;
    const id = identify(inv.metadata, ctx);
    // A draft's amount is still being built up line by line: only a finalized invoice says what is asked.
    if (!id || inv.status === 'draft') return NOT_RELEVANT;
    const status = invoiceStatus(inv, event.type);
    const paidAt = inv.status_transitions?.paid_at;
    return {
      relevant: true,
      position: position(inv.id, event.created, status),
      changes: [upsert(inv.id, id, {
        milestone: id.milestone, amount: inv.amount_due, amountPaid: inv.amount_paid, amountRefunded: inv.post_payment_credit_notes_amount ?? 0,
        currency: inv.currency.toUpperCase(), status,
        ...(inv.description ? { description: clipText(inv.description, DESCRIPTION_MAX) } : {}),
        // WedSync's own requests keep the planner's due date (Stripe cannot hold one in the past).
        ...(inv.due_date && !id.entityId ? { due: isoDate(inv.due_date) } : {}),
        ...(inv.hosted_invoice_url ? { requestUrl: inv.hosted_invoice_url } : {}),
        ...(paidAt ? { paidAt: iso(paidAt) } : {}),
      })],
    };
  }
  if (event.type.startsWith('checkout.session.') && obj.object === 'checkout.session') {
    const s = obj as unknown as CheckoutSessionJson;
    const id = identify(s.metadata, ctx);
    if (!id || s.amount_total === null || !s.currency) return NOT_RELEVANT;
    const paid = s.payment_status === 'paid';
    const status: Payment['status'] = paid ? 'paid' : event.type === 'checkout.session.async_payment_failed' ? 'failed' : event.type === 'checkout.session.expired' ? 'cancelled' : 'pending';
    const key = s.payment_intent ?? s.id;
    return {
      relevant: true,
      position: position(key, event.created, status),
      changes: [upsert(key, id, {
        milestone: id.milestone, amount: s.amount_total, amountPaid: paid ? s.amount_total : 0, currency: s.currency.toUpperCase(), status,
        ...(s.url && s.status === 'open' ? { requestUrl: s.url } : {}),
        ...(paid ? { paidAt: iso(event.created) } : {}),
      })],
    };
  }
  if ((event.type === 'charge.refunded' || event.type === 'charge.refund.updated') && obj.object === 'charge') {
    const ch = obj as unknown as ChargeJson;
    // Stripe copies the intent's metadata onto the charge when the intent is confirmed.
    const id = identify(ch.metadata, ctx);
    if (!id || !ch.payment_intent) return NOT_RELEVANT;
    const status: Payment['status'] = ch.amount_refunded === 0 ? 'paid' : ch.amount_refunded >= ch.amount_captured ? 'refunded' : 'partially_refunded';
    return {
      relevant: true,
      position: position(ch.payment_intent, event.created, status),
      changes: [upsert(ch.payment_intent, id, { amountPaid: ch.amount_captured, amountRefunded: ch.amount_refunded, currency: ch.currency.toUpperCase(), status })],
    };
  }
  return NOT_RELEVANT;
}

// ── outbound ────────────────────────────────────────────────────────────────────────────────────

/** The payment as pushed (the adapter's fields of the document's payment). */
export interface PaymentData {
  vendorId: string;
  description: string;
  milestone: Payment['milestone'];
  amount: number;
  amountPaid: number;
  currency: string;
  status: Payment['status'];
  due: string;
  processor: string;
}

export function paymentData(change: OutboundChange): PaymentData {
  return change.data as unknown as PaymentData;
}

/** Statuses from which a payment may still be requested (nothing paid, nothing under way). */
const REQUESTABLE: ReadonlySet<Payment['status']> = new Set(['planned', 'pending']);

export type PushPlan =
  | { action: 'create' }
  | { action: 'cancel'; externalId: string }
  | { action: 'none' };

/** What a document change asks of Stripe: create the request, cancel it, or nothing. Pure. */
export function planPush(change: OutboundChange, vendorId: string | undefined): PushPlan {
  if (change.entity !== 'payments') return { action: 'none' };
  if (change.op === 'delete') return change.externalId ? { action: 'cancel', externalId: change.externalId } : { action: 'none' };
  const p = paymentData(change);
  if (p.processor !== 'stripe' || (vendorId && p.vendorId !== vendorId)) return { action: 'none' };
  if (!change.externalId) return REQUESTABLE.has(p.status) && p.amountPaid === 0 && p.amount > 0 ? { action: 'create' } : { action: 'none' };
  return p.status === 'cancelled' ? { action: 'cancel', externalId: change.externalId } : { action: 'none' };
}

export function metadataFor(change: OutboundChange, weddingId: string, integrationId: string): Record<string, string> {
  const p = paymentData(change);
  return {
    [META.wedding]: weddingId,
    [META.payment]: change.entityId,
    [META.vendor]: p.vendorId,
    [META.milestone]: p.milestone,
    [META.integration]: integrationId,
  };
}

/** A readable line for the request: "Deposit — Lens & Light (photographer)". */
export function requestDescription(p: PaymentData, wedding: WeddingContext): string {
  const vendor = wedding.vendors[p.vendorId];
  const milestone = p.milestone === 'other' ? 'Payment' : p.milestone[0]!.toUpperCase() + p.milestone.slice(1);
  const who = vendor ? ` — ${vendor.name}` : '';
  const what = p.description ? `: ${p.description}` : '';
  const title = wedding.meta.title ? ` (${wedding.meta.title})` : '';
  return clipText(`${milestone}${who}${what}${title}`, DESCRIPTION_MAX);
}

/** Unix seconds at the end of `due` (UTC), or null. */
export function dueDateSeconds(due: string): number | null {
  if (!due) return null;
  const t = Date.parse(`${due}T23:59:59Z`);
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}
