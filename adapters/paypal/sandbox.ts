import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { decimalFromMinorUnits, minorUnitsFromDecimal } from '../../schema/index.ts';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';

type Obj = Record<string, unknown> & { id: string };

interface Transmission { body: string; webhookId: string; time: string; sig: string }

const ppId = (n = 17) => crypto.randomBytes(n).toString('hex').toUpperCase().slice(0, n);

/**
 * A local PayPal: OAuth client credentials, Orders v2 (create with PayPal-Request-Id replay, get,
 * capture), captures and refunds, webhook registration, and signed deliveries verified the way
 * PayPal verifies them: the sandbox signs `<transmission id>|<transmission time>|<webhook id>|<CRC32
 * of the body>` with its RSA key (SHA256withRSA) and `POST /v1/notifications/verify-webhook-signature`
 * checks that signature and that the posted event is the one delivered. `approve()` and `capture()`
 * stand in for the payer.
 */
export class PaypalSandbox {
  readonly clientId = `A${crypto.randomBytes(20).toString('base64url')}`;
  readonly clientSecret = `E${crypto.randomBytes(20).toString('base64url')}`;
  readonly http: SandboxServer;
  readonly orders = new Map<string, Obj>();
  readonly captures = new Map<string, Obj>();
  readonly deliveries: { eventId: string; type: string; status: number; reply: string }[] = [];
  readonly verifications: { transmissionId: string; result: 'SUCCESS' | 'FAILURE' }[] = [];
  /** Order creations with their PayPal-Request-Id (replayed when the id was seen before). */
  readonly orderRequests: { requestId: string | null; replayed: boolean }[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly webhooks = new Map<string, { url: string; events: string[] }>();
  private readonly transmissions = new Map<string, Transmission>();
  private readonly requestIds = new Map<string, SandboxResponse>();
  private readonly keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly pending = new Set<Promise<void>>();
  private held: (() => Promise<void>)[] | null = null;

  constructor() {
    this.http = new SandboxServer((req) => this.route(req));
  }

  get url(): string { return this.http.url; }
  get certUrl(): string { return `${this.url}/v1/notifications/certs/CERT-sandbox`; }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  async stop(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.http.stop();
  }

  /** A webhook made in the developer dashboard. */
  addWebhook(url: string, events = ['*']): string {
    const id = ppId(17);
    this.webhooks.set(id, { url, events });
    return id;
  }

  holdDeliveries(): void { this.held ??= []; }

  async releaseDeliveries(order: 'in_order' | 'reversed' = 'in_order'): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    if (order === 'reversed') held.reverse();
    for (const send of held) await send();
  }

  /** The payer approves an order on PayPal's page. */
  approve(orderId: string): Obj {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    Object.assign(order, { status: 'APPROVED', update_time: this.now() });
    this.emit('CHECKOUT.ORDER.APPROVED', 'checkout-order', order);
    return order;
  }

  /** Captures an approved order (what the merchant's capture call does), completing the payment. */
  capture(orderId: string): Obj {
    const order = this.orders.get(orderId);
    if (!order || order.status !== 'APPROVED') throw new Error(`order ${orderId} is not approved`);
    const unit = (order.purchase_units as Obj[])[0]!;
    const now = this.now();
    const capture: Obj = {
      id: ppId(17), status: 'COMPLETED', amount: unit.amount, final_capture: true, custom_id: unit.custom_id, create_time: now, update_time: now,
      supplementary_data: { related_ids: { order_id: order.id } }, seller_receivable_breakdown: { gross_amount: unit.amount },
      links: [{ href: `${this.url}/v2/payments/captures/ID`, rel: 'self', method: 'GET' }],
    };
    (capture.links as { href: string }[])[0]!.href = `${this.url}/v2/payments/captures/${capture.id}`;
    this.captures.set(capture.id, capture);
    unit.payments = { captures: [capture], refunds: [] };
    Object.assign(order, { status: 'COMPLETED', update_time: now });
    this.emit('PAYMENT.CAPTURE.COMPLETED', 'capture', capture);
    this.emit('CHECKOUT.ORDER.COMPLETED', 'checkout-order', order);
    return capture;
  }

