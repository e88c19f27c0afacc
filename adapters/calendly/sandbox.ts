import { randomUUID } from 'node:crypto';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import type { CalendlyInvitee, CalendlyScheduledEvent, CalendlyWebhookSubscription } from './client.ts';
import { signCalendly } from './signature.ts';

const API = 'https://api.calendly.com';

interface Subscription extends CalendlyWebhookSubscription { signing_key: string; organization: string; user: string | null; gone?: boolean }

export interface Booking {
  eventName?: string;
  name: string;
  email: string;
  start: string;
  end: string;
  location?: string;
  timezone?: string;
  questions?: { question: string; answer: string }[];
}

const error = (status: number, title: string, message: string, details?: { parameter: string; message: string }[]) =>
  json(status, { title, message, ...(details ? { details } : {}) });

/**
 * A local Calendly API v2: `Authorization: Bearer` tokens, `/users/me`, `/scheduled_events` (with
 * the `{ collection, pagination }` envelope and `page_token` paging), invitees, webhook
 * subscriptions, errors as `{ title, message, details }`, 429 with `X-RateLimit-*` headers, and
 * deliveries signed with `Calendly-Webhook-Signature`. Control methods let tests book, cancel and
 * reschedule as invitees do on Calendly's booking page.
 */
export class CalendlySandbox {
  readonly token = `sandbox_pat_${randomUUID().replace(/-/g, '')}`;
  readonly user = `${API}/users/${randomUUID()}`;
  readonly organization = `${API}/organizations/${randomUUID()}`;
  readonly server: SandboxServer;
  readonly events = new Map<string, CalendlyScheduledEvent>();
  readonly invitees = new Map<string, CalendlyInvitee>();
  readonly subscriptions = new Map<string, Subscription>();
  /** Answers to the deliveries made, in order. */
  readonly deliveries: { event: string; status: number }[] = [];
  private rateLimited = 0;
  private clock: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.clock = options.now ?? Date.now;
    this.server = new SandboxServer((req) => this.handle(req));
  }

  get url(): string { return this.server.url; }
  async start(): Promise<this> { await this.server.start(); return this; }
  stop(): Promise<void> { return this.server.stop(); }

  /** The next `count` API calls answer 429 with `X-RateLimit-Reset: resetSeconds`. */
  rateLimitNext(count: number, resetSeconds = 1): void { this.rateLimited = count; this.resetSeconds = resetSeconds; }
  private resetSeconds = 1;

  liveSubscriptions(): Subscription[] { return [...this.subscriptions.values()].filter((s) => !s.gone); }

  /** Calendly dropped the subscription: asking for it answers 410 Gone, and nothing is delivered to it. */
  expireSubscription(uri: string): void { const s = this.subscriptions.get(uri); if (s) s.gone = true; }

  /** An invitee books `b`: a scheduled event and its invitee, and `invitee.created` delivered. */
  async book(b: Booking): Promise<CalendlyInvitee> {
    const invitee = this.createBooking(b, null);
    await this.fire('invitee.created', invitee);
    return invitee;
  }

  /** The invitee cancels (not a reschedule): `invitee.canceled` delivered. */
  async cancel(inviteeUri: string): Promise<void> {
    const inv = this.invitees.get(inviteeUri)!;
    inv.status = 'canceled';
    inv.updated_at = this.iso();
    const ev = this.events.get(inv.event!)!;
    ev.status = 'canceled';
    await this.fire('invitee.canceled', inv);
  }

  /**
   * The invitee reschedules to `start`–`end`: the old invitee canceled with `rescheduled: true` and
   * `new_invitee`, a new invitee (on a new scheduled event) with `old_invitee`; both delivered, in
   * the `order` given.
   */
  async reschedule(inviteeUri: string, start: string, end: string, order: 'canceled-first' | 'created-first' = 'canceled-first'): Promise<CalendlyInvitee> {
    const old = this.invitees.get(inviteeUri)!;
    const oldEvent = this.events.get(old.event!)!;
    const fresh = this.createBooking({
      eventName: oldEvent.name ?? 'Meeting', name: old.name!, email: old.email!, start, end,
      ...(oldEvent.location?.location ? { location: oldEvent.location.location } : {}),
      ...(old.timezone ? { timezone: old.timezone } : {}), ...(old.questions_and_answers ? { questions: old.questions_and_answers } : {}),
    }, old.uri);
    Object.assign(old, { status: 'canceled', rescheduled: true, new_invitee: fresh.uri, updated_at: this.iso() });
    oldEvent.status = 'canceled';
    if (order === 'canceled-first') { await this.fire('invitee.canceled', old); await this.fire('invitee.created', fresh); }
    else { await this.fire('invitee.created', fresh); await this.fire('invitee.canceled', old); }
    return fresh;
  }

  /** The body Calendly would deliver for `event` about `invitee`. */
  deliveryBody(event: string, invitee: CalendlyInvitee): string {
    return JSON.stringify({ event, created_at: this.iso(), created_by: this.user, payload: { ...invitee, scheduled_event: this.events.get(invitee.event!) } });
  }

  /** Signs `body` for every live subscription (or with `signWith`) and posts it; statuses returned. A 410 answer deletes that subscription, as Calendly does. */
  async post(body: string, options: { signWith?: string; t?: number } = {}): Promise<number[]> {
    const out: number[] = [];
    for (const s of this.liveSubscriptions()) {
      const t = options.t ?? Math.floor(this.clock() / 1000);
      const res = await postWebhook(s.callback_url, body, { 'content-type': 'application/json', 'calendly-webhook-signature': signCalendly(options.signWith ?? s.signing_key, body, t) });
      out.push(res.status);
      // Calendly: "410 Gone deletes the subscription immediately" (no retry).
      if (res.status === 410) this.subscriptions.delete(s.uri);
    }
    return out;
  }

  private async fire(event: string, invitee: CalendlyInvitee): Promise<void> {
    for (const status of await this.post(this.deliveryBody(event, invitee))) this.deliveries.push({ event, status });
  }

  private iso(): string { return new Date(this.clock()).toISOString().replace('Z', '000Z'); }

  private createBooking(b: Booking, oldInvitee: string | null): CalendlyInvitee {
    const eventUri = `${API}/scheduled_events/${randomUUID()}`;
    const now = this.iso();
    const micro = (iso: string) => new Date(iso).toISOString().replace('Z', '000Z');
    this.events.set(eventUri, {
      uri: eventUri, name: b.eventName ?? 'Consultation', status: 'active', start_time: micro(b.start), end_time: micro(b.end),
      event_type: `${API}/event_types/${randomUUID()}`, location: b.location ? { type: 'physical', location: b.location } : { type: 'google_conference', join_url: 'https://meet.example/abc' },
      created_at: now, updated_at: now,
    });
    const invitee: CalendlyInvitee = {
      uri: `${eventUri}/invitees/${randomUUID()}`, email: b.email, name: b.name, status: 'active', timezone: b.timezone ?? 'UTC', event: eventUri,
      questions_and_answers: b.questions?.map((q, position) => ({ ...q, position })) ?? [], rescheduled: false, old_invitee: oldInvitee, new_invitee: null,
      created_at: now, updated_at: now,
    };
    this.invitees.set(invitee.uri, invitee);
    return invitee;
  }

  private handle(req: SandboxRequest): SandboxResponse {
    if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, 'Unauthenticated', 'The access token is invalid');
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return json(429, { title: 'Too Many Requests', message: 'You have exceeded the rate limit' }, this.rateLimitHeaders());
    }
    const m = (re: RegExp) => re.exec(req.path);
    let hit: RegExpExecArray | null;
    if (req.method === 'GET' && req.path === '/users/me') {
      return json(200, { resource: { uri: this.user, name: 'Alex Lens', email: 'alex@lens.example', timezone: 'Europe/London', current_organization: this.organization } });
    }
    if (req.method === 'GET' && req.path === '/scheduled_events') return this.listEvents(req);
    if (req.method === 'GET' && (hit = m(/^\/scheduled_events\/([\w-]+)$/))) {
      const e = this.events.get(`${API}/scheduled_events/${hit[1]}`);
      return e ? json(200, { resource: e }) : error(404, 'Resource Not Found', 'The server could not find the requested resource.');
    }
    if (req.method === 'GET' && (hit = m(/^\/scheduled_events\/([\w-]+)\/invitees$/))) {
      const uri = `${API}/scheduled_events/${hit[1]}`;
      if (!this.events.has(uri)) return error(404, 'Resource Not Found', 'The server could not find the requested resource.');
      return this.page(req, [...this.invitees.values()].filter((i) => i.event === uri), req.path);
    }
    if (req.path === '/webhook_subscriptions' && req.method === 'POST') return this.subscribe(req);
    if (req.path === '/webhook_subscriptions' && req.method === 'GET') {
      const org = req.query.get('organization');
      if (!org || !req.query.get('scope')) return error(400, 'Invalid Argument', 'The supplied parameters are invalid.', [{ parameter: 'organization', message: 'is required' }]);
      return this.page(req, this.liveSubscriptions().filter((s) => s.organization === org).map(publicSub), req.path);
    }
    if ((hit = m(/^\/webhook_subscriptions\/([\w-]+)$/))) {
      const s = this.subscriptions.get(`${API}/webhook_subscriptions/${hit[1]}`);
      if (!s) return error(404, 'Resource Not Found', 'The server could not find the requested resource.');
      if (s.gone) return error(410, 'Gone', 'The webhook subscription no longer exists.');
      if (req.method === 'GET') return json(200, { resource: publicSub(s) });
      if (req.method === 'DELETE') { this.subscriptions.delete(s.uri); return { status: 204 }; }
    }
    return error(404, 'Resource Not Found', 'The server could not find the requested resource.');
  }

  /** Calendly answers 429 with its limit headers (the reset in seconds). */
  rateLimitHeaders(): Record<string, string> {
    return { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(this.resetSeconds) };
  }

  private listEvents(req: SandboxRequest): SandboxResponse {
    const q = req.query;
    const user = q.get('user');
    const org = q.get('organization');
    if (!user && !org) return error(400, 'Invalid Argument', 'The supplied parameters are invalid.', [{ parameter: 'user', message: 'one of user or organization must be provided' }]);
    if ((user && user !== this.user) || (org && org !== this.organization)) return error(403, 'Permission Denied', 'You do not have permission');
    const min = q.get('min_start_time');
    const max = q.get('max_start_time');
    const status = q.get('status');
    let list = [...this.events.values()]
      .filter((e) => !min || Date.parse(e.end_time) > Date.parse(min))
      .filter((e) => !max || Date.parse(e.start_time) < Date.parse(max))
      .filter((e) => !status || e.status === status);
    list = list.sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
    if (q.get('sort') === 'start_time:desc') list.reverse();
    return this.page(req, list, req.path);
  }

  private page<T>(req: SandboxRequest, all: T[], path: string): SandboxResponse {
    const count = Math.min(100, Math.max(1, Number(req.query.get('count') ?? 20) || 20));
    const offset = Number(Buffer.from(req.query.get('page_token') ?? '', 'base64url').toString() || 0);
    const slice = all.slice(offset, offset + count);
    const more = offset + count < all.length;
    const token = more ? Buffer.from(String(offset + count)).toString('base64url') : null;
    const nextQuery = new URLSearchParams(req.query);
    if (token) nextQuery.set('page_token', token);
    return json(200, { collection: slice, pagination: { count: slice.length, next_page: token ? `${API}${path}?${nextQuery}` : null, next_page_token: token, previous_page: null, previous_page_token: null } });
  }

  private subscribe(req: SandboxRequest): SandboxResponse {
    let b: Partial<{ url: string; events: string[]; organization: string; user: string; scope: string; signing_key: string }>;
    try { b = JSON.parse(req.rawBody); } catch { return error(400, 'Invalid Argument', 'The body is not JSON'); }
    const details: { parameter: string; message: string }[] = [];
    if (!b.url || !/^https?:\/\//.test(b.url)) details.push({ parameter: 'url', message: 'must be a valid URL' });
    if (!Array.isArray(b.events) || !b.events.length || b.events.some((e) => !['invitee.created', 'invitee.canceled', 'invitee_no_show.created', 'routing_form_submission.created'].includes(e))) details.push({ parameter: 'events', message: 'must be known events' });
    if (b.organization !== this.organization) details.push({ parameter: 'organization', message: 'must be the token\'s organization' });
    if (b.scope !== 'user' && b.scope !== 'organization') details.push({ parameter: 'scope', message: 'must be user or organization' });
    if (b.scope === 'user' && b.user !== this.user) details.push({ parameter: 'user', message: 'is required for user scope' });
    if (details.length) return error(400, 'Invalid Argument', 'The supplied parameters are invalid.', details);
    if (this.liveSubscriptions().some((s) => s.callback_url === b.url)) return error(409, 'Already Exists', 'Hook with this url already exists');
    const uri = `${API}/webhook_subscriptions/${randomUUID()}`;
    const s: Subscription = { uri, callback_url: b.url!, state: 'active', events: b.events!, scope: b.scope as 'user', organization: b.organization!, user: b.user ?? null, signing_key: b.signing_key ?? randomUUID() };
    this.subscriptions.set(uri, s);
    return json(201, { resource: publicSub(s) });
  }
}

function publicSub(s: Subscription): CalendlyWebhookSubscription & Record<string, unknown> {
  return { uri: s.uri, callback_url: s.callback_url, state: s.state ?? 'active', events: s.events, scope: s.scope, organization: s.organization, user: s.user, created_at: '2026-01-01T00:00:00.000000Z' };
}
