import crypto from 'node:crypto';
import { toStripeAmount } from './amounts.ts';
import type Stripe from 'stripe';
import {
  AdapterError, FreshnessLog, ReadBackCache, openSecret, parseAdapterConfig, parseDeliveryJson, sealSecret,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange,
  type PullOptions, type PullPage, type WebhookRequest, type WebhookVerdict, type WeddingContext,
} from '../core/index.ts';
import { call, createStripeClient } from './client.ts';
import { readBack } from './read-back.ts';
import { STRIPE_EVENT_TYPES, StripeConfiguration, StripeCredentials } from './config.ts';
import {
  META, STRIPE_FIELDS, dueDateSeconds, mapEvent, metadataFor, parseEvent, paymentData, planPush, requestDescription,
  type MapContext, type StripeEventJson,
} from './mappers.ts';
import { clipText } from '../../schema/document/text.ts';

export const SYSTEM = 'stripe';

/** Longest catch-up read: Stripe keeps events for 30 days; a wedding has far fewer than this. */
const MAX_PULL_EVENTS = 10_000;

/**
 * Stripe as the processor of a wedding's payments. Inbound: signed webhooks (verified with
 * `stripe.webhooks.constructEvent` on the raw body) and a catch-up pull through `GET /v1/events`,
 * mapped onto `payments`; events older than what was already applied for the same object are
 * acknowledged and dropped, so out-of-order delivery still ends in the right state. Outbound:
 * payments with `processor: "stripe"` become invoices (or payment intents), created with an
 * `Idempotency-Key` derived from the outbox row, so a retry never creates a second request.
 */
