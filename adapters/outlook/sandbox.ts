import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isKnownTimeZone } from '../core/calendar-time.ts';
import { sandboxInstant, sandboxWallMs } from '../core/sandbox-zones.ts';
import { SandboxServer, json, takeFailure, type InjectedFailure, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';
import { GRAPH_IANA_ZONES, type GraphEvent } from './mappers.ts';
import { MicrosoftIdentitySandbox } from './sandbox-identity.ts';
import { findOccurrence, occurrenceId, viewEntries, wallMsOf, wallText, type GraphSeriesEvent } from './sandbox-recurrence.ts';
import { graphError, parseGraphBody } from './sandbox-graph.ts';
import { GraphSubscriptions, MAX_SUBSCRIPTION_MINUTES, type GraphSubscription } from './sandbox-subscriptions.ts';

/**
 * A local Microsoft Graph (v1.0) for calendars: mailboxes (`/me`, `/users/{id}`), events with
 * change keys and `If-Match` (412 ErrorIrresolvableConflict), `transactionId` de-duplication,
 * `calendarView/delta` with `@odata.nextLink`/`@odata.deltaLink` and `@removed` (410 once a delta
 * token is expired), `Prefer: odata.maxpagesize / outlook.timezone / outlook.body-content-type`,
 * subscriptions with the validationToken handshake on create, change and lifecycle notifications,
 * renewal and reauthorize, the identity platform's `/{tenant}/oauth2/v2.0/authorize` (consent page)
 * and `/token` (authorization code + PKCE, refresh token, client credentials; tenants `common`,
 * `organizations` and `consumers` admit any app), and injectable 429 + Retry-After.
 */

interface Stored { event: GraphEvent; seq: number; deleted: boolean; calendarId: string; startMs: number; endMs: number }
interface Calendar { id: string; name: string }
interface Mailbox { id: string; mail: string; defaultCalendar: string; calendars: Map<string, Calendar>; events: Map<string, Stored> }

/** Windows zone names the sandbox understands (a few common ones; Graph accepts them all). */
const WINDOWS_ZONES: Record<string, string> = {
  'GMT Standard Time': 'Europe/London', 'Eastern Standard Time': 'America/New_York', 'Pacific Standard Time': 'America/Los_Angeles',
  'Central Standard Time': 'America/Chicago', 'W. Europe Standard Time': 'Europe/Berlin', 'Romance Standard Time': 'Europe/Paris',
};

const ianaOf = (zone: string): string | null => (zone === 'UTC' ? 'UTC' : WINDOWS_ZONES[zone] ?? (GRAPH_IANA_ZONES.has(zone) && isKnownTimeZone(zone) ? zone : null));
const graphId = () => `AAMkAG${crypto.randomBytes(30).toString('base64url')}`;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unb64 = <T>(s: string): T | null => { try { return JSON.parse(Buffer.from(s, 'base64url').toString()) as T; } catch { return null; } };

export class GraphSandbox extends EventEmitter {
  private readonly http = new SandboxServer((req) => this.route(req));
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly tokens = new Map<string, { userId: string | null; expiresAt: number }>();
  /** The identity platform: app registrations, consent page, token endpoint. */
  readonly identity = new MicrosoftIdentitySandbox(() => this.now(), () => [...this.mailboxes.keys()][0], (userId) => this.issueAccessToken(userId));
  /** Change and lifecycle notifications (`/subscriptions`). */
  private readonly subs = new GraphSubscriptions(() => this.now(), () => this.url, { mailbox: (userId) => this.box(userId) });
  private readonly failures: InjectedFailure[] = [];
  private seq = 0;
  private epoch = 0;
  /** Longest subscription for Outlook resources, minutes (Graph: 10080). */
  static readonly MAX_SUBSCRIPTION_MINUTES = MAX_SUBSCRIPTION_MINUTES;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get url(): string { return `${this.http.url}/v1.0`; }
  /** The authority (what `authorityUrl` points at). */
  get authorityUrl(): string { return this.http.url; }
  get requests() { return this.http.log; }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> { return this.http.stop(); }

  // ── set-up ──────────────────────────────────────────────────────────────────────────────────
  addMailbox(mail: string): string {
    const id = crypto.randomUUID();
    const cal = { id: graphId(), name: 'Calendar' };
    this.mailboxes.set(id, { id, mail, defaultCalendar: cal.id, calendars: new Map([[cal.id, cal]]), events: new Map() });
    return id;
  }

  /** The id of the mailbox's default calendar (what GET /me/calendar answers with). */
  defaultCalendarOf(userId: string): string { return this.box(userId).defaultCalendar; }

  addCalendar(userId: string, name: string): string {
    const id = graphId();
    this.box(userId).calendars.set(id, { id, name });
    return id;
  }

  issueAccessToken(userId: string | null, ttlMs = 3_600_000): string {
    const t = `eyJ0eXAiOiJKV1Qi.${crypto.randomBytes(32).toString('base64url')}`;
    this.tokens.set(t, { userId, expiresAt: this.now() + ttlMs });
    return t;
  }

  /** An app registration; `redirectUris` (none: any) are the Web platform's redirect URIs. */
  registerApp(tenantId: string, redirectUris: string[] = []): { clientId: string; clientSecret: string; tenantId: string } { return this.identity.registerApp(tenantId, redirectUris); }
  issueRefreshToken(clientId: string, userId: string): string { return this.identity.issueRefreshToken(clientId, userId); }
  /** Whose mailbox the next consent is for (the person signed in at the consent page). */
  consentAs(userId: string): void { this.identity.consentUser = userId; }
  /** The person revokes the app's consent (myapps.microsoft.com): the refresh token answers `invalid_grant`. */
  revokeRefreshToken(token: string): boolean { return this.identity.revokeRefreshToken(token); }
  /** See MicrosoftIdentitySandbox.revokeRotatedRefreshTokens. */
  set revokeRotatedRefreshTokens(on: boolean) { this.identity.revokeRotatedRefreshTokens = on; }

  /** The authorization endpoint for a tenant (`common` by default). */
  authorizeUrl(tenant = 'common'): string { return `${this.http.url}/${tenant}/oauth2/v2.0/authorize`; }
  tokenUrl(tenant = 'common'): string { return `${this.http.url}/${tenant}/oauth2/v2.0/token`; }

  // ── inspection and failure injection ───────────────────────────────────────────────────────
  events(userId: string, calendarId?: string): GraphEvent[] {
    const box = this.box(userId);
    return [...box.events.values()].filter((s) => !s.deleted && s.calendarId === (calendarId ?? box.defaultCalendar)).map((s) => s.event);
  }

  /** Requests that wrote events (create, patch, delete). */
  writes() {
    return this.requests.filter((r) => /\/events/.test(r.path) && ['POST', 'PATCH', 'DELETE'].includes(r.method));
  }

  failNext(f: InjectedFailure): void { this.failures.push(f); }
  /** Delta tokens issued so far answer 410 (Graph drops sync state after a while). */
  expireDeltaTokens(): void { this.epoch++; }
  subscriptions(): GraphSubscription[] { return this.subs.live(); }
  /** Notifications sent so far, with the subscriber's answers. */
  get notifications() { return this.subs.notifications; }
  pauseNotifications(): void { this.subs.pause(); }
  resumeNotifications(): void { this.subs.resume(); }
  /** Sends a lifecycle notification; `subscriptionRemoved` also removes the subscription. */
  lifecycle(subscriptionId: string, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): Promise<number> { return this.subs.lifecycle(subscriptionId, lifecycleEvent); }

  // ── what a person does in Outlook ───────────────────────────────────────────────────────────
  userCreate(userId: string, event: GraphEvent, calendarId?: string): GraphEvent {
    const box = this.box(userId);
    return this.store(box, { ...event, id: graphId() }, calendarId ?? box.defaultCalendar, 'created');
  }

  /** Deletes the occurrence of a series on `date` (YYYY-MM-DD in the series' zone), as Outlook does for "delete this occurrence". */
  userDeleteOccurrence(userId: string, masterId: string, date: string): void {
    const box = this.box(userId);
    const occ = this.occurrence(box, occurrenceId(masterId, date));
    if (!occ) throw new Error(`no occurrence of ${masterId} on ${date}`);
    this.cancelOccurrence(box, occ.master, occ.event.id!);
  }

  /** Changes the occurrence of a series on `date`: it becomes an exception. */
  userUpdateOccurrence(userId: string, masterId: string, date: string, patch: GraphEvent): GraphEvent {
    const box = this.box(userId);
    const occ = this.occurrence(box, occurrenceId(masterId, date));
    if (!occ) throw new Error(`no occurrence of ${masterId} on ${date}`);
    return this.store(box, { ...occ.event, ...patch, id: occ.event.id, type: 'exception', seriesMasterId: masterId }, occ.master.calendarId, 'updated');
  }

  userUpdate(userId: string, id: string, patch: GraphEvent): GraphEvent {
    const box = this.box(userId);
    const s = box.events.get(id);
    if (!s || s.deleted) throw new Error(`no event ${id}`);
    return this.store(box, { ...s.event, ...patch }, s.calendarId, 'updated');
  }

  userDelete(userId: string, id: string): void {
    const box = this.box(userId);
    const s = box.events.get(id);
    if (!s || s.deleted) throw new Error(`no event ${id}`);
    this.remove(box, s);
  }

  // ── the API ─────────────────────────────────────────────────────────────────────────────────
  private box(userId: string): Mailbox {
    const b = this.mailboxes.get(userId) ?? [...this.mailboxes.values()].find((m) => m.mail === userId);
    if (!b) throw new Error(`no mailbox ${userId}`);
    return b;
  }

  private store(box: Mailbox, event: GraphEvent, calendarId: string, changeType: 'created' | 'updated'): GraphEvent {
    const prev = box.events.get(event.id!)?.event;
    const changeKey = crypto.randomBytes(12).toString('base64');
    const nowIso = new Date(this.now()).toISOString();
    const stored: GraphEvent = {
      ...event,
      changeKey,
      '@odata.etag': `W/"${changeKey}"`,
      createdDateTime: prev?.createdDateTime ?? nowIso,
      lastModifiedDateTime: nowIso,
      iCalUId: prev?.iCalUId ?? `040000008200E00074C5B7101A82E008${crypto.randomBytes(16).toString('hex').toUpperCase()}`,
      type: event.type === 'exception' ? 'exception' : (event as GraphSeriesEvent).recurrence ? 'seriesMaster' : 'singleInstance',
      isCancelled: false,
      isAllDay: event.isAllDay ?? false,
      showAs: event.showAs ?? 'busy',
      categories: event.categories ?? [],
      attendees: (event.attendees ?? []).map((a) => ({ ...a, type: a.type ?? 'required', status: a.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' } })),
      originalStartTimeZone: event.start?.timeZone ?? 'UTC',
      originalEndTimeZone: event.end?.timeZone ?? 'UTC',
      transactionId: event.transactionId ?? null,
    };
    box.events.set(stored.id!, { event: stored, seq: ++this.seq, deleted: false, calendarId, startMs: this.instant(stored.start), endMs: this.instant(stored.end) });
    this.emit('change', { userId: box.id, event: stored, changeType });
    this.subs.notify(box.id, calendarId, stored, changeType);
    return stored;
  }

  private remove(box: Mailbox, s: Stored): void {
    s.deleted = true;
    s.seq = ++this.seq;
    this.emit('change', { userId: box.id, event: s.event, changeType: 'deleted' });
    this.subs.notify(box.id, s.calendarId, s.event, 'deleted');
  }

  /** Start/end in the zone the caller prefers (UTC unless `Prefer: outlook.timezone`), bodies as text or HTML. */
  private present(e: GraphEvent, prefer: string): GraphEvent {
    const zone = ianaOf(/outlook\.timezone="([^"]+)"/.exec(prefer)?.[1] ?? 'UTC') ?? 'UTC';
    const asText = /outlook\.body-content-type="?text"?/.test(prefer);
    const conv = (t: GraphEvent['start']) => {
      if (!t) return t;
      const wall = wallMsOf(t.dateTime);
      const from = ianaOf(t.timeZone) ?? 'UTC';
      if (Number.isNaN(wall) || e.isAllDay) return { dateTime: `${t.dateTime.slice(0, 19)}.0000000`, timeZone: zone };
      return { dateTime: wallText(sandboxWallMs(sandboxInstant(wall, from), zone)), timeZone: zone };
    };
    const content = e.body?.content ?? '';
    const body = asText || e.body?.contentType === 'html' ? e.body ?? { contentType: 'text' as const, content: '' } : { contentType: 'html' as const, content: `<html><body>${content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</body></html>` };
    return { ...e, start: conv(e.start), end: conv(e.end), body };
  }

  private instant(t: GraphEvent['start']): number {
    const wall = wallMsOf(t?.dateTime);
    return Number.isNaN(wall) ? NaN : sandboxInstant(wall, ianaOf(t!.timeZone) ?? 'UTC');
  }

  /** The zone a series is expanded in: range.recurrenceTimeZone, else the master's start zone. */
  private seriesZone(m: GraphSeriesEvent): string {
    return ianaOf(m.recurrence?.range.recurrenceTimeZone ?? m.start?.timeZone ?? 'UTC') ?? 'UTC';
  }

  private occurrence(box: Mailbox, id: string): { master: Stored; event: GraphEvent } | null {
    return findOccurrence(box.events, id, (m) => this.seriesZone(m));
  }

  private viewEntries(box: Mailbox, calendarId: string, start: number, end: number) {
    return viewEntries(box.events.values(), calendarId, start, end, (m) => this.seriesZone(m));
  }

  private async route(req: SandboxRequest): Promise<SandboxResponse> {
    const path = req.url.pathname;
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (tokenPath && req.method === 'POST') return this.identity.token(req, decodeURIComponent(tokenPath[1]!));
    const authorizePath = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(path);
    if (authorizePath && (req.method === 'GET' || req.method === 'POST')) return this.identity.oauth.authorize(req, decodeURIComponent(authorizePath[1]!));
    if (!path.startsWith('/v1.0/')) return graphError(404, 'UnknownError', 'no such API');
    const failure = takeFailure(this.failures, req.method, path);
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
      return failure.status === 429 ? graphError(429, 'TooManyRequests', 'Too many requests; please retry after the given time.', headers) : graphError(failure.status, 'ServiceUnavailable', 'The service is temporarily unavailable.', headers);
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const token = auth ? this.tokens.get(auth[1]!) : undefined;
    if (!token || token.expiresAt <= this.now()) return graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    const rest = path.slice('/v1.0'.length);
    if (rest.startsWith('/subscriptions')) return this.subs.api(req, rest, token.userId);
    const m = /^\/(?:me|users\/([^/]+))(\/.*)$/.exec(rest);
    if (!m) return graphError(400, 'BadRequest', `Resource not found for the segment '${rest}'.`);
    const userId = m[1] ? decodeURIComponent(m[1]) : token.userId;
    if (!userId) return graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    if (token.userId && token.userId !== userId && this.mailboxes.get(userId)?.mail !== userId) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    let box: Mailbox;
    try { box = this.box(userId); } catch { return graphError(404, 'ErrorInvalidUser', 'The requested user is invalid.'); }
    return this.mailboxApi(req, box, m[2]!);
  }

  private mailboxApi(req: SandboxRequest, box: Mailbox, rest: string): SandboxResponse {
    const prefer = req.headers.prefer ?? '';
    const cal = /^\/calendars\/([^/]+)(\/.*)?$/.exec(rest);
    let calendarId = box.defaultCalendar;
    let tail = rest;
    if (cal) {
      calendarId = decodeURIComponent(cal[1]!);
      if (!box.calendars.has(calendarId)) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      tail = cal[2] ?? '';
    } else if (rest === '/calendar' || rest.startsWith('/calendar/')) tail = rest.slice('/calendar'.length);
    if (tail === '' && req.method === 'GET') {
      const c = box.calendars.get(calendarId)!;
      return json(200, { id: c.id, name: c.name, canEdit: true, owner: { name: box.mail, address: box.mail } });
    }
    if (tail === '/calendarView/delta' && req.method === 'GET') return this.delta(req, box, calendarId, prefer);
    if (tail === '/calendarView' && req.method === 'GET') return this.view(req, box, calendarId, prefer);
    if (tail === '/events' && req.method === 'POST') return this.create(req, box, calendarId);
    const ev = /^\/events\/([^/]+)$/.exec(rest);
    if (!ev) return graphError(400, 'BadRequest', `Unsupported request ${req.method} ${rest}`);
    const s = box.events.get(decodeURIComponent(ev[1]!));
    if (!s) {
      const occ = this.occurrence(box, decodeURIComponent(ev[1]!));
      if (occ) return this.occurrenceApi(req, box, occ, prefer);
    }
    if (!s || s.deleted) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== s.event['@odata.etag'] && req.method !== 'GET') {
      return graphError(412, 'ErrorIrresolvableConflict', 'The change key passed in the request does not match the current change key for the item.');
    }
    if (req.method === 'GET') return json(200, this.present(s.event, prefer));
    if (req.method === 'DELETE') { this.remove(box, s); return { status: 204 }; }
    if (req.method === 'PATCH') {
      const patch = parseGraphBody(req.body);
      if (!patch) return graphError(400, 'RequestBodyRead', 'Invalid JSON');
      const next = { ...s.event, ...patch, id: s.event.id };
      const invalid = this.invalid(next);
      if (invalid) return invalid;
      return json(200, this.present(this.store(box, next, s.calendarId, 'updated'), prefer));
    }
    return graphError(405, 'MethodNotAllowed', 'Method not allowed');
  }

  /** An occurrence read, changed (it becomes an exception) or deleted (the master records it as cancelled). */
  private occurrenceApi(req: SandboxRequest, box: Mailbox, occ: { master: Stored; event: GraphEvent }, prefer: string): SandboxResponse {
    if (req.method === 'GET') return json(200, this.present(occ.event, prefer));
    if (req.method === 'DELETE') {
      this.cancelOccurrence(box, occ.master, occ.event.id!);
      return { status: 204 };
    }
    if (req.method === 'PATCH') {
      const patch = parseGraphBody(req.body);
      if (!patch) return graphError(400, 'RequestBodyRead', 'Invalid JSON');
      const next: GraphEvent = { ...occ.event, ...patch, id: occ.event.id, type: 'exception', seriesMasterId: occ.master.event.id! };
      const invalid = this.invalid(next);
      if (invalid) return invalid;
      return json(200, this.present(this.store(box, next, occ.master.calendarId, 'updated'), prefer));
    }
    return graphError(405, 'MethodNotAllowed', 'Method not allowed');
  }

  private cancelOccurrence(box: Mailbox, master: Stored, id: string): void {
    const m = master.event as GraphSeriesEvent;
    this.store(box, { ...m, cancelledOccurrences: [...(m.cancelledOccurrences ?? []), id] } as GraphEvent, master.calendarId, 'updated');
  }

  private invalid(e: GraphEvent): SandboxResponse | null {
    for (const t of [e.start, e.end]) {
      if (!t || Number.isNaN(wallMsOf(t.dateTime))) return graphError(400, 'ErrorInvalidRequest', 'start and end need a dateTime.');
      if (!ianaOf(t.timeZone)) return graphError(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${t.timeZone}'.`);
    }
    if (this.instant(e.end) < this.instant(e.start)) return graphError(400, 'ErrorInvalidRequest', 'The end of the event is before its start.');
    return null;
  }

  private create(req: SandboxRequest, box: Mailbox, calendarId: string): SandboxResponse {
    const body = parseGraphBody(req.body);
    if (!body) return graphError(400, 'RequestBodyRead', 'Invalid JSON');
    if (body.transactionId) {
      const existing = [...box.events.values()].find((s) => !s.deleted && s.event.transactionId === body.transactionId);
      if (existing) return json(201, this.present(existing.event, req.headers.prefer ?? ''));
    }
    const invalid = this.invalid(body);
    if (invalid) return invalid;
    return json(201, this.present(this.store(box, { ...body, id: graphId() }, calendarId, 'created'), req.headers.prefer ?? ''));
  }

  private delta(req: SandboxRequest, box: Mailbox, calendarId: string, prefer: string): SandboxResponse {
    const q = req.url.searchParams;
    const pageSize = Math.min(1000, Number(/odata\.maxpagesize=(\d+)/.exec(prefer)?.[1] ?? 100));
    type State = { u: string; c: string; from: number; high: number; after?: string; start: number; end: number; e: number; i: boolean };
    let st: State;
    const deltaToken = q.get('$deltatoken');
    const skipToken = q.get('$skiptoken');
    if (deltaToken || skipToken) {
      const t = unb64<State>(deltaToken ?? skipToken!);
      if (!t || t.u !== box.id || t.c !== calendarId || t.e !== this.epoch) return graphError(410, 'SyncStateNotFound', 'The sync state generation is not found. Restart the sync from the beginning.');
      st = deltaToken ? { ...t, from: t.high, high: this.seq, after: undefined, i: false } : t;
    } else {
      const start = Date.parse(q.get('startDateTime') ?? q.get('startdatetime') ?? '');
      const end = Date.parse(q.get('endDateTime') ?? q.get('enddatetime') ?? '');
      if (!Number.isFinite(start) || !Number.isFinite(end)) return graphError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
      st = { u: box.id, c: calendarId, from: 0, high: this.seq, start, end, e: this.epoch, i: true };
    }
    const items = this.viewEntries(box, calendarId, st.start, st.end)
      .filter((e) => e.seq > st.from && e.seq <= st.high)
      .filter((e) => !st.i || !e.removed)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .filter((e) => !st.after || e.id > st.after);
    const page = items.slice(0, pageSize);
    const value = page.map((e) => (e.removed ? { '@removed': { reason: 'deleted' }, id: e.id } : this.present(e.event, prefer)));
    const base = `${this.url}${req.url.pathname.slice('/v1.0'.length)}`;
    const more = items.length > pageSize;
    return json(200, {
      '@odata.context': `${this.url}/$metadata#Collection(event)`,
      ...(more ? { '@odata.nextLink': `${base}?$skiptoken=${b64({ ...st, after: page.at(-1)!.id })}` } : { '@odata.deltaLink': `${base}?$deltatoken=${b64({ ...st, after: undefined })}` }),
      value,
    });
  }

  private view(req: SandboxRequest, box: Mailbox, calendarId: string, prefer: string): SandboxResponse {
    const q = req.url.searchParams;
    const start = Date.parse(q.get('startDateTime') ?? '');
    const end = Date.parse(q.get('endDateTime') ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end)) return graphError(400, 'ErrorInvalidParameter', 'StartDateTime and EndDateTime are required.');
    const top = Math.min(1000, Number(q.get('$top') ?? 10) || 10);
    const skip = Number(q.get('$skip') ?? 0) || 0;
    const all = this.viewEntries(box, calendarId, start, end).filter((e) => !e.removed).sort((a, b) => a.startMs - b.startMs);
    const page = all.slice(skip, skip + top).map((e) => this.present(e.event, prefer));
    const next = new URL(req.url.href);
    next.searchParams.set('$skip', String(skip + top));
    return json(200, { value: page, ...(skip + top < all.length ? { '@odata.nextLink': next.href } : {}) });
  }

}
