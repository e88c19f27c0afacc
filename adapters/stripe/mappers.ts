import type { Payment } from '../../schema/index.ts';
import { fromStripeAmount } from './amounts.ts';
import { AdapterError, parseDeliveryJson, PAYMENT_STATUS_RANK, type InboundChange, type OutboundChange, type SnapshotPosition, type WeddingContext } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import { ownValue } from '../../schema/own-keys.ts';

/** The payment fields Stripe carries (amounts converted between Stripe's units and ISO minor units: amounts.ts). */
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

export interface PaymentIntentJson { id: string; amount: number; amount_received: number; currency: string; status: string; description: string | null; metadata: Metadata }
export interface InvoiceJson { id: string; amount_due: number; amount_paid: number; currency: string; status: string | null; description: string | null; due_date: number | null; hosted_invoice_url: string | null; post_payment_credit_notes_amount?: number; metadata: Metadata; status_transitions?: { paid_at: number | null } }
export interface ChargeJson { id: string; amount: number; amount_captured: number; amount_refunded: number; currency: string; payment_intent: string | null; metadata: Metadata }
interface RefundJson { id: string; charge: string | null; payment_intent: string | null; metadata: Metadata }
interface CheckoutSessionJson { id: string; amount_total: number | null; currency: string | null; payment_status: string; status: string | null; payment_intent: string | null; url: string | null; metadata: Metadata }

export interface MapContext {
  /** The wedding served; '' in connection scope, where every wedding's objects are read and tagged. */
  weddingId: string;
  /** Attributed to untagged payments, when they are accepted. */
  vendorId?: string;
  acceptUntagged: boolean;
}

/**
 * What must be read from Stripe before an event can be mapped: a charge or refund that carries no
 * WedSync metadata (a refund made through the Refunds API or the Dashboard, of an invoice's
 * payment), an invoice money was paid on (its refunds are on its payments' charges, not on it), or
 * an untagged payment intent when untagged payments are taken in (it may be an invoice's).
 */
export type ReadBack = { charge: string } | { invoice: string } | { paymentIntent: string };

/** What one event means for the wedding: its changes and the snapshot position for ordering. */
export interface MappedEvent {
  /** False for events about other weddings, untagged payments (unless accepted) and types not mapped. */
  relevant: boolean;
  changes: InboundChange[];
  position: SnapshotPosition | null;
  /** Set when the changes come from a read-back (see `mapInvoiceSettlement`, `mapCharge`), not the event. */
  readBack?: ReadBack;
}

const NOT_RELEVANT: MappedEvent = { relevant: false, changes: [], position: null };

