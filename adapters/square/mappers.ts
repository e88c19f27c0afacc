import crypto from 'node:crypto';
import type { Payment } from '../../schema/index.ts';
import { AdapterError, parseDeliveryJson, PAYMENT_STATUS_RANK, type InboundChange, type OutboundChange, type SnapshotPosition } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';

export const SQUARE_FIELDS = {
  payments: ['vendorId', 'description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'due', 'processor', 'requestUrl', 'paidAt'],
} as const;

/** Square event body (webhook or Events API). */
export interface SquareEventJson {
  merchant_id?: string;
  type: string;
  event_id: string;
  created_at: string;
  data: { type: string; id: string; object?: Record<string, unknown> };
}

interface Money { amount: number; currency: string }
/** A Square Payment in its JSON (snake_case) shape. */
export interface SquarePaymentJson {
  id: string;
  status: 'APPROVED' | 'PENDING' | 'COMPLETED' | 'CANCELED' | 'FAILED' | string;
  amount_money: Money;
  refunded_money?: Money;
  order_id?: string;
  note?: string;
  created_at: string;
  updated_at: string;
}
/** A Square PaymentLink in its JSON shape. */
export interface SquarePaymentLinkJson { id: string; order_id?: string; url?: string; payment_note?: string | null; updated_at?: string; created_at?: string }

export interface MapContext {
  weddingId: string;
  vendorId?: string;
  acceptUntagged: boolean;
  /**
   * Orders of this wedding's payment links: a payment of one of them is this wedding's even when its
   * note carries no tag (taken on the order in the Square Dashboard or at a register, not on the link's page).
   */
  knownOrders?: { has(orderId: string): boolean };
}

/**
 * Square has no metadata on payments; the tag travels in the payment note (a payment link's
 * `payment_note` becomes the payment's `note`): `[wedsync <wedding> <payment> <vendor> <milestone>]`.
 */
export function tagNote(weddingId: string, paymentId: string, vendorId: string, milestone: string, text: string): string {
  // The tag must survive whole, so only the readable part is shortened (between graphemes, UTF-16 units).
  return `${clipText(text, 380)} [wedsync ${weddingId} ${paymentId} ${vendorId} ${milestone}]`;
}

export function readTag(note: string | null | undefined): { weddingId: string; paymentId: string; vendorId: string; milestone: Payment['milestone'] } | null {
  const m = /\[wedsync (\S+) (\S+) (\S+) (\S+)\]/.exec(note ?? '');
  if (!m) return null;
  const milestone = m[4] === 'deposit' || m[4] === 'balance' || m[4] === 'final' ? m[4] : 'other';
  return { weddingId: m[1]!, paymentId: m[2]!, vendorId: m[3]!, milestone };
}

/**
 * `x-square-hmacsha256-signature`: base64 HMAC-SHA256, keyed by the subscription's signature key,
 * of the notification URL followed by the raw body (what the sandbox signs with; the adapter
 * verifies with it too, comparing in constant time).
 */
export function squareSignature(signatureKey: string, notificationUrl: string, rawBody: string): string {
  return crypto.createHmac('sha256', signatureKey).update(notificationUrl + rawBody, 'utf8').digest('base64');
}

export function parseEvent(rawBody: string): SquareEventJson {
  let json: unknown;
  try {
    json = parseDeliveryJson(rawBody);
  } catch (error) {
    throw new AdapterError('invalid_payload', 'the Square event is not JSON', { cause: error });
  }
  const e = json as Partial<SquareEventJson>;
  if (!e || typeof e.event_id !== 'string' || typeof e.type !== 'string' || typeof e.created_at !== 'string' || !e.data) {
    throw new AdapterError('invalid_payload', 'not a Square event (event_id, type, created_at and data are required)');
  }
  return e as SquareEventJson;
}

function statusOf(p: SquarePaymentJson): Payment['status'] {
  const paid = p.amount_money.amount;
  const refunded = p.refunded_money?.amount ?? 0;
  switch (p.status) {
    case 'COMPLETED': return refunded === 0 ? 'paid' : refunded >= paid ? 'refunded' : 'partially_refunded';
    case 'APPROVED': case 'PENDING': return 'processing';
    case 'FAILED': return 'failed';
    // A canceled attempt leaves the request open: nothing was taken.
    default: return 'pending';
  }
}

/** A Square payment → the change to the wedding's payment it settles. Pure. */
export function mapPayment(p: SquarePaymentJson, ctx: MapContext): { change: InboundChange; position: SnapshotPosition } | null {
  const tag = readTag(p.note);
  // Found through its order, the payment is the linked one: its vendor and milestone stay as they are.
  const known = !tag && !!p.order_id && !!ctx.knownOrders?.has(p.order_id);
  if (tag ? tag.weddingId !== ctx.weddingId : !(known || (ctx.acceptUntagged && ctx.vendorId))) return null;
  const status = statusOf(p);
  const completed = p.status === 'COMPLETED';
  const externalId = p.order_id ?? p.id;
  const position = { at: Date.parse(p.updated_at), rank: PAYMENT_STATUS_RANK[status], progress: (completed ? p.amount_money.amount : 0) + (p.refunded_money?.amount ?? 0) };
  return {
    position: { key: externalId, ...position },
    change: {
      op: 'upsert', entity: 'payments', externalId, position, ...(tag ? { entityId: tag.paymentId } : {}),
      data: {
        processor: 'square', ...(known ? {} : { vendorId: tag?.vendorId ?? ctx.vendorId, milestone: tag?.milestone ?? 'other' }), status,
        amountPaid: completed ? p.amount_money.amount : 0, amountRefunded: p.refunded_money?.amount ?? 0, currency: p.amount_money.currency,
        ...(completed ? { paidAt: new Date(Date.parse(p.updated_at)).toISOString() } : {}),
      },
    },
  };
}

/** A payment link WedSync created → its URL on the payment (the couple pays there). Pure. */
export function mapPaymentLink(link: SquarePaymentLinkJson, ctx: MapContext): InboundChange | null {
  const tag = readTag(link.payment_note);
  if (!tag || tag.weddingId !== ctx.weddingId || !link.url) return null;
  return { op: 'upsert', entity: 'payments', externalId: link.order_id ?? link.id, entityId: tag.paymentId, data: { processor: 'square', requestUrl: link.url } };
}

/** Whose a payment is, when `mapPayment` found it not this wedding's: another wedding's (tagged), or nobody's WedSync knows. Pure. */
export function paymentOwner(p: SquarePaymentJson, ctx: MapContext): 'ours' | 'other' | 'unknown' {
  if (mapPayment(p, ctx)) return 'ours';
  return readTag(p.note) ? 'other' : 'unknown';
}

export type MappedEvent =
  | { kind: 'payment'; change: InboundChange; position: SnapshotPosition }
  /**
   * A refund (`refund.created`, `refund.updated`): it names its payment (`payment_id`) but carries
   * neither the payment's note nor its refunded total, so the payment is read back.
   */
  | { kind: 'refund'; paymentId: string }
  | { kind: 'pull' }
  | { kind: 'ignore'; reason: string };

/** A verified Square event → what to do with it. Orders (a new payment link's order) only prompt a pull. Pure. */
export function mapEvent(event: SquareEventJson, ctx: MapContext): MappedEvent {
  if (event.type === 'payment.created' || event.type === 'payment.updated') {
    const payment = (event.data.object as { payment?: SquarePaymentJson } | undefined)?.payment;
    if (!payment?.amount_money) return { kind: 'ignore', reason: 'no payment in the event' };
    const mapped = mapPayment(payment, ctx);
    return mapped ? { kind: 'payment', ...mapped } : { kind: 'ignore', reason: 'not a payment of this wedding' };
  }
  if (event.type === 'refund.created' || event.type === 'refund.updated') {
    const refund = (event.data.object as { refund?: { payment_id?: string } } | undefined)?.refund;
    return refund?.payment_id ? { kind: 'refund', paymentId: refund.payment_id } : { kind: 'ignore', reason: 'no payment named in the refund' };
  }
  if (event.type === 'order.created' || event.type === 'order.updated') return { kind: 'pull' };
  return { kind: 'ignore', reason: `${event.type} is not mapped` };
}

// ── outbound ────────────────────────────────────────────────────────────────────────────────────
const REQUESTABLE: ReadonlySet<Payment['status']> = new Set(['planned', 'pending']);

/** Whether a document change asks Square for a payment link. Pure. */
export function wantsLink(change: OutboundChange, vendorId: string | undefined): boolean {
  if (change.entity !== 'payments' || change.op !== 'upsert' || change.externalId) return false;
  const p = change.data as { processor?: string; vendorId?: string; status?: Payment['status']; amountPaid?: number; amount?: number };
  return p.processor === 'square' && (!vendorId || p.vendorId === vendorId) && REQUESTABLE.has(p.status ?? 'planned') && (p.amountPaid ?? 0) === 0 && (p.amount ?? 0) > 0;
}
