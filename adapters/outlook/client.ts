import { AdapterError, errorForStatus, networkError } from '../core/errors.ts';
import { requestJson, type JsonRequest } from '../core/http-client.ts';
import type { OutlookConfiguration, OutlookCredentials } from './config.ts';
import type { GraphEvent } from './mappers.ts';

/**
 * Microsoft Graph over plain HTTPS, through adapters/core/http-client.ts rather than
 * @microsoft/microsoft-graph-client: Graph is plain REST with absolute `@odata.nextLink` and
 * `@odata.deltaLink` URLs that are followed verbatim, and the SDK's own retry middleware (which
 * sleeps through 429s inside the call) would hide rate limits from the bridge, whose outbox owns
 * retries, Retry-After and the circuit breaker. Errors map by status to AdapterErrors here.
 */

const SYSTEM = 'outlook';
/** How long before its expiry an access token is refreshed, in ms. */
export const REFRESH_EARLY_MS = 60_000;

/** The OAuth `error` of a token endpoint answer, or null. */
function errorCodeOf(text: string): string | null {
  try {
    const v = JSON.parse(text) as { error?: unknown };
    return typeof v.error === 'string' ? v.error : null;
  } catch {
    return null;
  }
}

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  clientState?: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  expirationDateTime: string;
}

export interface Page<T> { value: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string }

export class GraphClient {
  private token: { value: string; expiresAt: number } | null = null;
  private readonly base: string;
  private readonly mailbox: string;
  private readonly calendarPath: string;

  /**
   * @param onRotated called with the whole credentials when the token endpoint returns a refresh
   *   token other than the one sent (Microsoft identity platform rotates them on every refresh:
   *   https://learn.microsoft.com/entra/identity-platform/refresh-tokens); the client uses the new
   *   one from then on.
   */
  constructor(
    private credentials: OutlookCredentials,
    private readonly config: OutlookConfiguration,
    private readonly fetchImpl: typeof fetch,
    private readonly now: () => number,
    private readonly onRotated?: (next: OutlookCredentials) => void,
  ) {
    this.base = config.apiBaseUrl.replace(/\/$/, '');
    this.mailbox = config.userId ? `/users/${encodeURIComponent(config.userId)}` : '/me';
    this.calendarPath = config.calendarId ? `${this.mailbox}/calendars/${encodeURIComponent(config.calendarId)}` : `${this.mailbox}/calendar`;
    if ('refreshToken' in credentials && credentials.accessToken && credentials.expiryDate) {
      this.token = { value: credentials.accessToken, expiresAt: credentials.expiryDate };
    }
    if (!config.userId && 'clientSecret' in credentials && !('refreshToken' in credentials)) {
      throw new AdapterError('invalid_config', 'invalid outlook configuration: userId: app-only credentials (no refreshToken) need configuration.userId (there is no /me)', { issues: [{ path: 'configuration.userId', message: 'app-only credentials (no refreshToken) need a userId (there is no /me)' }] });
    }
  }