export function parseEvent(rawBody: string): StripeEventJson {
  let json: unknown;
  try {
    json = parseDeliveryJson(rawBody);
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

/** The wedding an object's metadata names, or null when it carries none (made outside WedSync). */
export function taggedWedding(metadata: Metadata): string | null {
  return metadata?.[META.wedding] || null;
}

/** Whether an object tagged for `wedding` is read here: its own wedding's, or any in connection scope. */
export function servesWedding(wedding: string, ctx: MapContext): boolean {
  return ctx.weddingId === '' || wedding === ctx.weddingId;
}

/**
 * The tags on an object: null when it belongs to another wedding, or carries none and untagged
 * payments are not accepted.
 */
function identify(metadata: Metadata, ctx: MapContext): { entityId?: string; vendorId: string; milestone: Payment['milestone']; weddingId?: string } | null {
  const m = metadata ?? {};
  const wedding = m[META.wedding];
  if (wedding) {
    if (!servesWedding(wedding, ctx) || !m[META.vendor]) return null;
    return { entityId: m[META.payment], vendorId: m[META.vendor]!, milestone: milestoneOf(m[META.milestone]), ...(ctx.weddingId === '' ? { weddingId: wedding } : {}) };
  }
  if (!ctx.acceptUntagged || !ctx.vendorId) return null;
  return { vendorId: ctx.vendorId, milestone: milestoneOf(m[META.milestone]) };
}

/** The payment the snapshot at `at` (its object's id and position) says, stamped with its position. */
function upsert(at: SnapshotPosition, id: ReturnType<typeof identify>, data: Record<string, unknown>): InboundChange {
  return {
    op: 'upsert', entity: 'payments', externalId: at.key, position: { at: at.at, rank: at.rank, progress: at.progress ?? 0 }, ...(id!.entityId ? { entityId: id!.entityId } : {}), data: { processor: 'stripe', vendorId: id!.vendorId, ...data },
    ...(id!.weddingId ? { weddingId: id!.weddingId } : {}),
  };
}

/** Stripe's events are stamped in seconds: ties go by status, then by minor units paid plus refunded. */
function position(key: string, created: number, status: Payment['status'], progress: number): SnapshotPosition {
  return { key, at: created * 1000, rank: PAYMENT_STATUS_RANK[status], progress };
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

function refundStatus(paid: number, refunded: number): Payment['status'] {
  return refunded === 0 ? 'paid' : refunded >= paid ? 'refunded' : 'partially_refunded';
}

function invoiceStatus(inv: InvoiceJson, eventType: string, refunded: number): Payment['status'] {
  if (eventType === 'invoice.payment_failed' && inv.status === 'open') return 'failed';
  switch (inv.status) {
    case 'paid': return refundStatus(inv.amount_paid, refunded);
    case 'void': return 'cancelled';
    case 'uncollectible': return 'failed';
    default: return inv.amount_paid > 0 ? 'partially_paid' : 'pending';
  }
}

/** Events about refunds: their object is the charge (`charge.refunded`) or the refund itself. */
const REFUND_EVENTS: ReadonlySet<string> = new Set(['charge.refunded', 'charge.refund.updated', 'refund.created', 'refund.updated', 'refund.failed']);

/** An invoice as read back, with the refunds of its payments. Amounts in minor units. */
export interface InvoiceSettlement {
  invoice: InvoiceJson;
  /**
   * Refunded on the charges of the invoice's paid payments (`GET /v1/invoice_payments?invoice=…`):
   * refunds made through the Refunds API or the Dashboard, and those of credit notes.
   */
  chargeRefunds: number;
  /** The part of the invoice's post-payment credit notes refunded to a charge (already in `chargeRefunds`). */
  creditNoteRefunds: number;
}

/**
 * What went back to the customer on an invoice: every refund of its payments' charges, plus what its
 * post-payment credit notes credited otherwise (customer balance, out of band). A credit note's
 * refund is a refund of a charge too, so it is counted once. Never more than was paid.
 */
export function invoiceRefunded(s: InvoiceSettlement): number {
  const creditedOtherwise = Math.max(0, (s.invoice.post_payment_credit_notes_amount ?? 0) - s.creditNoteRefunds);
  return Math.min(s.invoice.amount_paid, s.chargeRefunds + creditedOtherwise);
}

/** An invoice (from an event, or read back with its refunds) → the wedding's payment. Pure. */
export function mapInvoiceSettlement(s: InvoiceSettlement, ctx: MapContext, created: number, eventType = 'invoice.updated'): MappedEvent {
  const inv = s.invoice;
  const id = identify(inv.metadata, ctx);
  if (!id || inv.status === 'draft') return NOT_RELEVANT;
  const refunded = invoiceRefunded(s);
  const status = invoiceStatus(inv, eventType, refunded);
  const paidAt = inv.status_transitions?.paid_at;
  const at = position(inv.id, created, status, inv.amount_paid + refunded);
  return {
    relevant: true,
    position: at,
    changes: [upsert(at, id, {
      milestone: id.milestone, amount: fromStripeAmount(inv.amount_due, inv.currency), amountPaid: fromStripeAmount(inv.amount_paid, inv.currency),
      amountRefunded: fromStripeAmount(refunded, inv.currency), currency: inv.currency.toUpperCase(), status,
      // WedSync's own requests carry requestDescription ("Deposit — Lens & Light (Ana & Ben)"), not
      // the planner's description: taking it back would label the milestone "Deposit · Deposit — …".
      ...(inv.description && !id.entityId ? { description: clipText(inv.description, DESCRIPTION_MAX) } : {}),
      // WedSync's own requests keep the planner's due date (Stripe cannot hold one in the past).
      ...(inv.due_date && !id.entityId ? { due: isoDate(inv.due_date) } : {}),
      ...(inv.hosted_invoice_url ? { requestUrl: inv.hosted_invoice_url } : {}),
      ...(paidAt ? { paidAt: iso(paidAt) } : {}),
    })],
  };
}

/** A payment intent (from an event, or read back) → the wedding's payment keyed by it. Pure. */
export function mapPaymentIntent(pi: PaymentIntentJson, ctx: MapContext, created: number, eventType: string): MappedEvent {
  const id = identify(pi.metadata, ctx);
  if (!id) return NOT_RELEVANT;
  const status = paymentIntentStatus(pi, eventType);
  const at = position(pi.id, created, status, pi.amount_received);
  return {
    relevant: true,
    position: at,
    changes: [upsert(at, id, {
      milestone: id.milestone, amount: fromStripeAmount(pi.amount, pi.currency), amountPaid: fromStripeAmount(pi.amount_received, pi.currency), currency: pi.currency.toUpperCase(), status,
      ...(pi.description && !id.entityId ? { description: clipText(pi.description, DESCRIPTION_MAX) } : {}),
      ...(status === 'paid' ? { paidAt: iso(created) } : {}),
    })],
  };
}

/**
 * A charge of a payment intent (WedSync's `payment_intent` requests and Checkout) → its refunded and
 * captured amounts on the payment keyed by the intent. `metadata` is the charge's, or its intent's
 * when the charge carries none. Pure.
 */
export function mapCharge(ch: ChargeJson, ctx: MapContext, created: number, metadata: Metadata = ch.metadata): MappedEvent {
  const id = identify(metadata, ctx);
  if (!id || !ch.payment_intent) return NOT_RELEVANT;
  const status = refundStatus(ch.amount_captured, ch.amount_refunded);
  const at = position(ch.payment_intent, created, status, ch.amount_captured + ch.amount_refunded);
  return {
    relevant: true,
    position: at,
    changes: [upsert(at, id, { amountPaid: fromStripeAmount(ch.amount_captured, ch.currency), amountRefunded: fromStripeAmount(ch.amount_refunded, ch.currency), currency: ch.currency.toUpperCase(), status })],
  };
}

/**
 * A verified Stripe event → changes to the wedding's payments. Pure.
 * - payment_intent.*: the intent's amount, amount received and status.
 * - invoice.*: amount due, paid, status, due date, hosted URL; once anything is paid, a read-back of
 *   the invoice with its payments' refunds (`readBack`).
 * - checkout.session.*: the session's total and payment status (keyed by its payment intent, so both agree).
 * - charge.refunded, charge.refund.updated, refund.*: a tagged charge's refunded and captured amounts;
 *   a charge or refund without metadata is read back (`readBack`) to find its payment.
 * `invoice.payment_failed` keeps the event's meaning through `mapInvoiceSettlement(…, eventType)`.
 */
export function mapEvent(event: StripeEventJson, ctx: MapContext): MappedEvent {
  const [kind] = event.type.split('.');
  const obj = event.data.object;
  if (kind === 'payment_intent' && obj.object === 'payment_intent') {
    const pi = obj as unknown as PaymentIntentJson;
    // Stripe makes an untagged intent for every invoice payment: taking untagged payments in, only
    // the invoice payments can tell such an intent (part of its invoice) from a payment of its own.
    if (!taggedWedding(pi.metadata) && ctx.acceptUntagged && ctx.vendorId) return { relevant: true, changes: [], position: null, readBack: { paymentIntent: pi.id } };
    return mapPaymentIntent(pi, ctx, event.created, event.type);
  }
  if (kind === 'invoice' && obj.object === 'invoice') {
    const inv = obj as unknown as InvoiceJson;
    const id = identify(inv.metadata, ctx);
    // A draft's amount is still being built up line by line: only a finalized invoice says what is asked.
    if (!id || inv.status === 'draft') return NOT_RELEVANT;
    // Once money is paid, what went back is on the charges of the invoice's payments (refunds made
    // through the Refunds API or the Dashboard change neither the invoice nor its event): read back.
    if (inv.amount_paid > 0) return { relevant: true, changes: [], position: null, readBack: { invoice: inv.id } };
    return mapInvoiceSettlement({ invoice: inv, chargeRefunds: 0, creditNoteRefunds: 0 }, ctx, event.created, event.type);
  }
  if (event.type.startsWith('checkout.session.') && obj.object === 'checkout.session') {
    const s = obj as unknown as CheckoutSessionJson;
    const id = identify(s.metadata, ctx);
    if (!id || s.amount_total === null || !s.currency) return NOT_RELEVANT;
    const paid = s.payment_status === 'paid';
    const status: Payment['status'] = paid ? 'paid' : event.type === 'checkout.session.async_payment_failed' ? 'failed' : event.type === 'checkout.session.expired' ? 'cancelled' : 'pending';
    const at = position(s.payment_intent ?? s.id, event.created, status, paid ? s.amount_total : 0);
    return {
      relevant: true,
      position: at,
      changes: [upsert(at, id, {
        milestone: id.milestone, amount: fromStripeAmount(s.amount_total, s.currency), amountPaid: paid ? fromStripeAmount(s.amount_total, s.currency) : 0, currency: s.currency.toUpperCase(), status,
        ...(s.url && s.status === 'open' ? { requestUrl: s.url } : {}),
        ...(paid ? { paidAt: iso(event.created) } : {}),
      })],
    };
  }
  if (REFUND_EVENTS.has(event.type) && (obj.object === 'charge' || obj.object === 'refund')) {
    const tagged = taggedWedding(obj.metadata);
    if (tagged && !servesWedding(tagged, ctx)) return NOT_RELEVANT;
    if (obj.object === 'charge' && tagged) return mapCharge(obj as unknown as ChargeJson, ctx, event.created);
    // No metadata: Stripe puts none on an invoice's charges, nor on refunds made outside WedSync.
    const charge = obj.object === 'charge' ? obj.id : (obj as unknown as RefundJson).charge;
    return charge ? { relevant: true, changes: [], position: null, readBack: { charge } } : NOT_RELEVANT;
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
  const vendor = ownValue(wedding.vendors, p.vendorId);
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
