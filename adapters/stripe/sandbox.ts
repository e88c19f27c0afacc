import crypto from 'node:crypto';
import { SandboxServer, json, parseForm, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import { handleBilling, payInvoice } from './sandbox-billing.ts';
import { handleHostedInvoice } from './sandbox-hosted-invoice.ts';
import { clone, meta, newId as id, type Obj, type SandboxLedger } from './sandbox-ledger.ts';
import { handlePayments, succeedPaymentIntent } from './sandbox-payments.ts';

/**
 * A stateful local Stripe: the REST API as the stripe client speaks it (form-encoded bodies with
 * bracket nesting, Bearer secret key, `Idempotency-Key` replay, list objects with `has_more` and
 * cursors, `{ error: { type, message } }` errors) for the objects WedSync uses, events with ids for
 * every change, `GET /v1/events`, webhook endpoints, and signed webhook deliveries
 * (`Stripe-Signature: t=…,v1=<hex HMAC-SHA256 of "t.body">`). Test helpers stand in for the
 * customer (paying an invoice or intent) and for delivery trouble (held, reordered, duplicated).
 * The hosted invoice page (`/i/<id>`, no key) lets a person pay in a browser: sandbox-hosted-invoice.ts.
 * The resources live in `sandbox-payments.ts` (intents, charges, refunds, Checkout) and
 * `sandbox-billing.ts` (customers, invoices, invoice payments, credit notes).
 */

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Obj; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  endpointId: string;
  status: number;
  body: string;
  /** What the receiver answered. */
  reply: string;
}

const API_VERSION = '2026-10-28.endive';

function error(status: number, type: string, message: string, extra: Record<string, unknown> = {}): SandboxResponse {
  return json(status, { error: { type, message, ...extra } }, { 'request-id': id('req') });
}

/** StripeSandbox.snapshot(): JSON. */
export interface StripeSandboxState {
  secretKey: string;
  objects: Array<[string, Obj]>;
  events: StripeEvent[];
  endpoints: Array<[string, Obj & { url: string; secret: string; enabled_events: string[] }]>;
}

