import {
  AdapterError, FreshnessLog, parseAdapterConfig, withoutByteOrderMark,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type PullPage,
  type WebhookRequest,
} from '../core/index.ts';
import { PAYPAL_BASE, PaypalApi } from './client.ts';
import { PAYPAL_EVENT_TYPES, PaypalConfiguration, PaypalCredentials } from './config.ts';
import {
  PAYPAL_FIELDS, captureOwner, mapEvent, mapOrder, orderBody, parseEvent, wantsOrder,
  type MapContext, type PaypalCaptureJson, type PaypalOrderJson,
} from './mappers.ts';
import { ownValue } from '../../schema/own-keys.ts';

export const SYSTEM = 'paypal';

const HEADERS = ['paypal-auth-algo', 'paypal-cert-url', 'paypal-transmission-id', 'paypal-transmission-sig', 'paypal-transmission-time'] as const;

interface PaypalState {
  webhookId?: string;
  /** Orders created here and not settled yet: read back by pulls (for the approval link and status). */
  openOrders?: string[];
  /** Captures with a refund since the last pull: their orders are read back. */
  refreshCaptures?: string[];
}

/**
 * PayPal (Orders v2): payments with `processor: "paypal"` become orders (with a PayPal-Request-Id,
 * PayPal's idempotency key) whose approval link the couple pays at. Webhooks are verified the way
 * PayPal documents: the PAYPAL-TRANSMISSION-* headers and the event are posted to
 * `/v1/notifications/verify-webhook-signature`, which answers SUCCESS or FAILURE; the transmission
 * time must also be within the tolerance. Amounts are PayPal decimals converted to minor units.
 */
