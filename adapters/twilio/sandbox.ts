import crypto from 'node:crypto';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';

/** A message as the Messages API returns it (snake_case JSON, RFC 2822 dates). */
export interface TwilioMessage {
  sid: string;
  account_sid: string;
  api_version: '2010-04-01';
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: string;
  direction: 'outbound-api';
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  error_code: number | null;
  error_message: string | null;
  num_segments: string;
  num_media: '0';
  price: null;
  price_unit: 'USD';
  uri: string;
  subresource_uris: { media: string };
}

export interface StatusCallback {
  url: string;
  params: Record<string, string>;
  signature: string;
  answeredWith: number;
}

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

/**
 * A local Twilio: the 2010-04-01 Messages API (Basic auth with Account SID and auth token,
 * form-encoded create, JSON list with paging fields, Twilio's `{ code, message, more_info, status }`
 * errors), then the message's life (queued → sent → delivered, or undelivered for numbers marked
 * so) reported to its StatusCallback with X-Twilio-Signature, computed as Twilio documents it:
 * base64 HMAC-SHA1, keyed by the auth token, of the URL followed by each POST parameter name and
 * value, sorted by name.
 */
export class TwilioSandbox {
  readonly accountSid = `AC${crypto.randomBytes(16).toString('hex')}`;
  readonly authToken = crypto.randomBytes(16).toString('hex');
  readonly http: SandboxServer;
  readonly messages: TwilioMessage[] = [];
  readonly callbacks: StatusCallback[] = [];
  /** Numbers whose messages end `undelivered` (error 30003, unreachable handset). */
  readonly undeliverable = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  /** Move messages through sent and delivered by themselves (off: call `progress`). @default true */
  autoProgress = true;
  private readonly callbackUrls = new Map<string, string>();

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

  /** Messages sent to `to` (an E.164 number, or `whatsapp:+…`). */
  to(to: string): TwilioMessage[] {
    return this.messages.filter((m) => m.to === to);
  }

  /** Twilio's signature over a callback, from its documented algorithm. */
  static signature(authToken: string, url: string, params: Record<string, string>): string {
    const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url);
    return crypto.createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
  }

  /** Moves a message to `status` now, reporting it to its status callback. */
  async progress(sid: string, status: 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read'): Promise<void> {
    const m = this.messages.find((x) => x.sid === sid);
    if (!m) throw new Error(`no message ${sid}`);
    m.status = status;
    m.date_updated = rfc2822(Date.now());
    if (status === 'sent') m.date_sent = m.date_updated;
    if (status === 'undelivered' || status === 'failed') Object.assign(m, { error_code: 30003, error_message: 'Unreachable destination handset' });
    const url = this.callbackUrls.get(sid);
    if (!url) return;
    const params: Record<string, string> = {
      AccountSid: this.accountSid, ApiVersion: '2010-04-01', From: m.from ?? '', To: m.to, MessageSid: m.sid, SmsSid: m.sid,
      MessageStatus: status, SmsStatus: status, ...(m.error_code ? { ErrorCode: String(m.error_code) } : {}),
      ...(m.to.startsWith('whatsapp:') ? { ChannelPrefix: 'whatsapp' } : {}),
    };
    const signature = TwilioSandbox.signature(this.authToken, url, params);
    const { status: answeredWith } = await postWebhook(url, new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': crypto.randomUUID(),
    });
    this.callbacks.push({ url, params, signature, answeredWith });
  }

  private lifecycle(sid: string, to: string): void {
    if (!this.autoProgress) return;
    const run = (async () => {
      await new Promise((r) => setTimeout(r, 5));
      await this.progress(sid, 'sent');
      await new Promise((r) => setTimeout(r, 5));
      await this.progress(sid, this.undeliverable.has(to.replace(/^whatsapp:/, '')) ? 'undelivered' : 'delivered');
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private error(status: number, code: number, message: string): SandboxResponse {
    return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  }

  private route(req: SandboxRequest): SandboxResponse {
    const auth = req.headers.authorization ?? '';
    const [user, pass] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':') : [];
    if (user !== this.accountSid || pass !== this.authToken) return this.error(401, 20003, 'Authenticate');
    const base = `/2010-04-01/Accounts/${this.accountSid}`;
    if (req.method === 'GET' && req.path === `${base}.json`) {
      return json(200, { sid: this.accountSid, friendly_name: 'WedSync sandbox', status: 'active', type: 'Full', uri: `${base}.json` });
    }
    if (req.path !== `${base}/Messages.json`) return this.error(404, 20404, `The requested resource ${req.path} was not found`);
    if (req.method === 'GET') {
      const to = req.query.get('To');
      const from = req.query.get('From');
      const size = Math.min(1000, Number(req.query.get('PageSize') ?? 50));
      const list = [...this.messages].reverse().filter((m) => (!to || m.to === to) && (!from || m.from === from)).slice(0, size);
      return json(200, {
        messages: list, start: 0, end: Math.max(0, list.length - 1), page: 0, page_size: size, first_page_uri: `${base}/Messages.json?PageSize=${size}&Page=0`,
        next_page_uri: null, previous_page_uri: null, uri: `${base}/Messages.json?PageSize=${size}&Page=0`,
      });
    }
    if (req.method !== 'POST') return this.error(405, 20004, 'Method not allowed');
    const p = Object.fromEntries(new URLSearchParams(req.rawBody));
    const to = p.To ?? '';
    const whatsapp = to.startsWith('whatsapp:');
    if (!/^\+[1-9]\d{6,14}$/.test(to.replace(/^whatsapp:/, ''))) return this.error(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!p.From && !p.MessagingServiceSid) return this.error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
    if (p.From && whatsapp !== p.From.startsWith('whatsapp:')) return this.error(400, 63007, 'Twilio could not find a Channel with the specified From address');
    if (!p.Body) return this.error(400, 21602, 'Message body is required.');
    if (p.Body.length > 1600) return this.error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    const now = Date.now();
    const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
    const m: TwilioMessage = {
      sid, account_sid: this.accountSid, api_version: '2010-04-01', to, from: p.From ?? null, messaging_service_sid: p.MessagingServiceSid ?? null,
      body: p.Body, status: 'queued', direction: 'outbound-api', date_created: rfc2822(now), date_updated: rfc2822(now), date_sent: null,
      error_code: null, error_message: null, num_segments: String(Math.ceil(p.Body.length / 153) || 1), num_media: '0', price: null, price_unit: 'USD',
      uri: `${base}/Messages/${sid}.json`, subresource_uris: { media: `${base}/Messages/${sid}/Media.json` },
    };
    this.messages.push(m);
    if (p.StatusCallback) this.callbackUrls.set(sid, p.StatusCallback);
    this.lifecycle(sid, to);
    return json(201, m);
  }
}