export function createStripeAdapter(input: AdapterInput): Adapter {
  // In connection scope (one account serving many weddings) this instance reads and never writes:
  // whom invoices are addressed to (the couple) is each wedding's binding's `customerEmail`.
  const given = input.configuration as Record<string, unknown> | null;
  const accountLevel = input.runtime.weddingId === '' && !!given && typeof given === 'object' && !given.customerEmail && !given.customerId && given.requestAs !== 'payment_intent';
  const config = parseAdapterConfig(SYSTEM, 'configuration', StripeConfiguration, accountLevel ? { ...given, requestAs: 'payment_intent' } : input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', StripeCredentials, input.credentials);
  const { runtime } = input;
  const stripe = createStripeClient(credentials.secretKey, config.apiBase, runtime.fetch);
  const freshness = new FreshnessLog(runtime.state);
  const ctx: MapContext = { weddingId: runtime.weddingId, vendorId: config.vendorId, acceptUntagged: config.acceptUntagged };
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound';
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const, 'pull' as const] : []), ...(outbound ? ['push' as const] : [])];
  const state = () => runtime.state.get() as { endpointId?: string; endpointSecret?: string; customerId?: string };

  const signingSecret = (): string | null => {
    if (credentials.webhookSecret) return credentials.webhookSecret;
    const sealed = state().endpointSecret;
    return sealed ? openSecret(runtime.webhookSecret, sealed) : null;
  };

  /**
   * What an event means, reading back from Stripe what it does not say (`readBack`); let through
   * when relevant and not stale, remembering its position. `notice`: ignored, and worth auditing.
   */
  const interpret = async (event: StripeEventJson): Promise<{ admit: true; changes: InboundChange[]; readBack: boolean } | { admit: false; reason: string; notice?: string }> => {
    let mapped = mapEvent(event, ctx);
    const readsBack = !!mapped.readBack;
    if (!mapped.relevant) return { admit: false, reason: 'not a payment of this wedding' };
    if (mapped.readBack) {
      const found = await readBack(stripe, mapped.readBack, ctx, event.created, event.type);
      if (found.kind === 'other') return { admit: false, reason: 'not a payment of this wedding' };
      if (found.kind === 'unknown') return { admit: false, reason: 'not a payment WedSync knows', notice: found.reason };
      mapped = found.mapped;
    }
    if (mapped.position) {
      if (freshness.isStale(mapped.position)) return { admit: false, reason: 'older than what was already applied' };
      freshness.record(mapped.position);
    }
    return { admit: true, changes: mapped.changes, readBack: readsBack };
  };

  const readBacks = new ReadBackCache(runtime.state);

  async function customerId(wedding: WeddingContext): Promise<string> {
    if (config.customerId) return config.customerId;
    const known = state().customerId;
    if (known) return known;
    const customer = await call(() => stripe.customers.create(
      { email: config.customerEmail, ...(wedding.meta.title ? { name: wedding.meta.title } : {}), metadata: { [META.wedding]: runtime.weddingId, [META.integration]: runtime.integrationId } },
      { idempotencyKey: `wedsync-${runtime.integrationId}-customer` },
    ));
    runtime.state.set({ ...runtime.state.get(), customerId: customer.id });
    return customer.id;
  }

  async function createRequest(change: OutboundChange, key: string, wedding: WeddingContext): Promise<string> {
    const p = paymentData(change);
    const metadata = metadataFor(change, runtime.weddingId, runtime.integrationId);
    const description = requestDescription(p, wedding);
    const currency = p.currency.toLowerCase();
    if (config.requestAs === 'payment_intent') {
      const pi = await call(() => stripe.paymentIntents.create(
        { amount: toStripeAmount(p.amount, currency), currency, description, metadata, automatic_payment_methods: { enabled: true } },
        { idempotencyKey: key },
      ));
      return pi.id;
    }
    // An invoice takes four calls; each has its own key derived from the row's, so a retry after a
    // crash part-way replays the calls that were made and continues with the rest.
    const customer = await customerId(wedding);
    const due = dueDateSeconds(p.due);
    // The due date when it is more than an hour away, else Stripe's "due in N days".
    const future = due !== null && due > runtime.now() / 1000 + 3600;
    const create = (withDueDate: boolean) => stripe.invoices.create(
      { customer, collection_method: 'send_invoice', currency, description, metadata, auto_advance: false, ...(withDueDate ? { due_date: due! } : { days_until_due: config.daysUntilDue }) },
      { idempotencyKey: `${key}:invoice` },
    );
    const invoice = await call(async () => {
      try {
        return await create(future);
      } catch (error) {
        // A retry after the due date crossed the hour's line since the attempt that used this key:
        // Stripe answers 400 idempotency_error to other parameters, and replays its stored answer
        // to the ones first sent (https://docs.stripe.com/api/idempotent_requests).
        if (due !== null && (error as { type?: string }).type === 'StripeIdempotencyError') return await create(!future);
        throw error;
      }
    });
    await call(() => stripe.invoiceItems.create(
      { customer, invoice: invoice.id, amount: toStripeAmount(p.amount, currency), currency, description, metadata },
      { idempotencyKey: `${key}:item` },
    ));
    await call(() => stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: false }, { idempotencyKey: `${key}:finalize` }));
    if (config.sendInvoices) await call(() => stripe.invoices.sendInvoice(invoice.id, {}, { idempotencyKey: `${key}:send` }));
    return invoice.id;
  }

  async function cancelRequest(externalId: string, key: string): Promise<void> {
    if (externalId.startsWith('in_')) {
      const invoice = await call(() => stripe.invoices.retrieve(externalId));
      if (invoice.status === 'draft') await call(() => stripe.invoices.del(externalId));
      else if (invoice.status === 'open' || invoice.status === 'uncollectible') await call(() => stripe.invoices.voidInvoice(externalId, {}, { idempotencyKey: `${key}:void` }));
      return;
    }
    if (externalId.startsWith('pi_')) {
      const pi = await call(() => stripe.paymentIntents.retrieve(externalId));
      if (pi.status !== 'canceled' && pi.status !== 'succeeded') await call(() => stripe.paymentIntents.cancel(externalId, {}, { idempotencyKey: `${key}:cancel` }));
    }
  }

  /** Every event newer than `cursor` (or, without one, every event Stripe still has), oldest first. */
  async function eventsSince(cursor: string | null): Promise<Stripe.Event[]> {
    const types = [...STRIPE_EVENT_TYPES];
    const out: Stripe.Event[] = [];
    if (cursor) {
      // `ending_before` walks towards newer events; each page is still newest first.
      let before = cursor;
      for (;;) {
        const page = await call(() => stripe.events.list({ ending_before: before, limit: 100, types }));
        out.push(...page.data);
        if (!page.has_more || page.data.length === 0) break;
        before = page.data[0]!.id;
        if (out.length >= MAX_PULL_EVENTS) break;
      }
    } else {
      let after: string | undefined;
      for (;;) {
        const page = await call(() => stripe.events.list({ limit: 100, types, ...(after ? { starting_after: after } : {}) }));
        out.push(...page.data);
        if (!page.has_more || page.data.length === 0 || out.length >= MAX_PULL_EVENTS) break;
        after = page.data[page.data.length - 1]!.id;
      }
    }
    // Oldest first, so that applying them in order ends in the newest state.
    const index = new Map(out.map((e, i) => [e.id, i]));
    return out.sort((a, b) => a.created - b.created || index.get(b.id)! - index.get(a.id)!);
  }

  return {
    system: SYSTEM,
    category: 'payment_processor',
    capabilities,
    fields: STRIPE_FIELDS,

    async testConnection() {
      await call(() => stripe.balance.retrieve());
    },

    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerdict> {
      if (!inbound) return { ok: false, code: 'signature_invalid', message: 'this integration is outbound only' };
      const secret = signingSecret();
      if (!secret) return { ok: false, code: 'signature_invalid', message: 'no signing secret: the webhook endpoint was not created and credentials.webhookSecret is not set' };
      try {
        // The raw body exactly as received: the signature covers its bytes. Only the signature is
        // checked here (constructEvent would also JSON.parse the body, refusing a leading byte-order
        // mark as a bad signature); parseEvent below reads it.
        const signature = stripe.webhooks.signature;
        if (!signature) throw new Error('the Stripe library has no signature helper');
        signature.verifyHeader(request.rawBody, request.headers['stripe-signature'] ?? '', secret, config.toleranceSeconds, undefined, runtime.now());
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        return { ok: false, code: /tolerance/i.test(message) ? 'signature_stale' : 'signature_invalid', message: clipText(message.split('\n')[0]!, 300) };
      }
      // NOTE: stripe-node measures the tolerance only backwards (now - t), so a signature dated in the
      // future passes it; a replayed capture must not, in either direction.
      // Read as stripe-node reads it (the last `t=`, which its HMAC and past check used): a header
      // with a second, earlier `t=` in front must not pass this check with the first one.
      const times = (request.headers['stripe-signature'] ?? '').split(',').map((item) => item.split('=')).filter(([k]) => k === 't');
      const signedAt = times.length > 0 && /^\d+$/.test(times.at(-1)![1] ?? '') ? Number(times.at(-1)![1]) : NaN;
      if (!Number.isFinite(signedAt) || signedAt * 1000 - runtime.now() > config.toleranceSeconds * 1000) {
        return { ok: false, code: 'signature_stale', message: `Stripe-Signature is dated more than ${config.toleranceSeconds} s in the future` };
      }
      let event: StripeEventJson;
      try {
        event = parseEvent(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      // A read-back that fails (Stripe unreachable) throws: answered 5xx, and Stripe delivers again.
      const verdict = await interpret(event);
      if (!verdict.admit) {
        return {
          ok: true, eventId: event.id, ignore: true, ...(verdict.notice ? { notice: verdict.notice } : {}),
          reply: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: verdict.reason }) },
        };
      }
      if (verdict.readBack) readBacks.set(event.id, verdict.changes);
      return { ok: true, eventId: event.id };
    },

    parseWebhook(request: WebhookRequest) {
      const event = parseEvent(request.rawBody);
      const mapped = mapEvent(event, ctx);
      if (!mapped.readBack) return { changes: mapped.changes };
      const changes = readBacks.get(event.id);
      return changes ? { changes } : { changes: [], pull: true };
    },

    async pull({ cursor, full }: PullOptions): Promise<PullPage> {
      let events: Stripe.Event[];
      try {
        events = await eventsSince(full ? null : cursor);
      } catch (error) {
        // An unknown cursor (older than Stripe's 30 days of events): read everything again.
        if (error instanceof AdapterError && error.extra.status === 404 && cursor && !full) throw new AdapterError('gone', `Stripe no longer has event ${cursor}`, { status: 404, cause: error });
        throw error;
      }
      const changes: InboundChange[] = [];
      const notices: string[] = [];
      for (const e of events) {
        const verdict = await interpret(e as unknown as StripeEventJson);
        if (verdict.admit) changes.push(...verdict.changes);
        else if (verdict.notice) notices.push(`${e.type} ${e.id}: ${verdict.notice}`);
      }
      const newest = events.length ? events[events.length - 1]!.id : cursor;
      return { changes, cursor: newest, more: false, ...(notices.length ? { notices } : {}) };
    },

    accepts(change) {
      return outbound && planPush(change, config.vendorId).action !== 'none';
    },

    async push(change, { idempotencyKey, wedding }) {
      const plan = planPush(change, config.vendorId);
      switch (plan.action) {
        case 'create':
          return { externalId: await createRequest(change, idempotencyKey, wedding) };
        case 'cancel':
          await cancelRequest(plan.externalId, idempotencyKey);
          return { externalId: change.op === 'delete' ? null : plan.externalId };
        case 'none':
          return { externalId: change.externalId };
        default: {
          const never: never = plan;
          throw new AdapterError('unsupported', `unknown push plan ${JSON.stringify(never)}`);
        }
      }
    },

    async activate() {
      if (!inbound || credentials.webhookSecret || !config.registerWebhook || state().endpointId) return;
      const endpoint = await call(() => stripe.webhookEndpoints.create(
        { url: runtime.webhookUrl, enabled_events: [...STRIPE_EVENT_TYPES], description: runtime.weddingId ? `WedSync Hub: wedding ${runtime.weddingId}` : 'WedSync Hub', metadata: { [META.integration]: runtime.integrationId } },
        // The URL is part of the key: an endpoint registered again for a new address (the hub moved) is a new request.
        { idempotencyKey: `wedsync-${runtime.integrationId}-endpoint-${crypto.createHash('sha256').update(runtime.webhookUrl).digest('base64url').slice(0, 16)}` },
      ));
      if (!endpoint.secret) throw new AdapterError('permanent', 'Stripe did not return the new endpoint\'s signing secret');
      runtime.state.set({ ...runtime.state.get(), endpointId: endpoint.id, endpointSecret: sealSecret(runtime.webhookSecret, endpoint.secret) });
    },

    async deactivate() {
      const id = state().endpointId;
      if (!id) return;
      try {
        await call(() => stripe.webhookEndpoints.del(id));
      } catch (error) {
        if (!(error instanceof AdapterError && error.extra.status === 404)) throw error;
      }
      // Forgotten once Stripe no longer has it, so a later activate registers a new one.
      const next = { ...runtime.state.get() };
      delete next.endpointId;
      delete next.endpointSecret;
      runtime.state.set(next);
    },
  };
}

export const stripeAdapter: AdapterDefinition = {
  system: SYSTEM,
  fields: STRIPE_FIELDS,
  category: 'payment_processor',
  capabilities: ['webhook', 'pull', 'push'],
  description: 'Stripe: payment intents, invoices, Checkout and refunds onto the wedding\'s payments; invoices or payment intents for each payment milestone.',
  configuration: StripeConfiguration,
  create: createStripeAdapter,
  servesManyWeddings: true,
  routeWebhook(request) {
    try {
      const event = parseDeliveryJson(request.rawBody) as { data?: { object?: { metadata?: Record<string, unknown> } } } | null;
      const id = event?.data?.object?.metadata?.[META.integration];
      // Anything but a plausible id is no route (the delivery is then refused as for no integration).
      return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : null;
    } catch {
      return null;
    }
  },
};