export function createPaypalAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', PaypalConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', PaypalCredentials, input.credentials);
  const { runtime } = input;
  const api = new PaypalApi((config.apiBase ?? PAYPAL_BASE[config.environment]).replace(/\/$/, ''), credentials.clientId, credentials.clientSecret, runtime.fetch, runtime.now);
  const freshness = new FreshnessLog(runtime.state);
  const ctx: MapContext = { weddingId: runtime.weddingId };
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound';
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const, 'pull' as const] : []), ...(outbound ? ['push' as const] : [])];
  const state = () => runtime.state.get() as PaypalState;
  const update = (patch: Partial<PaypalState>) => runtime.state.set({ ...runtime.state.get(), ...patch });

  /** The capture, or null when PayPal has none by that id. */
  const readCapture = async (captureId: string): Promise<PaypalCaptureJson | null> => {
    try {
      return await api.request<PaypalCaptureJson>('GET', `/v2/payments/captures/${encodeURIComponent(captureId)}`);
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) return null;
      throw error;
    }
  };

  return {
    system: SYSTEM,
    category: 'payment_processor',
    capabilities,
    fields: PAYPAL_FIELDS,

    async testConnection() {
      await api.check();
    },

    async verifyWebhook(request: WebhookRequest) {
      if (!inbound) return { ok: false, code: 'signature_invalid', message: 'this integration is outbound only' };
      const h = Object.fromEntries(HEADERS.map((k) => [k, request.headers[k]]));
      if (HEADERS.some((k) => !h[k])) return { ok: false, code: 'signature_invalid', message: `missing ${HEADERS.filter((k) => !h[k]).join(', ')}` };
      const sent = Date.parse(h['paypal-transmission-time']!);
      if (!Number.isFinite(sent) || Math.abs(runtime.now() - sent) > config.toleranceSeconds * 1000) {
        return { ok: false, code: 'signature_stale', message: `PAYPAL-TRANSMISSION-TIME is more than ${config.toleranceSeconds} s away from now` };
      }
      const webhookId = config.webhookId ?? state().webhookId;
      if (!webhookId) return { ok: false, code: 'signature_invalid', message: 'no webhook id: the webhook was not created and configuration.webhookId is not set' };
      let event;
      try {
        event = parseEvent(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      // PayPal checks the signature (and its certificate) itself. Unreachable → an error (5xx), so PayPal delivers again.
      // The event goes back as the very text delivered: PayPal checks the signature over that text, and
      // parsing and writing it again can change it (`1.0` becomes `1`, escapes are written raw).
      const fields = JSON.stringify({
        auth_algo: h['paypal-auth-algo'], cert_url: h['paypal-cert-url'], transmission_id: h['paypal-transmission-id'],
        transmission_sig: h['paypal-transmission-sig'], transmission_time: h['paypal-transmission-time'], webhook_id: webhookId,
      });
      // (Without a leading byte-order mark, which is not JSON inside the request.)
      const verdict = await api.request<{ verification_status: string }>('POST', '/v1/notifications/verify-webhook-signature', `${fields.slice(0, -1)},"webhook_event":${withoutByteOrderMark(request.rawBody)}}`);
      if (verdict.verification_status !== 'SUCCESS') return { ok: false, code: 'signature_invalid', message: `PayPal says the signature is ${verdict.verification_status || 'not valid'}` };
      const mapped = mapEvent(event, ctx);
      const ignore = (reason: string) => ({ ok: true as const, eventId: event.id, ignore: true, reply: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: reason }) } });
      if (mapped.kind === 'ignore') return ignore(mapped.reason);
      if (mapped.kind === 'refund') {
        if (mapped.untagged) {
          // Made outside WedSync: the capture says whose payment it was (a 404 is a capture of no account of ours).
          const capture = await readCapture(mapped.captureId);
          const owner = capture ? captureOwner(capture, ctx) : 'unknown';
          if (owner === 'other') return ignore('not a payment of this wedding');
          if (owner === 'unknown') return { ...ignore('not a payment WedSync knows'), notice: `refund of capture ${mapped.captureId}, whose order WedSync did not create` };
        }
        update({ refreshCaptures: [...new Set([...(state().refreshCaptures ?? []), mapped.captureId])] });
      }
      if (mapped.kind === 'change') {
        if (freshness.isStale(mapped.position)) return ignore('older than what was already applied');
        freshness.record(mapped.position);
      }
      return { ok: true, eventId: event.id };
    },

    parseWebhook(request: WebhookRequest) {
      const mapped = mapEvent(parseEvent(request.rawBody), ctx);
      return mapped.kind === 'change' ? { changes: [mapped.change] } : { changes: [], pull: mapped.kind === 'refund' };
    },

    /** Reads back the orders that are still open and those with new refunds (PayPal has no list of orders). */
    async pull(): Promise<PullPage> {
      const s = state();
      const orders = new Set(s.openOrders ?? []);
      for (const captureId of s.refreshCaptures ?? []) {
        const capture = await readCapture(captureId);
        const orderId = capture?.supplementary_data?.related_ids?.order_id;
        if (orderId && capture && captureOwner(capture, ctx) === 'ours') orders.add(orderId);
      }
      const changes: InboundChange[] = [];
      const stillOpen: string[] = [];
      for (const id of orders) {
        const order = await api.request<PaypalOrderJson>('GET', `/v2/checkout/orders/${encodeURIComponent(id)}`);
        changes.push(...mapOrder(order, ctx));
        if (order.status !== 'COMPLETED' && order.status !== 'VOIDED') stillOpen.push(id);
      }
      update({ openOrders: stillOpen, refreshCaptures: [] });
      return { changes, cursor: null, more: false };
    },

    accepts(change) {
      return outbound && wantsOrder(change, config.vendorId);
    },

    async push(change, { idempotencyKey, wedding }) {
      if (!wantsOrder(change, config.vendorId)) return { externalId: change.externalId };
      const p = change.data as { vendorId: string; milestone: string; description: string };
      const vendor = ownValue(wedding.vendors, p.vendorId)?.name ?? p.vendorId;
      const description = `${p.milestone === 'other' ? (p.description || 'Payment') : p.milestone} — ${vendor}`;
      const order = await api.request<PaypalOrderJson>('POST', '/v2/checkout/orders', orderBody(change, runtime.weddingId, description, config), {
        'paypal-request-id': idempotencyKey, prefer: 'return=representation',
      });
      if (!order?.id) throw new AdapterError('permanent', 'PayPal created no order');
      update({ openOrders: [...new Set([...(state().openOrders ?? []), order.id])] });
      // The approval (pay) link goes on the payment now, not at the next pull.
      return { externalId: order.id, changes: mapOrder(order, ctx) };
    },

    async activate() {
      if (!inbound || config.webhookId || state().webhookId) return;
      const hook = await api.request<{ id: string }>('POST', '/v1/notifications/webhooks', { url: runtime.webhookUrl, event_types: PAYPAL_EVENT_TYPES.map((name) => ({ name })) });
      update({ webhookId: hook.id });
    },

    async deactivate() {
      const id = state().webhookId;
      if (!id) return;
      try {
        await api.request('DELETE', `/v1/notifications/webhooks/${encodeURIComponent(id)}`);
      } catch (error) {
        if (!(error instanceof AdapterError && error.extra.status === 404)) throw error;
      }
    },
  };
}

export const paypalAdapter: AdapterDefinition = {
  system: SYSTEM,
  fields: PAYPAL_FIELDS,
  category: 'payment_processor',
  capabilities: ['webhook', 'pull', 'push'],
  description: 'PayPal: an order (approval link) for each payment milestone; captures and refunds onto the wedding\'s payments.',
  configuration: PaypalConfiguration,
  create: createPaypalAdapter,
};