  private now(): string {
    return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private emit(type: string, resourceType: string, resource: Obj): void {
    const event = {
      id: `WH-${ppId(8)}-${ppId(17)}`, event_version: '1.0', create_time: this.now(), resource_type: resourceType, resource_version: '2.0',
      event_type: type, summary: `${type} for ${resource.id}`, resource: JSON.parse(JSON.stringify(resource)) as unknown,
      links: [{ href: `${this.url}/v1/notifications/webhooks-events/ID`, rel: 'self', method: 'GET' }],
    };
    for (const [webhookId, hook] of this.webhooks) {
      if (!hook.events.includes('*') && !hook.events.includes(type)) continue;
      const send = async () => {
        // Non-ASCII written as \u escapes, as some JSON writers do: a verification that posts the
        // event parsed and written again (JSON.stringify writes it raw) no longer matches the
        // delivered text, as with PayPal, which checks the text it signed.
        const body = JSON.stringify(event).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
        const transmissionId = crypto.randomUUID();
        const time = new Date().toISOString();
        const sig = PaypalSandbox.sign(this.keys.privateKey, transmissionId, time, webhookId, body);
        this.transmissions.set(transmissionId, { body, webhookId, time, sig });
        const { status, body: reply } = await postWebhook(hook.url, body, {
          'content-type': 'application/json', 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': this.certUrl,
          'paypal-transmission-id': transmissionId, 'paypal-transmission-sig': sig, 'paypal-transmission-time': time,
        });
        this.deliveries.push({ eventId: event.id, type, status, reply });
      };
      if (this.held) this.held.push(send);
      else {
        const p = send();
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }
    }
  }

  /** PayPal's signed string: transmission id, time, webhook id and the body's CRC32 (decimal), joined by `|`. */
  static sign(privateKey: crypto.KeyObject, transmissionId: string, time: string, webhookId: string, body: string): string {
    const message = `${transmissionId}|${time}|${webhookId}|${zlib.crc32(body)}`;
    return crypto.sign('sha256', Buffer.from(message), privateKey).toString('base64');
  }

  private error(status: number, name: string, message: string): SandboxResponse {
    return json(status, { name, message, debug_id: ppId(13).toLowerCase() });
  }

  private route(req: SandboxRequest): SandboxResponse {
    if (req.path === '/v1/oauth2/token' && req.method === 'POST') {
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      if (id !== this.clientId || secret !== this.clientSecret) return json(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
      const token = `A21AA${crypto.randomBytes(24).toString('base64url')}`;
      this.tokens.set(token, Date.now() + 32_400_000);
      return json(200, { scope: 'https://uri.paypal.com/services/payments/payment', access_token: token, token_type: 'Bearer', app_id: 'APP-SANDBOX', expires_in: 32400, nonce: ppId(20) });
    }
    if (req.method === 'GET' && req.path === '/v1/notifications/certs/CERT-sandbox') {
      return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    }
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(bearer)) return this.error(401, 'AUTHENTICATION_FAILURE', 'Authentication failed due to invalid authentication credentials or a missing Authorization header.');
    const body = req.rawBody ? JSON.parse(req.rawBody) as Record<string, unknown> : {};
    if (req.method === 'POST' && req.path === '/v2/checkout/orders') {
      const requestId = req.headers['paypal-request-id'] ?? null;
      const replay = requestId ? this.requestIds.get(requestId) : undefined;
      this.orderRequests.push({ requestId, replayed: !!replay });
      if (replay) return replay;
      const units = body.purchase_units as { amount?: { currency_code?: string; value?: string }; custom_id?: string }[] | undefined;
      const amount = units?.[0]?.amount;
      if (body.intent !== 'CAPTURE' || !amount?.currency_code || !/^\d+(\.\d{1,3})?$/.test(amount.value ?? '')) return this.error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.');
      if ((units?.[0]?.custom_id ?? '').length > 127) return this.error(400, 'INVALID_REQUEST', 'custom_id is longer than 127 characters.');
      const id = ppId(17);
      const now = this.now();
      const order: Obj = {
        id, intent: 'CAPTURE', status: 'CREATED', purchase_units: units, create_time: now, update_time: now,
        links: [
          { href: `${this.url}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
          { href: `${this.url}/checkoutnow?token=${id}`, rel: 'approve', method: 'GET' },
          { href: `${this.url}/v2/checkout/orders/${id}/capture`, rel: 'capture', method: 'POST' },
        ],
      };
      this.orders.set(id, order);
      const response = json(201, order);
      if (requestId) this.requestIds.set(requestId, response);
      return response;
    }
    const order = /^\/v2\/checkout\/orders\/([A-Z0-9]+)(\/capture)?$/.exec(req.path);
    if (order) {
      const o = this.orders.get(order[1]!);
      if (!o) return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
      if (req.method === 'GET' && !order[2]) return json(200, o);
      if (req.method === 'POST' && order[2]) {
        if (o.status !== 'APPROVED') return this.error(422, 'UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED');
        this.capture(o.id);
        return json(201, o);
      }
    }
    const capture = /^\/v2\/payments\/captures\/([A-Z0-9]+)(\/refund)?$/.exec(req.path);
    if (capture) {
      const c = this.captures.get(capture[1]!);
      if (!c) return this.error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
      if (req.method === 'GET' && !capture[2]) return json(200, c);
      if (req.method === 'POST' && capture[2]) return this.refund(c, body.amount as { value: string; currency_code: string } | undefined, typeof body.custom_id === 'string' ? body.custom_id : undefined);
    }
    if (req.method === 'POST' && req.path === '/v1/notifications/webhooks') {
      const id = this.addWebhook(String(body.url), ((body.event_types as { name: string }[] | undefined) ?? []).map((e) => e.name));
      return json(201, { id, url: body.url, event_types: body.event_types, links: [] });
    }
    const hook = /^\/v1\/notifications\/webhooks\/([A-Z0-9]+)$/.exec(req.path);
    if (hook && req.method === 'DELETE') return this.webhooks.delete(hook[1]!) ? { status: 204 } : this.error(404, 'INVALID_RESOURCE_ID', 'Webhook not found.');
    if (req.method === 'POST' && req.path === '/v1/notifications/verify-webhook-signature') return this.verify(body, req.rawBody);
    return this.error(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`);
  }

  /**
   * Refunds a capture, as the merchant's API call or the dashboard's "Refund" does. The refund has a
   * `custom_id` only when the request gave one (the dashboard gives none); its `up` link is the capture.
   */
  private refund(capture: Obj, amount: { value: string; currency_code: string } | undefined, customId: string | undefined): SandboxResponse {
    const order = this.orders.get((capture.supplementary_data as { related_ids: { order_id: string } }).related_ids.order_id)!;
    const unit = (order.purchase_units as Obj[])[0]!;
    const payments = unit.payments as { refunds: Obj[] };
    const total = (capture.amount as { value: string; currency_code: string });
    const minor = (v: string) => minorUnitsFromDecimal(v, total.currency_code);
    const already = payments.refunds.reduce((s, r) => s + minor((r.amount as { value: string }).value), 0);
    const value = amount?.value ?? decimalFromMinorUnits(minor(total.value) - already, total.currency_code);
    if (already + minor(value) > minor(total.value)) return this.error(422, 'UNPROCESSABLE_ENTITY', 'REFUND_AMOUNT_EXCEEDED');
    const now = this.now();
    const refunded = already + minor(value);
    const refund: Obj = {
      id: ppId(17), status: 'COMPLETED', amount: { currency_code: total.currency_code, value }, ...(customId ? { custom_id: customId } : {}), create_time: now, update_time: now,
      seller_payable_breakdown: { total_refunded_amount: { currency_code: total.currency_code, value: decimalFromMinorUnits(refunded, total.currency_code) } },
      links: [{ href: `${this.url}/v2/payments/refunds/R`, rel: 'self', method: 'GET' }, { href: `${this.url}/v2/payments/captures/${capture.id}`, rel: 'up', method: 'GET' }],
    };
    payments.refunds.push(refund);
    capture.status = refunded >= minor(total.value) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    capture.update_time = now;
    this.emit('PAYMENT.CAPTURE.REFUNDED', 'refund', refund);
    return json(201, refund);
  }

  /** `text`: the request as posted; its `webhook_event` must be the delivered event's very text (PayPal checks the text it signed). */
  private verify(body: Record<string, unknown>, text: string): SandboxResponse {
    const t = this.transmissions.get(String(body.transmission_id));
    let result: 'SUCCESS' | 'FAILURE' = 'FAILURE';
    if (t && body.cert_url === this.certUrl && body.auth_algo === 'SHA256withRSA' && body.webhook_id === t.webhookId && body.transmission_time === t.time
      && /"webhook_event"\s*:\s*$/.test(text.slice(0, Math.max(0, text.indexOf(t.body)))) && JSON.stringify(body.webhook_event) === JSON.stringify(JSON.parse(t.body))) {
      const message = `${String(body.transmission_id)}|${t.time}|${t.webhookId}|${zlib.crc32(t.body)}`;
      try {
        if (crypto.verify('sha256', Buffer.from(message), this.keys.publicKey, Buffer.from(String(body.transmission_sig), 'base64'))) result = 'SUCCESS';
      } catch {
        result = 'FAILURE';
      }
    }
    this.verifications.push({ transmissionId: String(body.transmission_id), result });
    return json(200, { verification_status: result });
  }
}
