import { serialization } from 'square';
import { tokenMatches } from '../core/secret-token.ts';
import {
  AdapterError, FreshnessLog, ReadBackCache, openSecret, parseAdapterConfig, sealSecret,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type PullOptions, type PullPage,
  type WebhookRequest, type WebhookVerdict, testedRemote,
} from '../core/index.ts';
import { call, createSquareClient } from './client.ts';
import { SQUARE_EVENT_TYPES, SquareConfiguration, SquareCredentials } from './config.ts';
import {
  SQUARE_FIELDS, mapEvent, mapPayment, mapPaymentLink, parseEvent, paymentOwner, squareSignature, tagNote, wantsLink,
  type MapContext, type SquarePaymentJson, type SquarePaymentLinkJson,
} from './mappers.ts';
import { clipText } from '../../schema/document/text.ts';
import { ownValue } from '../../schema/own-keys.ts';

export const SYSTEM = 'square';

/** Orders of payment links remembered per integration (a wedding has a handful). */
const MAX_ORDERS = 500;

/**
 * The SDK hands back camelCase objects with bigint money; mappers read Square's JSON, so convert
 * back, money as numbers (minor units stay far below 2^53; changes and state are stored as JSON).
 */
const numbers = <T>(v: T): T => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x))) as T;
const paymentJson = (p: unknown) => numbers(serialization.Payment.jsonOrThrow(p as never, { unrecognizedObjectKeys: 'passthrough' })) as unknown as SquarePaymentJson;
const linkJson = (l: unknown) => serialization.PaymentLink.jsonOrThrow(l as never, { unrecognizedObjectKeys: 'passthrough' }) as unknown as SquarePaymentLinkJson;

/**
 * Square through its SDK: payments with `processor: "square"` become payment links (quick pay, with
 * an idempotency key), tagged through the payment note; `payment.*` webhooks, verified with the
 * subscription's signature key over the notification URL and raw body, settle them. A link's URL
 * comes in by a pull (ListPaymentLinks), which the link's `order.created` webhook prompts.
 */
