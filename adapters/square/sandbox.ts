import crypto from 'node:crypto';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import { squareSignature } from './mappers.ts';

type Obj = Record<string, unknown> & { id: string };

export interface SquareDelivery {
  eventId: string;
  type: string;
  url: string;
  status: number;
  reply: string;
}

const sqId = (n = 22) => crypto.randomBytes(n).toString('base64url').replace(/[-_]/g, 'X').slice(0, n).toUpperCase();
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * A local Square: the v2 REST API as the square SDK calls it (Bearer token, JSON bodies with
 * `idempotency_key`, `{ errors: [{ category, code, detail }] }` errors, `cursor` paging) for
 * locations, payment links, payments, refunds and webhook subscriptions, and signed deliveries
 * (`x-square-hmacsha256-signature`: base64 HMAC-SHA256 of the notification URL followed by the body,
 * keyed by the subscription's signature key). `pay()` stands in for the buyer on the link's page.
 */
export class SquareSandbox {
  readonly accessToken = `EAAA${crypto.randomBytes(24).toString('base64url')}`;
  readonly locationId = sqId(13);
  readonly http: SandboxServer;
  readonly paymentLinks = new Map<string, Obj>();
  readonly payments = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly deliveries: SquareDelivery[] = [];
  readonly posts: { path: string; body: Record<string, unknown>; replayed: boolean }[] = [];
  private readonly subscriptions = new Map<string, Obj & { notification_url: string; signature_key: string; event_types: string[] }>();
  private readonly idempotency = new Map<string, { body: string; response: SandboxResponse }>();
  private readonly pending = new Set<Promise<void>>();
  private held: (() => Promise<void>)[] | null = null;
  private clock = Date.now();

  constructor() {
    this.http = new SandboxServer((req) => this.route(req));
  }

  get url(): string { return this.http.url; }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  async stop(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.http.stop();
  }

  /** A subscription made in the Developer Console: its signature key. */
  addSubscription(notificationUrl: string, eventTypes: string[] = ['payment.created', 'payment.updated', 'refund.created', 'refund.updated', 'order.created']): { id: string; signatureKey: string } {
    const sub = { id: `wbhk_${sqId(20).toLowerCase()}`, name: 'console', enabled: true, event_types: eventTypes, notification_url: notificationUrl, api_version: '2026-09-16', signature_key: crypto.randomBytes(16).toString('base64url'), created_at: this.iso(), updated_at: this.iso() };
    this.subscriptions.set(sub.id, sub);
    return { id: sub.id, signatureKey: sub.signature_key };
  }

  holdDeliveries(): void { this.held ??= []; }

  /** Drops what was held (our server was down past Square's retries): only a pull finds those changes again. */
  discardHeldDeliveries(): number {
    const n = this.held?.length ?? 0;
    this.held = null;
    return n;
  }

  async releaseDeliveries(order: 'in_order' | 'reversed' = 'in_order'): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    if (order === 'reversed') held.reverse();
    for (const send of held) await send();
  }

  /** Timestamps strictly increase, so `updated_at` orders a payment's snapshots. */
  private iso(): string {
    this.clock = Math.max(this.clock + 1, Date.now());
    return new Date(this.clock).toISOString();
  }

  /** The buyer pays a payment link: a payment is created (APPROVED) and then completed, with the link's note. */
  pay(linkId: string): Obj {
    const link = this.paymentLinks.get(linkId);
    if (!link) throw new Error(`no payment link ${linkId}`);
    return this.takePayment(link.quick_pay_money as { amount: number; currency: string }, { orderId: link.order_id as string, note: (link.payment_note as string | null) ?? undefined });
  }

  /**
   * A payment the seller takes in the Square Dashboard or at a register: on an order (`orderId`,
   * e.g. a payment link's order, paid another way) or on none, with the note typed, if any.
   */
  takePayment(money: { amount: number; currency: string }, options: { orderId?: string; note?: string } = {}): Obj {
    const now = this.iso();
    const payment: Obj = {
      id: sqId(29), created_at: now, updated_at: now, amount_money: clone(money), total_money: clone(money), approved_money: clone(money), status: 'APPROVED',
      source_type: 'CARD', location_id: this.locationId, ...(options.orderId ? { order_id: options.orderId } : {}), ...(options.note ? { note: options.note } : {}),
      version_token: sqId(30), receipt_url: `${this.url}/receipt/${sqId(8)}`,
    };
    this.payments.set(payment.id, payment);
    this.emit('payment.created', 'payment', payment.id, { payment: clone(payment) });
    Object.assign(payment, { status: 'COMPLETED', updated_at: this.iso(), version_token: sqId(30) });
    this.emit('payment.updated', 'payment', payment.id, { payment: clone(payment) });
    return payment;
  }

  private emit(type: string, dataType: string, id: string, object: Record<string, unknown>): void {
    const event = { merchant_id: 'ML-SANDBOX', type, event_id: crypto.randomUUID(), created_at: this.iso(), data: { type: dataType, id, object } };
    for (const sub of this.subscriptions.values()) {
      if (!sub.enabled || !sub.event_types.includes(type)) continue;
      const body = JSON.stringify(event);
      const send = async () => {
        const { status, body: reply } = await postWebhook(sub.notification_url, body, {
          'content-type': 'application/json', 'user-agent': 'Square Connect v2', 'square-initial-delivery-timestamp': event.created_at,
          'x-square-hmacsha256-signature': squareSignature(sub.signature_key, sub.notification_url, body),
        });
        this.deliveries.push({ eventId: event.event_id, type, url: sub.notification_url, status, reply });
      };
      if (this.held) this.held.push(send);
      else {
        const p = send();
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }
    }
  }

  private error(status: number, category: string, code: string, detail: string): SandboxResponse {
    return json(status, { errors: [{ category, code, detail }] });
  }

  private async route(req: SandboxRequest): Promise<SandboxResponse> {
    if (req.headers.authorization !== `Bearer ${this.accessToken}`) return this.error(401, 'AUTHENTICATION_ERROR', 'UNAUTHORIZED', 'This request could not be authorized.');
    const body = req.rawBody ? JSON.parse(req.rawBody) as Record<string, unknown> : {};
    if (req.method === 'POST') {
      const key = typeof body.idempotency_key === 'string' ? body.idempotency_key : null;
      this.posts.push({ path: req.path, body, replayed: false });
      if (key) {
        const seen = this.idempotency.get(`${req.path}\n${key}`);
        if (seen) {
          this.posts[this.posts.length - 1]!.replayed = true;
          return seen.body === req.rawBody ? seen.response : this.error(400, 'INVALID_REQUEST_ERROR', 'IDEMPOTENCY_KEY_REUSED', 'The idempotency key can only be retried with the same request data.');
        }
        const response = this.handle(req, body);
        if (response.status < 500) this.idempotency.set(`${req.path}\n${key}`, { body: req.rawBody, response });
        return response;
      }
    }
    return this.handle(req, body);
  }

  private page<T>(items: T[], cursor: string | null, limit: number): { items: T[]; cursor?: string } {
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    const slice = items.slice(start, start + limit);
    return { items: slice, ...(start + limit < items.length ? { cursor: Buffer.from(String(start + limit)).toString('base64url') } : {}) };
  }

  private handle(req: SandboxRequest, body: Record<string, unknown>): SandboxResponse {
    const path = req.path;
    if (req.method === 'GET' && path === `/v2/locations/${this.locationId}`) {
      return json(200, { location: { id: this.locationId, name: 'WedSync sandbox', status: 'ACTIVE', currency: 'GBP', country: 'GB' } });
    }
    if (req.method === 'GET' && path.startsWith('/v2/locations/')) return this.error(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', 'Location not found.');
    if (path === '/v2/online-checkout/payment-links' && req.method === 'POST') {
      const quick = body.quick_pay as { name?: string; price_money?: { amount?: number; currency?: string }; location_id?: string } | undefined;
      if (!quick?.name || !quick.price_money?.amount || !quick.price_money.currency) return this.error(400, 'INVALID_REQUEST_ERROR', 'MISSING_REQUIRED_PARAMETER', 'quick_pay.name and quick_pay.price_money are required.');
      if (quick.location_id !== this.locationId) return this.error(400, 'INVALID_REQUEST_ERROR', 'INVALID_VALUE', 'quick_pay.location_id is not a location of this seller.');
      const now = this.iso();
      const orderId = sqId(29);
      const link: Obj = {
        id: sqId(16), version: 1, description: body.description ?? null, order_id: orderId, url: `${this.url}/pay/${sqId(8)}`, long_url: `${this.url}/pay-long/${orderId}`,
        created_at: now, updated_at: now, payment_note: body.payment_note ?? null, quick_pay_money: quick.price_money,
      };
      this.paymentLinks.set(link.id, link);
      const order = { id: orderId, location_id: this.locationId, state: 'OPEN', version: 1, created_at: now, updated_at: now, total_money: quick.price_money };
      this.emit('order.created', 'order_created', orderId, { order_created: { order_id: orderId, location_id: this.locationId, state: 'OPEN', version: 1, created_at: now } });
      const { quick_pay_money: _m, ...publicLink } = link;
      return json(200, { payment_link: publicLink, related_resources: { orders: [order] } });
    }
    if (path === '/v2/online-checkout/payment-links' && req.method === 'GET') {
      const { items, cursor } = this.page([...this.paymentLinks.values()].map(({ quick_pay_money: _m, ...l }) => l), req.query.get('cursor'), Number(req.query.get('limit') ?? 100));
      return json(200, { payment_links: items, ...(cursor ? { cursor } : {}) });
    }
    if (path === '/v2/payments' && req.method === 'GET') {
      const since = req.query.get('updated_at_begin_time') ?? req.query.get('begin_time');
      const field = req.query.get('sort_field') === 'UPDATED_AT' ? 'updated_at' : 'created_at';
      const desc = req.query.get('sort_order') !== 'ASC';
      const list = [...this.payments.values()].filter((p) => !since || String(p[field]) >= since).sort((a, b) => String(a[field]).localeCompare(String(b[field])) * (desc ? -1 : 1));
      const { items, cursor } = this.page(list, req.query.get('cursor'), Number(req.query.get('limit') ?? 100));
      return json(200, { payments: items, ...(cursor ? { cursor } : {}) });
    }
    const payment = /^\/v2\/payments\/([^/]+)$/.exec(path);
    if (payment && req.method === 'GET') {
      const p = this.payments.get(payment[1]!);
      return p ? json(200, { payment: p }) : this.error(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', 'Payment not found.');
    }
    if (path === '/v2/refunds' && req.method === 'POST') {
      const p = this.payments.get(String(body.payment_id));
      const money = body.amount_money as { amount: number; currency: string } | undefined;
      if (!p || !money) return this.error(400, 'INVALID_REQUEST_ERROR', 'INVALID_VALUE', 'payment_id and amount_money are required.');
      const refunded = ((p.refunded_money as { amount: number } | undefined)?.amount ?? 0) + money.amount;
      if (refunded > (p.amount_money as { amount: number }).amount) return this.error(400, 'INVALID_REQUEST_ERROR', 'REFUND_AMOUNT_INVALID', 'The refund exceeds the payment.');
      // As in Square: the refund starts PENDING (refund.created), then completes (refund.updated), and
      // the payment's refunded_money and refund_ids change with it (payment.updated). None of them
      // carries the payment's note: the refund names its payment_id (and order_id).
      const now = this.iso();
      const refund: Obj = { id: `${p.id}_${sqId(12)}`, status: 'PENDING', amount_money: money, payment_id: p.id, ...(p.order_id ? { order_id: p.order_id } : {}), location_id: this.locationId, reason: body.reason ?? null, created_at: now, updated_at: now };
      this.refunds.set(refund.id, refund);
      this.emit('refund.created', 'refund', refund.id, { refund: clone(refund) });
      Object.assign(refund, { status: 'COMPLETED', updated_at: this.iso() });
      Object.assign(p, { refunded_money: { amount: refunded, currency: money.currency }, refund_ids: [...((p.refund_ids as string[] | undefined) ?? []), refund.id], updated_at: this.iso() });
      this.emit('refund.updated', 'refund', refund.id, { refund: clone(refund) });
      this.emit('payment.updated', 'payment', p.id, { payment: clone(p) });
      return json(200, { refund });
    }
    const refundPath = /^\/v2\/refunds\/([^/]+)$/.exec(path);
    if (refundPath && req.method === 'GET') {
      const r = this.refunds.get(refundPath[1]!);
      return r ? json(200, { refund: r }) : this.error(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', 'Refund not found.');
    }
    if (path === '/v2/webhooks/subscriptions' && req.method === 'POST') {
      const s = body.subscription as { name?: string; event_types?: string[]; notification_url?: string } | undefined;
      if (!s?.notification_url || !s.event_types?.length) return this.error(400, 'INVALID_REQUEST_ERROR', 'MISSING_REQUIRED_PARAMETER', 'notification_url and event_types are required.');
      const created = this.addSubscription(s.notification_url, s.event_types);
      const sub = this.subscriptions.get(created.id)!;
      sub.name = s.name ?? null;
      return json(200, { subscription: sub });
    }
    const sub = /^\/v2\/webhooks\/subscriptions\/([^/]+)$/.exec(path);
    if (sub && req.method === 'DELETE') {
      return this.subscriptions.delete(sub[1]!) ? json(200, {}) : this.error(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', 'Subscription not found.');
    }
    return this.error(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', `No route for ${req.method} ${path}`);
  }
}
