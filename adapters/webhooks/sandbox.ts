import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { standardWebhookHeaders, verifyStandardWebhook } from '../core/index.ts';
import { sandboxFetch } from '../core/sandbox-sender.ts';

/** One delivery a subscriber received, with whether its signature verified. */
export interface ReceivedWebhook {
  id: string;
  verified: boolean;
  body: { type: string; timestamp: string; weddingId?: string; data: Record<string, unknown> };
  headers: Record<string, string>;
  /** The body as it arrived (what the signatures are over). */
  raw: string;
  answeredWith: number;
  /** When it arrived, ms since the epoch. */
  at: number;
}

/**
 * A local Standard Webhooks subscriber (what Zapier or n8n would be): verifies each delivery's
 * signature, records it, and answers as told (fail the next N with a status, or a Retry-After).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private failures: { count: number; status: number; retryAfter?: string } = { count: 0, status: 500 };
  private delayMs = 0;
  private server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  constructor(public secret: string) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** Answer the next `count` deliveries with `status` (e.g. 503, or 429 with a Retry-After). */
  failNext(count: number, status = 503, retryAfter?: string): void {
    this.failures = { count, status, retryAfter };
  }

  /** Answer each delivery `ms` after it arrived (a slow subscriber); 0 answers at once. */
  answerAfter(ms: number): void {
    this.delayMs = ms;
  }

  /** Deliveries answered 2xx, each webhook-id once: what the subscriber acted on. */
  accepted(): ReceivedWebhook[] {
    const seen = new Set<string>();
    return this.received.filter((r) => r.answeredWith < 300 && r.verified && !seen.has(r.id) && seen.add(r.id));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
      const check = verifyStandardWebhook(this.secret, headers, raw);
      let status = check.ok ? 204 : 401;
      if (check.ok && this.failures.count > 0) {
        this.failures.count--;
        status = this.failures.status;
        if (this.failures.retryAfter) res.setHeader('retry-after', this.failures.retryAfter);
      }
      let body: ReceivedWebhook['body'];
      try { body = JSON.parse(raw); } catch { body = { type: 'invalid', timestamp: '', data: {} }; }
      this.received.push({ id: headers['webhook-id'] ?? '', verified: check.ok, body, headers, raw, answeredWith: status, at });
      if (this.delayMs > 0) setTimeout(() => res.writeHead(status).end(), this.delayMs);
      else res.writeHead(status).end();
    });
  }
}

/** Sends a signed event to a WedSync webhook URL, as an external system would. */
export async function sendStandardWebhook(url: string, secret: string, event: { id: string; type: string; data: Record<string, unknown>; integrationId?: string; weddingId?: string; reference?: unknown; hints?: unknown }, options: { nowMs?: number; signWith?: string; tamper?: (body: string) => string } = {}): Promise<Response> {
  const body = JSON.stringify({
    type: event.type, timestamp: new Date(options.nowMs ?? Date.now()).toISOString(), data: event.data,
    ...(event.integrationId ? { integrationId: event.integrationId } : {}), ...(event.weddingId !== undefined ? { weddingId: event.weddingId } : {}),
    ...(event.reference !== undefined ? { reference: event.reference } : {}), ...(event.hints !== undefined ? { hints: event.hints } : {}),
  });
  const headers = standardWebhookHeaders(options.signWith ?? secret, event.id, body, options.nowMs);
  return sandboxFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: options.tamper ? options.tamper(body) : body });
}