export function createSquareAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', SquareConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', SquareCredentials, input.credentials);
  const { runtime } = input;
  const square = createSquareClient(credentials.accessToken, config.environment, config.apiBase, runtime.fetch);
  const freshness = new FreshnessLog(runtime.state);
  const readBacks = new ReadBackCache(runtime.state);
  const ctx: MapContext = {
    weddingId: runtime.weddingId, vendorId: config.vendorId, acceptUntagged: config.acceptUntagged,
    knownOrders: { has: (orderId) => (state().orders ?? []).includes(orderId) },
  };
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound';
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const, 'pull' as const] : []), ...(outbound ? ['push' as const] : [])];
  const state = () => runtime.state.get() as { subscriptionId?: string; signatureKey?: string; orders?: string[] };
  /** Remembers the orders of this wedding's payment links (the newest MAX_ORDERS). */
  const rememberOrders = (ids: string[]) => {
    const known = state().orders ?? [];
    const fresh = ids.filter((id) => !known.includes(id));
    if (fresh.length) runtime.state.set({ ...runtime.state.get(), orders: [...known, ...fresh].slice(-MAX_ORDERS) });
  };
  /** The payment, or null when Square has none by that id. */
  const readPayment = async (paymentId: string): Promise<SquarePaymentJson | null> => {
    try {
      const res = await call(() => square.payments.get({ paymentId }));
      return res.payment ? paymentJson(res.payment) : null;
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) return null;
      throw error;
    }
  };
  const signatureKey = () => credentials.webhookSignatureKey ?? (state().signatureKey ? openSecret(runtime.webhookSecret, state().signatureKey!) : null);

  return {
    system: SYSTEM,
    category: 'payment_processor',
    capabilities,
    fields: SQUARE_FIELDS,

    async testConnection() {
      const { location } = await call(() => square.locations.get({ locationId: config.locationId }));
      return testedRemote(location?.id ?? config.locationId, location?.name);
    },

    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerdict> {
      if (!inbound) return { ok: false, code: 'signature_invalid', message: 'this integration is outbound only' };
      const key = signatureKey();
      if (!key) return { ok: false, code: 'signature_invalid', message: 'no signature key: the subscription was not created and credentials.webhookSignatureKey is not set' };
      // Square signs the notification URL as configured in the subscription: this integration's public
      // webhook URL (HMAC-SHA256 of URL + raw body, base64; developer.squareup.com/docs/webhooks/step3validate).
      // Compared in constant time: the SDK's WebhooksHelper.verifySignature compares the strings with ===.
      const signed = tokenMatches(request.headers['x-square-hmacsha256-signature'], squareSignature(key, runtime.webhookUrl, request.rawBody));
      if (!signed) {
        return { ok: false, code: 'signature_invalid', message: 'x-square-hmacsha256-signature does not match' };
      }
      let event;
      try {
        event = parseEvent(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      const mapped = mapEvent(event, ctx);
      const ignore = (reason: string, notice?: string): WebhookVerdict => ({ ok: true, eventId: event.event_id, ignore: true, reply: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: reason }) }, ...(notice ? { notice } : {}) });
      if (mapped.kind === 'ignore') return ignore(mapped.reason);
      if (mapped.kind === 'refund') {
        // Read back now (Square unreachable → 5xx, and Square delivers again): the refund event names only the payment.
        const payment = await readPayment(mapped.paymentId);
        const found = payment ? mapPayment(payment, ctx) : null;
        if (!found) {
          if (payment && paymentOwner(payment, ctx) === 'other') return ignore('not a payment of this wedding');
          return ignore('not a payment WedSync knows', `refund of Square payment ${mapped.paymentId}, which no payment link of this wedding took`);
        }
        if (freshness.isStale(found.position)) return ignore('older than what was already applied');
        freshness.record(found.position);
        readBacks.set(event.event_id, [found.change]);
      }
      if (mapped.kind === 'payment') {
        if (freshness.isStale(mapped.position)) return ignore('older than what was already applied');
        freshness.record(mapped.position);
      }
      return { ok: true, eventId: event.event_id };
    },

    parseWebhook(request: WebhookRequest) {
      const event = parseEvent(request.rawBody);
      const mapped = mapEvent(event, ctx);
      if (mapped.kind === 'refund') {
        const changes = readBacks.get(event.event_id);
        return changes ? { changes } : { changes: [], pull: true };
      }
      return mapped.kind === 'payment' ? { changes: [mapped.change] } : { changes: [], pull: mapped.kind === 'pull' };
    },

    /** Payment links (their URLs) and payments updated since the cursor (an RFC 3339 time). */
    async pull({ cursor, full }: PullOptions): Promise<PullPage> {
      const since = full ? null : cursor;
      const changes: InboundChange[] = [];
      const links = await call(() => square.checkout.paymentLinks.list({ limit: 100 }));
      const orders: string[] = [];
      for await (const link of links) {
        const change = mapPaymentLink(linkJson(link), ctx);
        if (change?.op === 'upsert') {
          changes.push(change);
          orders.push(change.externalId);
        }
      }
      rememberOrders(orders);
      let newest = since;
      const payments = await call(() => square.payments.list({ locationId: config.locationId, sortField: 'UPDATED_AT', sortOrder: 'ASC', limit: 100, ...(since ? { updatedAtBeginTime: since } : {}) }));
      for await (const p of payments) {
        const json = paymentJson(p);
        const mapped = mapPayment(json, ctx);
        if (!newest || json.updated_at > newest) newest = json.updated_at;
        if (!mapped || freshness.isStale(mapped.position)) continue;
        freshness.record(mapped.position);
        changes.push(mapped.change);
      }
      return { changes, cursor: newest, more: false };
    },

    accepts(change) {
      return outbound && wantsLink(change, config.vendorId);
    },

    async push(change, { idempotencyKey, wedding }) {
      if (!wantsLink(change, config.vendorId)) return { externalId: change.externalId };
      const p = change.data as { vendorId: string; milestone: string; amount: number; currency: string; description: string };
      const vendor = ownValue(wedding.vendors, p.vendorId)?.name ?? p.vendorId;
      // Square's quick_pay.name (255) and description (4096) are character limits; UTF-16 units are the safe measure.
      const name = clipText(`${p.milestone === 'other' ? 'Payment' : p.milestone[0]!.toUpperCase() + p.milestone.slice(1)} — ${vendor}`, 255);
      const res = await call(() => square.checkout.paymentLinks.create({
        idempotencyKey,
        description: clipText(p.description || name, 4096),
        quickPay: { name, priceMoney: { amount: BigInt(p.amount), currency: p.currency as never }, locationId: config.locationId },
        paymentNote: tagNote(runtime.weddingId, change.entityId, p.vendorId, p.milestone, name),
      }));
      const link = res.paymentLink;
      if (!link?.orderId) throw new AdapterError('permanent', 'Square created a payment link without an order');
      rememberOrders([link.orderId]);
      // The pay link goes on the payment now, not at the next pull.
      const linkChange = mapPaymentLink(linkJson(link), ctx);
      return { externalId: link.orderId, ...(linkChange ? { changes: [linkChange] } : {}) };
    },

    async activate() {
      if (!inbound || credentials.webhookSignatureKey || !config.registerWebhook || state().subscriptionId) return;
      const res = await call(() => square.webhooks.subscriptions.create({
        idempotencyKey: `wedsync-${runtime.integrationId}-subscription`,
        subscription: { name: `WedSync Hub ${runtime.weddingId}`.slice(0, 64), eventTypes: [...SQUARE_EVENT_TYPES], notificationUrl: runtime.webhookUrl },
      }));
      const sub = res.subscription;
      if (!sub?.id || !sub.signatureKey) throw new AdapterError('permanent', 'Square did not return the subscription\'s signature key');
      runtime.state.set({ ...runtime.state.get(), subscriptionId: sub.id, signatureKey: sealSecret(runtime.webhookSecret, sub.signatureKey) });
    },

    async deactivate() {
      const id = state().subscriptionId;
      if (!id) return;
      try {
        await call(() => square.webhooks.subscriptions.delete({ subscriptionId: id }));
      } catch (error) {
        if (!(error instanceof AdapterError && error.extra.status === 404)) throw error;
      }
    },
  };
}

export const squareAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  fields: SQUARE_FIELDS,
  category: 'payment_processor',
  capabilities: ['webhook', 'pull', 'push'],
  description: 'Square: payment links for each payment milestone; payments and refunds onto the wedding\'s payments.',
  configuration: SquareConfiguration,
  create: createSquareAdapter,
};