export class StripeSandbox implements SandboxLedger {
  readonly secretKey: string;
  readonly http: SandboxServer;
  readonly objects = new Map<string, Obj>();
  readonly events: StripeEvent[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  /** POSTs as received, with their idempotency key (`replayed` when answered from the key's record). */
  readonly posts: { path: string; params: Record<string, unknown>; idempotencyKey: string | null; replayed: boolean }[] = [];
  private readonly idempotency = new Map<string, { fingerprint: string; response: SandboxResponse }>();
  private readonly endpoints = new Map<string, Obj & { url: string; secret: string; enabled_events: string[] }>();
  private held: { event: StripeEvent; endpointId: string }[] | null = null;
  private pendingDeliveries = new Set<Promise<void>>();
  /** The sandbox's clock (ms); event `created` and signature timestamps come from it. */
  now: () => number;

  constructor(options: { secretKey?: string; now?: () => number } = {}) {
    this.secretKey = options.secretKey ?? `sk_test_${crypto.randomBytes(12).toString('hex')}`;
    this.now = options.now ?? Date.now;
    this.http = new SandboxServer((req) => this.route(req));
  }

  get url(): string { return this.http.url; }

  /** The account as JSON (the demo resumes it across restarts): key, objects, events, webhook endpoints. Not deliveries or the request log. */
  snapshot(): StripeSandboxState {
    return { secretKey: this.secretKey, objects: [...this.objects], events: [...this.events], endpoints: [...this.endpoints] };
  }

  /** Replaces the account with a snapshot's. */
  restore(state: StripeSandboxState): void {
    Object.assign(this, { secretKey: state.secretKey });
    this.objects.clear();
    for (const [k, v] of state.objects) this.objects.set(k, v);
    this.events.splice(0, this.events.length, ...state.events);
    this.endpoints.clear();
    for (const [k, v] of state.endpoints) this.endpoints.set(k, v);
  }

  /** Listens on `port` when it is free (see SandboxServer.start). */
  async start(port = 0): Promise<this> {
    await this.http.start(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.settled();
    await this.http.stop();
  }

  /** Resolves when every webhook delivery under way has been answered. */
  async settled(): Promise<void> {
    while (this.pendingDeliveries.size) await Promise.all([...this.pendingDeliveries]);
  }

  // ── delivery control ─────────────────────────────────────────────────────────────────────────
  /** Queue webhook deliveries instead of sending them (our server unreachable, or to reorder). */
  holdDeliveries(): void {
    this.held ??= [];
  }

  /** Sends what was held, in order or reversed (newest first: out-of-order delivery). */
  async releaseDeliveries(order: 'in_order' | 'reversed' = 'in_order'): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    if (order === 'reversed') held.reverse();
    for (const h of held) await this.deliver(h.event, h.endpointId);
  }

  /** Drops what was held: those events are only found again through `GET /v1/events`. */
  discardHeldDeliveries(): number {
    const n = this.held?.length ?? 0;
    this.held = null;
    return n;
  }

  /** Delivers an event again (Stripe retries, and may deliver an event more than once). */
  async redeliver(eventId: string): Promise<number[]> {
    const event = this.events.find((e) => e.id === eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    const out: number[] = [];
    for (const ep of this.endpoints.values()) if (this.subscribed(ep, event.type)) out.push(await this.deliver(event, ep.id));
    return out;
  }

  /**
   * Delivers an event to each subscribed endpoint through `origin` instead of the endpoint's own
   * (`http://host:port`): the instance a load balancer in front of several picked. The endpoint's
   * path and signing secret are kept.
   */
  async deliverThrough(eventId: string, origin: string): Promise<number[]> {
    const event = this.events.find((e) => e.id === eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    const out: number[] = [];
    for (const ep of this.endpoints.values()) if (this.subscribed(ep, event.type)) out.push(await this.deliver(event, ep.id, origin));
    return out;
  }

  /** The signature Stripe would put on `body` for an endpoint secret at `timestamp` (seconds). */
  static sign(secret: string, body: string, timestamp: number): string {
    const v1 = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
    return `t=${timestamp},v1=${v1}`;
  }

  endpointSecret(endpointId?: string): string {
    const ep = endpointId ? this.endpoints.get(endpointId) : [...this.endpoints.values()][0];
    if (!ep) throw new Error('no webhook endpoint');
    return ep.secret;
  }

  /** Registers an endpoint as the Dashboard would (the signing secret is returned). */
  addEndpoint(url: string, enabledEvents: string[] = ['*']): { id: string; secret: string } {
    const ep = { id: id('we'), object: 'webhook_endpoint', url, enabled_events: enabledEvents, secret: `whsec_${crypto.randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'x')}`, status: 'enabled', created: this.seconds(), metadata: {} };
    this.endpoints.set(ep.id, ep);
    return { id: ep.id, secret: ep.secret };
  }

  // ── the customer's side (what happens on Stripe's hosted pages) ───────────────────────────────
  /** The customer pays a payment intent: it succeeds, with a charge carrying the intent's metadata. */
  payPaymentIntent(paymentIntentId: string): Obj {
    const pi = this.must(paymentIntentId, 'payment_intent');
    succeedPaymentIntent(this, pi);
    return pi;
  }

  /**
   * The customer pays `amount` (default: what remains) of an open invoice, through a payment intent
   * and charge of its own; a partial payment leaves the invoice open.
   */
  payInvoice(invoiceId: string, amount?: number): Obj {
    return payInvoice(this, invoiceId, amount);
  }

  // ── the API ──────────────────────────────────────────────────────────────────────────────────
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  store<T extends Obj>(o: T): T {
    this.objects.set(o.id, o);
    return o;
  }

  must(objectId: string, kind: string): Obj {
    const o = this.objects.get(objectId);
    if (!o || o.object !== kind) throw Object.assign(new Error(`No such ${kind}: '${objectId}'`), { status: 404 });
    return o;
  }

  private subscribed(ep: { enabled_events: string[] }, type: string): boolean {
    return ep.enabled_events.includes('*') || ep.enabled_events.includes(type);
  }

  private currentRequest: { id: string; idempotencyKey: string | null } | null = null;

  /** Records an event for `object` as it is now, and delivers it to subscribed endpoints. */
  emit(type: string, object: Obj, previous?: Record<string, unknown>): StripeEvent {
    const targets = [...this.endpoints.values()].filter((ep) => ep.status === 'enabled' && this.subscribed(ep, type));
    const event: StripeEvent = {
      id: id('evt'), object: 'event', api_version: API_VERSION, created: this.seconds(),
      data: { object: clone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false, pending_webhooks: targets.length,
      request: { id: this.currentRequest?.id ?? null, idempotency_key: this.currentRequest?.idempotencyKey ?? null }, type,
    };
    this.events.push(event);
    for (const ep of targets) {
      if (this.held) this.held.push({ event, endpointId: ep.id });
      else {
        const p = this.deliver(event, ep.id).then(() => undefined);
        this.pendingDeliveries.add(p);
        void p.finally(() => this.pendingDeliveries.delete(p));
      }
    }
    return event;
  }

  private async deliver(event: StripeEvent, endpointId: string, origin?: string): Promise<number> {
    const ep = this.endpoints.get(endpointId);
    if (!ep) return 0;
    const url = origin ? new URL(new URL(ep.url).pathname + new URL(ep.url).search, origin).toString() : ep.url;
    // Stripe sends the event pretty-printed; the signature is over these exact bytes.
    const body = JSON.stringify(event, null, 2);
    const { status, body: reply } = await postWebhook(url, body, {
      'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': StripeSandbox.sign(ep.secret, body, this.seconds()),
    });
    this.deliveries.push({ eventId: event.id, type: event.type, endpointId, status, body, reply });
    return status;
  }

  private async route(req: SandboxRequest): Promise<SandboxResponse> {
    // The customer's hosted invoice page (`hosted_invoice_url`) needs no API key.
    const hosted = handleHostedInvoice(this, req.method, req.path);
    if (hosted) return hosted;
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] ?? '' : '';
    if (key !== this.secretKey) return error(401, 'invalid_request_error', `Invalid API Key provided: ${key.slice(0, 8)}…`);
    const params = req.method === 'GET' || req.method === 'DELETE' ? parseForm(req.query) : parseForm(req.rawBody);
    if (req.method !== 'POST') return this.dispatch(req.method, req.path, params);
    const idem = req.headers['idempotency-key'] ?? null;
    this.posts.push({ path: req.path, params, idempotencyKey: idem, replayed: false });
    if (idem) {
      const fingerprint = `${req.path}\n${req.rawBody}`;
      const seen = this.idempotency.get(idem);
      if (seen) {
        this.posts[this.posts.length - 1]!.replayed = true;
        if (seen.fingerprint !== fingerprint) {
          return error(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idem}' if you meant to execute a different request.`);
        }
        return { ...seen.response, headers: { ...seen.response.headers, 'idempotent-replayed': 'true' } };
      }
      const response = await this.dispatch('POST', req.path, params, idem);
      // Stripe stores the result of requests that executed (2xx and 4xx); 5xx may be retried.
      if (response.status < 500) this.idempotency.set(idem, { fingerprint, response });
      return response;
    }
    return this.dispatch('POST', req.path, params, null);
  }

  private async dispatch(method: string, path: string, p: Record<string, unknown>, idempotencyKey: string | null = null): Promise<SandboxResponse> {
    this.currentRequest = { id: id('req'), idempotencyKey };
    try {
      return this.handle(method, path, p);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      return error(status, 'invalid_request_error', (e as Error).message, status === 404 ? { code: 'resource_missing' } : {});
    } finally {
      this.currentRequest = null;
    }
  }

  private handle(method: string, path: string, p: Record<string, unknown>): SandboxResponse {
    const [resource, objectId, action] = path.replace(/^\/v1\//, '').split('/');
    const route = `${method} ${resource}${objectId ? '/:id' : ''}${action ? `/${action}` : ''}`;
    // `checkout/sessions` is one resource of two segments.
    const checkout = resource === 'checkout' ? `${method} checkout/${objectId}${action ? '/:id' : ''}` : null;
    const answer = handlePayments(this, checkout ?? route, checkout ? action : objectId, p) ?? handleBilling(this, route, objectId, p);
    if (answer) return answer;
    switch (route) {
      case 'GET balance':
        return json(200, { object: 'balance', available: [{ amount: 0, currency: 'gbp', source_types: { card: 0 } }], pending: [], livemode: false });
      case 'GET events': return json(200, this.listEvents(p));
      case 'GET events/:id': {
        const e = this.events.find((x) => x.id === objectId);
        if (!e) throw Object.assign(new Error(`No such event: '${objectId}'`), { status: 404 });
        return json(200, e);
      }
      case 'POST webhook_endpoints': {
        const enabled = (p.enabled_events as string[] | undefined) ?? [];
        if (!p.url || enabled.length === 0) throw new Error('url and enabled_events are required');
        const ep = this.addEndpoint(String(p.url), enabled);
        const stored = this.endpoints.get(ep.id)!;
        Object.assign(stored, { description: p.description ?? null, metadata: meta(p.metadata) });
        // The secret is only returned on creation.
        return json(200, { ...stored });
      }
      case 'GET webhook_endpoints': {
        const data = [...this.endpoints.values()].map(({ secret: _secret, ...ep }) => ep);
        return json(200, { object: 'list', data, has_more: false, url: '/v1/webhook_endpoints' });
      }
      case 'DELETE webhook_endpoints/:id': {
        if (!this.endpoints.delete(objectId!)) throw Object.assign(new Error(`No such webhook endpoint: '${objectId}'`), { status: 404 });
        return json(200, { id: objectId, object: 'webhook_endpoint', deleted: true });
      }
      default:
        return error(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
    }
  }

  /** `GET /v1/events`: newest first, `limit` ≤ 100, cursors `starting_after` (older) and `ending_before` (newer), `types[]`. */
  private listEvents(p: Record<string, unknown>): Record<string, unknown> {
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 10)));
    const types = (p.types as string[] | undefined) ?? (p.type ? [String(p.type)] : null);
    const all = [...this.events].reverse().filter((e) => !types || types.includes(e.type));
    let data: StripeEvent[];
    let hasMore: boolean;
    if (p.ending_before) {
      const i = this.events.findIndex((e) => e.id === p.ending_before);
      if (i < 0) throw Object.assign(new Error(`No such event: '${String(p.ending_before)}'`), { status: 404 });
      const newer = all.filter((e) => this.events.indexOf(e) > i);
      // The page right before the cursor in list order: the `limit` oldest of the newer events.
      data = newer.slice(Math.max(0, newer.length - limit));
      hasMore = newer.length > limit;
    } else {
      let from = 0;
      if (p.starting_after) {
        const i = all.findIndex((e) => e.id === p.starting_after);
        if (i < 0) throw Object.assign(new Error(`No such event: '${String(p.starting_after)}'`), { status: 404 });
        from = i + 1;
      }
      data = all.slice(from, from + limit);
      hasMore = all.length > from + limit;
    }
    return { object: 'list', data, has_more: hasMore, url: '/v1/events' };
  }
}