  /** The subscription resource (Graph wants it without the leading slash). */
  get eventsResource(): string {
    return (this.config.calendarId ? `${this.calendarPath}/events` : `${this.mailbox}/events`).replace(/^\//, '');
  }

  private async accessToken(force = false): Promise<string> {
    const c = this.credentials;
    if (!('clientId' in c)) return c.accessToken;
    if (!force && this.token && this.token.expiresAt - REFRESH_EARLY_MS > this.now()) return this.token.value;
    const form = new URLSearchParams({ client_id: c.clientId, client_secret: c.clientSecret });
    if ('refreshToken' in c) {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', c.refreshToken);
      form.set('scope', 'offline_access https://graph.microsoft.com/Calendars.ReadWrite');
    } else {
      form.set('grant_type', 'client_credentials');
      form.set('scope', 'https://graph.microsoft.com/.default');
    }
    const url = `${this.config.authorityUrl.replace(/\/$/, '')}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw networkError('outlook token endpoint', error);
    }
    const text = await res.text();
    if (!res.ok) {
      // invalid_grant (RFC 6749 §5.2): the person revoked our consent, or the refresh token expired.
      if (res.status === 400 && errorCodeOf(text) === 'invalid_grant') {
        throw new AdapterError('unauthorized', 'outlook consent revoked: reconnect the Microsoft account (the refresh token was refused with invalid_grant)', { status: 400 });
      }
      const e = errorForStatus('outlook token endpoint', res.status, res.headers.get('retry-after'));
      // invalid_grant and friends come as 400: the credentials, not the request, are wrong.
      throw res.status === 400 ? new AdapterError('unauthorized', e.message, { status: 400 }) : e;
    }
    const body = JSON.parse(text) as { access_token: string; expires_in?: number; refresh_token?: string };
    this.token = { value: body.access_token, expiresAt: this.now() + (body.expires_in ?? 3600) * 1000 };
    if ('refreshToken' in c && body.refresh_token && body.refresh_token !== c.refreshToken) {
      this.credentials = { ...c, refreshToken: body.refresh_token, accessToken: body.access_token, expiryDate: this.token.expiresAt };
      this.onRotated?.(this.credentials);
    }
    return this.token.value;
  }

  /** One Graph call; a 401 refreshes the token once (it may have been revoked or rotated early). */
  async request<T>(req: Omit<JsonRequest, 'url'> & { url: string }): Promise<{ body: T; headers: Headers; status: number }> {
    const url = req.url.startsWith('http') ? req.url : `${this.base}${req.url}`;
    const send = async (force: boolean) => requestJson<T>(SYSTEM, this.fetchImpl, { ...req, url, headers: { ...req.headers, authorization: `Bearer ${await this.accessToken(force)}` } });
    try {
      return await send(false);
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 401 && 'clientId' in this.credentials) return send(true);
      throw error;
    }
  }

  getCalendar(): Promise<{ body: { id: string; name?: string } }> {
    return this.request({ method: 'GET', url: this.calendarPath });
  }

  /** The first delta request of a round; later ones follow the returned links. */
  deltaStart(startIso: string, endIso: string): string {
    const path = this.config.calendarId ? `${this.calendarPath}/calendarView/delta` : `${this.mailbox}/calendarView/delta`;
    return `${this.base}${path}?startDateTime=${encodeURIComponent(startIso)}&endDateTime=${encodeURIComponent(endIso)}`;
  }

  delta(url: string): Promise<{ body: Page<GraphEvent> }> {
    return this.request({ method: 'GET', url, headers: { prefer: `odata.maxpagesize=${this.config.pageSize}, outlook.timezone="UTC", outlook.body-content-type="text"` } });
  }

  calendarView(startIso: string, endIso: string, next?: string): Promise<{ body: Page<GraphEvent> }> {
    const url = next ?? `${this.calendarPath}/calendarView?startDateTime=${encodeURIComponent(startIso)}&endDateTime=${encodeURIComponent(endIso)}&$top=500&$select=id,subject,start,end,showAs,isAllDay,isCancelled,transactionId,originalStartTimeZone,originalEndTimeZone`;
    return this.request({ method: 'GET', url, headers: { prefer: 'outlook.timezone="UTC"' } });
  }

  /** The event as it is now; `gone` when it was deleted (its deletion reaches us through delta). */
  async getEvent(id: string): Promise<GraphEvent> {
    try {
      return (await this.request<GraphEvent>({ method: 'GET', url: `${this.mailbox}/events/${encodeURIComponent(id)}`, headers: { prefer: 'outlook.timezone="UTC", outlook.body-content-type="text"' } })).body;
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) throw new AdapterError('gone', `outlook event ${id} no longer exists`, { status: 404, cause: error });
      throw error;
    }
  }

  async createEvent(body: GraphEvent): Promise<GraphEvent> {
    const url = this.config.calendarId ? `${this.calendarPath}/events` : `${this.mailbox}/events`;
    return (await this.request<GraphEvent>({ method: 'POST', url, body })).body;
  }

  async patchEvent(id: string, body: GraphEvent, etag: string | null): Promise<GraphEvent> {
    return (await this.request<GraphEvent>({ method: 'PATCH', url: `${this.mailbox}/events/${encodeURIComponent(id)}`, body, headers: etag ? { 'if-match': etag } : {} })).body;
  }

  async deleteEvent(id: string): Promise<void> {
    try {
      await this.request({ method: 'DELETE', url: `${this.mailbox}/events/${encodeURIComponent(id)}` });
    } catch (error) {
      if (error instanceof AdapterError && (error.extra.status === 404 || error.extra.status === 410)) return;
      throw error;
    }
  }

  async createSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription> {
    // Graph validates the notification URL (our webhook) before it answers: allow for that round trip.
    return (await this.request<Subscription>({ method: 'POST', url: '/subscriptions', body: s, timeoutMs: 30_000 })).body;
  }

  async renewSubscription(id: string, expirationDateTime: string): Promise<Subscription> {
    return (await this.request<Subscription>({ method: 'PATCH', url: `/subscriptions/${encodeURIComponent(id)}`, body: { expirationDateTime } })).body;
  }

  async reauthorizeSubscription(id: string): Promise<void> {
    await this.request({ method: 'POST', url: `/subscriptions/${encodeURIComponent(id)}/reauthorize` });
  }

  async deleteSubscription(id: string): Promise<void> {
    try {
      await this.request({ method: 'DELETE', url: `/subscriptions/${encodeURIComponent(id)}` });
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) return;
      throw error;
    }
  }
}
