import { minorUnitsFromDecimal, decimalFromMinorUnits, type Payment } from '../../schema/index.ts';
import { AdapterError, parseDeliveryJson, PAYMENT_STATUS_RANK, type InboundChange, type OutboundChange, type SnapshotPosition } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';

export const PAYPAL_FIELDS = {
  payments: ['vendorId', 'description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'due', 'processor', 'requestUrl', 'paidAt'],
} as const;

interface PaypalMoney { currency_code: string; value: string }

export interface PaypalEventJson {
  id: string;
  event_type: string;
  create_time: string;
  resource_type?: string;
  resource: Record<string, unknown>;
}

export interface PaypalCaptureJson {
  id: string;
  status: 'COMPLETED' | 'PENDING' | 'DECLINED' | 'REFUNDED' | 'PARTIALLY_REFUNDED' | 'FAILED' | string;
  amount: PaypalMoney;
  custom_id?: string;
  supplementary_data?: { related_ids?: { order_id?: string } };
  create_time?: string;
  update_time?: string;
}

export interface PaypalRefundJson {
  id: string;
  status: string;
  amount: PaypalMoney;
  custom_id?: string;
  seller_payable_breakdown?: { total_refunded_amount?: PaypalMoney };
  links?: { href: string; rel: string }[];
  create_time?: string;
  update_time?: string;
}

export interface PaypalOrderJson {
  id: string;
  status: 'CREATED' | 'SAVED' | 'APPROVED' | 'VOIDED' | 'COMPLETED' | 'PAYER_ACTION_REQUIRED' | string;
  purchase_units?: { custom_id?: string; amount?: PaypalMoney; payments?: { captures?: PaypalCaptureJson[]; refunds?: PaypalRefundJson[] } }[];
  links?: { href: string; rel: string; method?: string }[];
  update_time?: string;
  create_time?: string;
}

export interface MapContext { weddingId: string }

/**
 * The tag WedSync puts in `custom_id` (at most 127 characters): `ws|<wedding>|<payment>|<vendor>|<milestone>`,
 * shortened to the wedding and payment, or the wedding alone, when ids are long (the order id in
 * the link row still finds the payment).
 */
export function customId(weddingId: string, paymentId: string, vendorId: string, milestone: string): string {
  for (const candidate of [`ws|${weddingId}|${paymentId}|${vendorId}|${milestone}`, `ws|${weddingId}|${paymentId}`]) if (candidate.length <= 127) return candidate;
  return `ws|${weddingId}`;
}

export function readCustomId(value: string | undefined): { weddingId: string; paymentId?: string; vendorId?: string; milestone?: Payment['milestone'] } | null {
  const parts = (value ?? '').split('|');
  if (parts[0] !== 'ws' || !parts[1]) return null;
  const m = parts[4];
  return {
    weddingId: parts[1], ...(parts[2] ? { paymentId: parts[2] } : {}), ...(parts[3] ? { vendorId: parts[3] } : {}),
    ...(m ? { milestone: m === 'deposit' || m === 'balance' || m === 'final' ? m : 'other' } : {}),
  };
}

export function parseEvent(rawBody: string): PaypalEventJson {
  let json: unknown;
  try {
    json = parseDeliveryJson(rawBody);
  } catch (error) {
    throw new AdapterError('invalid_payload', 'the PayPal event is not JSON', { cause: error });
  }
  const e = json as Partial<PaypalEventJson>;
  if (!e || typeof e.id !== 'string' || typeof e.event_type !== 'string' || !e.resource || typeof e.resource !== 'object') {
    throw new AdapterError('invalid_payload', 'not a PayPal webhook event (id, event_type and resource are required)');
  }
  return e as PaypalEventJson;
}

const at = (r: { update_time?: string; create_time?: string }, fallback: string) => Date.parse(r.update_time ?? r.create_time ?? fallback);

function captureStatus(status: string): Payment['status'] {
  switch (status) {
    case 'COMPLETED': return 'paid';
    case 'PENDING': return 'processing';
    case 'REFUNDED': return 'refunded';
    case 'PARTIALLY_REFUNDED': return 'partially_refunded';
    default: return 'failed';
  }
}

/**
 * Whose payment a capture read back settles: `ours` (this wedding's tag in its `custom_id`, which
 * PayPal copies from the order's purchase unit), `other` (another wedding's), or `unknown`. Pure.
 */
export function captureOwner(c: Pick<PaypalCaptureJson, 'custom_id'>, ctx: MapContext): 'ours' | 'other' | 'unknown' {
  const tag = readCustomId(c.custom_id);
  return !tag ? 'unknown' : tag.weddingId === ctx.weddingId ? 'ours' : 'other';
}

/** A capture (from an event, or read back) → the payment it settles. Pure. */
export function mapCapture(c: PaypalCaptureJson, ctx: MapContext, eventTime: string): { change: InboundChange; position: SnapshotPosition } | null {
  const tag = readCustomId(c.custom_id);
  if (!tag || tag.weddingId !== ctx.weddingId) return null;
  const status = captureStatus(c.status);
  const externalId = c.supplementary_data?.related_ids?.order_id ?? c.id;
  const settled = status === 'paid' || status === 'refunded' || status === 'partially_refunded';
  const position = { at: at(c, eventTime), rank: PAYMENT_STATUS_RANK[status], progress: settled ? minorUnitsFromDecimal(c.amount.value, c.amount.currency_code) : 0 };
  return {
    position: { key: externalId, ...position },
    change: {
      op: 'upsert', entity: 'payments', externalId, position, ...(tag.paymentId ? { entityId: tag.paymentId } : {}),
      data: {
        processor: 'paypal', status, currency: c.amount.currency_code, ...(tag.vendorId ? { vendorId: tag.vendorId } : {}), ...(tag.milestone ? { milestone: tag.milestone } : {}),
        ...(settled ? { amountPaid: minorUnitsFromDecimal(c.amount.value, c.amount.currency_code) } : {}),
        ...(status === 'paid' ? { paidAt: new Date(at(c, eventTime)).toISOString() } : {}),
      },
    },
  };
}

/** An order read back → its approval link, or what its captures and refunds settled. Pure. */
export function mapOrder(o: PaypalOrderJson, ctx: MapContext): InboundChange[] {
  const unit = o.purchase_units?.[0];
  const tag = readCustomId(unit?.custom_id);
  if (!tag || tag.weddingId !== ctx.weddingId) return [];
  const captures = unit?.payments?.captures ?? [];
  const capture = captures.find((c) => c.status !== 'DECLINED' && c.status !== 'FAILED') ?? captures[0];
  if (capture) {
    const mapped = mapCapture({ ...capture, custom_id: capture.custom_id ?? unit?.custom_id, supplementary_data: { related_ids: { order_id: o.id } } }, ctx, o.update_time ?? o.create_time ?? '');
    if (!mapped || mapped.change.op !== 'upsert') return [];
    const refunded = (unit?.payments?.refunds ?? []).filter((r) => r.status === 'COMPLETED').reduce((sum, r) => sum + minorUnitsFromDecimal(r.amount.value, r.amount.currency_code), 0);
    return [{ ...mapped.change, data: { ...mapped.change.data, amountRefunded: refunded } }];
  }
  const approve = o.links?.find((l) => l.rel === 'approve' || l.rel === 'payer-action')?.href;
  const status: Payment['status'] = o.status === 'VOIDED' ? 'cancelled' : o.status === 'APPROVED' ? 'processing' : 'pending';
  return [{ op: 'upsert', entity: 'payments', externalId: o.id, ...(tag.paymentId ? { entityId: tag.paymentId } : {}), data: { processor: 'paypal', status, ...(approve && status === 'pending' ? { requestUrl: approve } : {}) } }];
}

export type MappedEvent =
  | { kind: 'change'; change: InboundChange; position: SnapshotPosition }
  /**
   * A refund: how much of the capture it leaves refunded is on the order, not in the event, so the
   * order is read back (a pull) through the capture. `untagged`: the refund carries no `custom_id`
   * (one made in the PayPal dashboard, or through the API without one), so only the capture's own
   * `custom_id` can say whose payment it refunds.
   */
  | { kind: 'refund'; captureId: string; untagged: boolean }
  | { kind: 'ignore'; reason: string };

/** A verified PayPal event → what it means for the wedding. Pure. */
export function mapEvent(e: PaypalEventJson, ctx: MapContext): MappedEvent {
  // A reversal (PayPal takes a capture back: a chargeback, a dispute lost) is money leaving the
  // capture like a refund: its resource is a refund whose `up` link is the capture, and the order is
  // read back for what the capture kept. Mapped as a capture, its COMPLETED status would mark the
  // payment paid again.
  if (e.event_type === 'PAYMENT.CAPTURE.REFUNDED' || e.event_type === 'PAYMENT.CAPTURE.REVERSED') {
    const r = e.resource as unknown as PaypalRefundJson;
    const tag = readCustomId(r.custom_id);
    // The refund's `up` link is its capture (https://developer.paypal.com/docs/api/payments/v2/#refunds_get).
    const captureId = r.links?.find((l) => l.rel === 'up')?.href.split('/').pop();
    if ((tag && tag.weddingId !== ctx.weddingId) || !captureId) return { kind: 'ignore', reason: 'not a payment of this wedding' };
    return { kind: 'refund', captureId: decodeURIComponent(captureId), untagged: !tag };
  }
  if (e.event_type.startsWith('PAYMENT.CAPTURE.')) {
    const mapped = mapCapture(e.resource as unknown as PaypalCaptureJson, ctx, e.create_time);
    return mapped ? { kind: 'change', ...mapped } : { kind: 'ignore', reason: 'not a payment of this wedding' };
  }
  if (e.event_type.startsWith('CHECKOUT.ORDER.')) {
    const order = e.resource as unknown as PaypalOrderJson;
    const change = mapOrder(order, ctx)[0];
    if (!change || change.op !== 'upsert') return { kind: 'ignore', reason: 'not a payment of this wedding' };
    const status = (change.data.status as Payment['status'] | undefined) ?? 'pending';
    const position = { at: at(order, e.create_time), rank: PAYMENT_STATUS_RANK[status] };
    return { kind: 'change', change: { ...change, ...(change.externalId === order.id ? { position } : {}) }, position: { key: order.id, ...position } };
  }
  return { kind: 'ignore', reason: `${e.event_type} is not mapped` };
}

// ── outbound ────────────────────────────────────────────────────────────────────────────────────
const REQUESTABLE: ReadonlySet<Payment['status']> = new Set(['planned', 'pending']);

export function wantsOrder(change: OutboundChange, vendorId: string | undefined): boolean {
  if (change.entity !== 'payments' || change.op !== 'upsert' || change.externalId) return false;
  const p = change.data as { processor?: string; vendorId?: string; status?: Payment['status']; amountPaid?: number; amount?: number };
  return p.processor === 'paypal' && (!vendorId || p.vendorId === vendorId) && REQUESTABLE.has(p.status ?? 'planned') && (p.amountPaid ?? 0) === 0 && (p.amount ?? 0) > 0;
}

/** The Orders v2 body for a payment request (amount as PayPal's decimal string, from minor units). Pure. */
export function orderBody(change: OutboundChange, weddingId: string, description: string, urls: { returnUrl?: string; cancelUrl?: string }): Record<string, unknown> {
  const p = change.data as { vendorId: string; milestone: string; amount: number; currency: string };
  return {
    intent: 'CAPTURE',
    purchase_units: [{
      reference_id: change.entityId.slice(0, 256),
      custom_id: customId(weddingId, change.entityId, p.vendorId, p.milestone),
      // Orders v2: purchase_units[].description is 1..127 characters; UTF-16 units are the safe measure.
      description: clipText(description, 127),
      amount: { currency_code: p.currency, value: decimalFromMinorUnits(p.amount, p.currency) },
    }],
    ...(urls.returnUrl || urls.cancelUrl ? { payment_source: { paypal: { experience_context: { ...(urls.returnUrl ? { return_url: urls.returnUrl } : {}), ...(urls.cancelUrl ? { cancel_url: urls.cancelUrl } : {}), user_action: 'PAY_NOW' } } } } : {}),
  };
}
