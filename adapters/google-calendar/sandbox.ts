import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { SandboxGate } from '../core/sandbox-gate.ts';
import { SandboxServer, json, takeFailure, type InjectedFailure, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';
import type { GoogleEvent } from './mappers.ts';
import { GoogleChannelsSandbox, type Channel, type Notification } from './sandbox-channels.ts';
import { GoogleIdentitySandbox, type GoogleIdentityState } from './sandbox-identity.ts';
import { listEvents } from './sandbox-listing.ts';
import { findEvent, singleEventsOf } from './sandbox-recurrence.ts';
import { googleErrorBody, mergePatch, parseJson, validate, type Calendar, type Stored } from './sandbox-wire.ts';

/**
 * A local Google Calendar API v3 (what tests and the demo point the googleapis client at): the
 * real paths and JSON shapes, etags and `If-Match` (412 `conditionNotMet`), sync tokens and page
 * tokens (410 `fullSyncRequired` once expired), `events.watch` channels that POST the real push
 * notification headers (a `sync` message first), `channels.stop`, the OAuth 2.0 endpoints
 * (`/o/oauth2/v2/auth` consent page and `/token` with the authorization-code + PKCE, refresh-token
 * and JWT-bearer grants; adapters/core/sandbox-oauth.ts), and injectable 429 / 403
 * `rateLimitExceeded` / 5xx. Its parts: sandbox-listing.ts (`events.list`), sandbox-channels.ts
 * (push), sandbox-identity.ts (OAuth), sandbox-recurrence.ts (series), sandbox-wire.ts (rules).
 */

/** GoogleCalendarSandbox.snapshot(): JSON. */
export interface GoogleSandboxState {
  calendars: Array<{ id: string; summary: string; timeZone: string; events: Stored[] }>;
  accessTokens: Array<[string, number]>;
  channels: Channel[];
  seq: number;
  epoch: number;
  primary: string;
  identity: GoogleIdentityState;
}

const B32HEX = '0123456789abcdefghijklmnopqrstuv';
const randomId = (n = 26) => Array.from(crypto.randomBytes(n), (b) => B32HEX[b & 31]).join('');

export class GoogleCalendarSandbox extends EventEmitter {
  private readonly http = new SandboxServer((req) => this.route(req));
  private readonly calendars = new Map<string, Calendar>();
  private readonly accessTokens = new Map<string, number>();
  /** The OAuth 2.0 endpoints: consent page, code exchange with PKCE, refresh and JWT-bearer grants. */
  readonly identity = new GoogleIdentitySandbox(() => this.now(), () => this.tokenUrl, () => this.primary, (ttl) => this.issueAccessToken(ttl));
  /** Push channels and the notifications sent on them. */
  private readonly channels = new GoogleChannelsSandbox(() => this.now(), () => this.url);
  private readonly failures: InjectedFailure[] = [];
  private seq = 0;
  /** Sync tokens of an earlier epoch are refused with 410. */
  private epoch = 0;
  private primary = 'primary@example.com';
  /** How far ahead of now a series is expanded when a listing gives no timeMax. */
  static SERIES_YEARS = 2;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get url(): string { return `${this.http.url}/`; }
  get tokenUrl(): string { return `${this.http.url}/token`; }
  /** The authorization endpoint (Google's `https://accounts.google.com/o/oauth2/v2/auth`). */
  get authorizationUrl(): string { return `${this.http.url}/o/oauth2/v2/auth`; }
  get requests() { return this.http.log; }

  /**
   * Event listings are answered only at `releaseListings()` (their content is read when they
   * arrive): a pull in flight while the calendar changes.
   */
  holdListings(): void { this.listingGate.hold(); }

  releaseListings(): void { this.listingGate.release(); }

  /** Listings held by `holdListings` not answered yet. */
  get heldListings(): number { return this.listingGate.count; }

  /**
   * Event writes (PATCH, PUT) wait, unanswered and not yet applied, until `releaseWrites()`; each is
   * then applied against the calendar as it is at that moment (its If-Match included): a push in
   * flight while the calendar changes.
   */
  holdWrites(): void { this.writeGate.hold(); }

  releaseWrites(): void { this.writeGate.release(); }

  /** Writes held by `holdWrites` not answered yet. */
  get heldWrites(): number { return this.writeGate.count; }

  /** Listens on `port` when it is free (see SandboxServer.start). */
  async start(port = 0): Promise<this> {
    await this.http.start(port);
    this.addCalendar({ id: this.primary, summary: 'Primary', timeZone: 'Europe/London' });
    return this;
  }

  stop(): Promise<void> { return this.http.stop(); }

  // ── saved state (the demo resumes its calendar across restarts: server/demo/demo-state.ts) ──
  /** The account's state as JSON: calendars with their events, tokens, channels, counters. Not the request log. */
  snapshot(): GoogleSandboxState {
    return {
      calendars: [...this.calendars.values()].map((c) => ({ id: c.id, summary: c.summary, timeZone: c.timeZone, events: [...c.events.values()] })),
      accessTokens: [...this.accessTokens], channels: this.channels.snapshot(), seq: this.seq, epoch: this.epoch, primary: this.primary,
      identity: this.identity.snapshot(),
    };
  }

  /** Replaces the account's state with a snapshot's (call after `start`). */
  restore(state: GoogleSandboxState): void {
    this.calendars.clear();
    for (const c of state.calendars) this.calendars.set(c.id, { id: c.id, summary: c.summary, timeZone: c.timeZone, events: new Map(c.events.map((e) => [e.event.id!, e])) });
    this.accessTokens.clear();
    for (const [t, until] of state.accessTokens) this.accessTokens.set(t, until);
    this.channels.restore(state.channels);
    this.seq = state.seq;
    this.epoch = state.epoch;
    this.primary = state.primary;
    this.identity.restore(state.identity);
  }

  // ── set-up, as the account owner would have it ──────────────────────────────────────────────
  addCalendar(c: { id: string; summary?: string; timeZone?: string }): string {
    this.calendars.set(c.id, { id: c.id, summary: c.summary ?? c.id, timeZone: c.timeZone ?? 'UTC', events: new Map() });
    return c.id;
  }

  /** An access token the API accepts until `ttlMs` from now. */
  issueAccessToken(ttlMs = 3_600_000): string {
    const t = `ya29.${crypto.randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(t, this.now() + ttlMs);
    return t;
  }

  issueRefreshToken(clientId: string, clientSecret: string): string { return this.identity.issueRefreshToken(clientId, clientSecret); }
  /** An OAuth client ("Web application") that may use the authorization-code flow; no redirect URIs: any. */
  registerOAuthClient(clientId: string, clientSecret: string, redirectUris: string[] = []): void { this.identity.registerOAuthClient(clientId, clientSecret, redirectUris); }
  /**
   * The person removes the app's access (myaccount.google.com → Security): the refresh token answers
   * `invalid_grant`, and the access tokens of the grant stop working (the sandbox serves one person:
   * all of them).
   */
  revokeRefreshToken(token: string): boolean {
    const revoked = this.identity.revokeRefreshToken(token);
    if (revoked) this.accessTokens.clear();
    return revoked;
  }
  /** A service account key, as Google's console hands it out. */
  createServiceAccount(email?: string): { client_email: string; private_key: string } { return this.identity.createServiceAccount(email); }
  get oauth() { return this.identity.oauth; }

  // ── inspection and failure injection ───────────────────────────────────────────────────────
  events(calendarId = this.primary, includeCancelled = false): GoogleEvent[] {
    return [...this.cal(calendarId).events.values()].map((s) => s.event).filter((e) => includeCancelled || e.status !== 'cancelled');
  }

  event(calendarId: string, id: string): GoogleEvent | undefined {
    return this.cal(calendarId).events.get(id)?.event;
  }

  /** Requests that wrote (insert, patch, update, delete) to a calendar's events. */
  writes(calendarId = this.primary) {
    const prefix = `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`;
    return this.requests.filter((r) => r.path.startsWith(prefix) && ['POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method) && !r.path.includes('/watch'));
  }

  failNext(f: InjectedFailure): void { this.failures.push(f); }

  /** Every sync token issued so far now answers 410 Gone (Google expires tokens after a while). */
  expireSyncTokens(): void { this.epoch++; }

  liveChannels(calendarId = this.primary): Channel[] {
    return this.channels.live(calendarId);
  }

  /** Push notifications sent so far, with the subscriber's answers. */
  get notifications(): Notification[] { return this.channels.notifications; }

  /** Holds notifications back (the subscriber is unreachable); `resume` sends one per affected channel. */
  pauseNotifications(): void { this.channels.pause(); }
  resumeNotifications(): void { this.channels.resume(); }

  // ── what a person does in the Google Calendar app ───────────────────────────────────────────
  userInsert(calendarId: string, event: GoogleEvent): GoogleEvent {
    return this.store(calendarId, { ...event, id: event.id ?? randomId() }, true);
  }

  /**
   * Edits an event, or one instance of a recurring event by its instance id (stored as an exception).
   * `notify: false` loses the push notification for good (Google does not promise delivery): a
   * subscriber hears of the edit only by reading the calendar again.
   */
  userPatch(calendarId: string, id: string, patch: GoogleEvent, options: { notify?: boolean } = {}): GoogleEvent {
    const cur = this.lookup(this.cal(calendarId), id);
    if (!cur) throw new Error(`no event ${id}`);
    return this.store(calendarId, mergePatch(cur, patch), false, options.notify ?? true);
  }

  /** Deletes an event, or cancels one instance of a recurring event. */
  userDelete(calendarId: string, id: string): void {
    const cur = this.lookup(this.cal(calendarId), id);
    if (!cur) throw new Error(`no event ${id}`);
    this.store(calendarId, { ...cur, status: 'cancelled' }, false);
  }

  /**
   * Google keeps cancelled events only for a while: once purged, a full list (showDeleted or not)
   * no longer returns them, so a client whose sync token also expired never hears of the deletion.
   */
  forgetDeleted(calendarId: string): void {
    const events = this.cal(calendarId).events;
    for (const [id, stored] of events) if (stored.event.status === 'cancelled') events.delete(id);
  }

  // ── the API ─────────────────────────────────────────────────────────────────────────────────
  private cal(id: string): Calendar {
    const c = this.calendars.get(id === 'primary' ? this.primary : id);
    if (!c) throw new Error(`no calendar ${id}`);
    return c;
  }

  private lookup(cal: Calendar, id: string): GoogleEvent | undefined {
    return findEvent(cal.events, cal.timeZone, id);
  }

  private singleEvents(cal: Calendar, timeMax: number | null): Stored[] {
    return singleEventsOf(cal.events, cal.timeZone, timeMax ?? this.now() + GoogleCalendarSandbox.SERIES_YEARS * 365 * 86_400_000);
  }

  private store(calendarId: string, event: GoogleEvent, created: boolean, notify = true): GoogleEvent {
    const cal = this.cal(calendarId);
    const prev = cal.events.get(event.id!)?.event;
    const seq = ++this.seq;
    const nowIso = new Date(this.now()).toISOString();
    const timesChanged = prev && (JSON.stringify(prev.start) !== JSON.stringify(event.start) || JSON.stringify(prev.end) !== JSON.stringify(event.end));
    const stored: GoogleEvent = {
      kind: 'calendar#event',
      ...event,
      etag: `"${3_000_000_000_000_000 + seq * 1000}"`,
      status: event.status ?? 'confirmed',
      htmlLink: `https://calendar.google.com/calendar/event?eid=${event.id}`,
      created: prev?.created ?? nowIso,
      updated: nowIso,
      iCalUID: prev?.iCalUID ?? event.iCalUID ?? `${event.id}@google.com`,
      sequence: (prev?.sequence ?? 0) + (timesChanged ? 1 : 0),
      creator: prev?.creator ?? { email: cal.id, self: true },
      organizer: prev?.organizer ?? { email: cal.id, displayName: cal.summary, self: true },
      reminders: event.reminders ?? { useDefault: true },
      eventType: 'default',
    };
    cal.events.set(event.id!, { event: stored, seq });
    this.emit('change', { calendarId: cal.id, event: stored, created });
    if (notify) this.channels.changed(cal.id);
    return stored;
  }

  private readonly listingGate = new SandboxGate();
  private readonly writeGate = new SandboxGate();

  private async route(req: SandboxRequest): Promise<SandboxResponse> {
    if ((req.method === 'PATCH' || req.method === 'PUT') && /\/events\/[^/]+$/.test(req.url.pathname)) await this.writeGate.pass();
    const reply = await this.answer(req);
    if (req.method === 'GET' && /\/events$/.test(req.url.pathname)) await this.listingGate.pass();
    return reply;
  }

  private async answer(req: SandboxRequest): Promise<SandboxResponse> {
    const path = req.url.pathname;
    if (req.method === 'POST' && path === '/token') return this.identity.token(req);
    if (path === '/o/oauth2/v2/auth' && (req.method === 'GET' || req.method === 'POST')) return this.identity.oauth.authorize(req, null);
    const failure = takeFailure(this.failures, req.method, path);
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
      if (failure.status === 403) return json(403, googleErrorBody(403, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits'), headers);
      if (failure.status === 429) return json(429, googleErrorBody(429, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits'), headers);
      return json(failure.status, googleErrorBody(failure.status, 'backendError', 'Backend Error'), headers);
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const expires = auth ? this.accessTokens.get(auth[1]!) : undefined;
    if (expires === undefined || expires <= this.now()) {
      return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.', errors: [{ domain: 'global', reason: 'authError', message: 'Invalid Credentials', location: 'Authorization', locationType: 'header' }], status: 'UNAUTHENTICATED' } });
    }
    if (req.method === 'POST' && path === '/calendar/v3/channels/stop') return this.channels.stop(req);
    const m = /^\/calendar\/v3\/calendars\/([^/]+)(\/events(?:\/([^/]+))?)?$/.exec(path);
    if (!m) return json(404, googleErrorBody(404, 'notFound', 'Not Found'));
    const calendarId = decodeURIComponent(m[1]!);
    if (!this.calendars.has(calendarId === 'primary' ? this.primary : calendarId)) return json(404, googleErrorBody(404, 'notFound', 'Not Found'));
    const cal = this.cal(calendarId);
    if (!m[2]) {
      if (req.method !== 'GET') return json(405, googleErrorBody(405, 'methodNotAllowed', 'Method Not Allowed'));
      return json(200, { kind: 'calendar#calendar', etag: `"${this.seq}"`, id: cal.id, summary: cal.summary, timeZone: cal.timeZone });
    }
    const eventId = m[3] ? decodeURIComponent(m[3]) : null;
    if (eventId === 'watch' && req.method === 'POST') return this.channels.watch(cal.id, req);
    if (!eventId) {
      if (req.method === 'GET') return listEvents(cal, req.url.searchParams, { seq: this.seq, epoch: this.epoch, now: this.now(), singleEvents: (c, timeMax) => this.singleEvents(c, timeMax) });
      if (req.method === 'POST') return this.insert(cal, req);
      return json(405, googleErrorBody(405, 'methodNotAllowed', 'Method Not Allowed'));
    }
    const found = this.lookup(cal, eventId);
    if (!found) return json(404, googleErrorBody(404, 'notFound', 'Not Found'));
    const stored = { event: found };
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== stored.event.etag && req.method !== 'GET') return json(412, googleErrorBody(412, 'conditionNotMet', 'Precondition Failed'));
    switch (req.method) {
      case 'GET':
        return json(200, stored.event);
      case 'DELETE':
        if (stored.event.status === 'cancelled') return json(410, googleErrorBody(410, 'deleted', 'Resource has been deleted'));
        this.store(cal.id, { ...stored.event, status: 'cancelled' }, false);
        return { status: 204 };
      case 'PATCH':
      case 'PUT': {
        const body = parseJson(req.body);
        if (!body) return json(400, googleErrorBody(400, 'parseError', 'Parse Error'));
        if (stored.event.status === 'cancelled' && body.status !== 'confirmed') return json(410, googleErrorBody(410, 'deleted', 'Resource has been deleted'));
        const next = req.method === 'PATCH' ? mergePatch(stored.event, body) : { ...body, id: eventId };
        const invalid = validate(next);
        if (invalid) return json(400, googleErrorBody(400, invalid.reason, invalid.message));
        return json(200, this.store(cal.id, next, false));
      }
      default:
        return json(405, googleErrorBody(405, 'methodNotAllowed', 'Method Not Allowed'));
    }
  }

  private insert(cal: Calendar, req: SandboxRequest): SandboxResponse {
    const body = parseJson(req.body);
    if (!body) return json(400, googleErrorBody(400, 'parseError', 'Parse Error'));
    const id = body.id ?? randomId();
    if (!/^[a-v0-9]{5,1024}$/.test(id)) return json(400, googleErrorBody(400, 'invalid', 'Invalid resource id value.'));
    if (cal.events.has(id)) return json(409, googleErrorBody(409, 'duplicate', 'The requested identifier already exists.'));
    const invalid = validate(body);
    if (invalid) return json(400, googleErrorBody(400, invalid.reason, invalid.message));
    return json(200, this.store(cal.id, { ...body, id }, true));
  }
}
