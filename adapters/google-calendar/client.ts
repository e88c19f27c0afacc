import { SignJWT, importPKCS8 } from 'jose';
// NOTE: the calendar module alone loads in ~0.5 s; `googleapis` as a whole takes ~4 s (every API).
import { auth as googleAuth, calendar, type calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { AdapterError, networkError } from '../core/errors.ts';
import { GOOGLE_SCOPES, type GoogleCalendarConfiguration, type GoogleCalendarCredentials } from './config.ts';
import { googleError, type GoogleEvent } from './mappers.ts';

type OAuth2Client = InstanceType<typeof googleAuth.OAuth2>;

/** How long before its expiry an access token is refreshed, in ms. */
export const REFRESH_EARLY_MS = 60_000;

export interface GoogleClientOptions {
  credentials: GoogleCalendarCredentials;
  config: GoogleCalendarConfiguration;
  fetch: typeof fetch;
  now: () => number;
  /** AdapterRuntime.shared: the connection's instances share one API client. */
  shared?: Map<string, unknown>;
  /** AdapterRuntime.saveCredentials: called with the whole credentials when Google returns a new refresh token. */
  onRotated?: (next: GoogleCalendarCredentials) => void;
}

/**
 * OAuth for the calendar client. User tokens refresh at `tokenUrl` through the library's own
 * OAuth2 client. Service accounts use the JWT bearer grant (RFC 7523), signed here with jose,
 * because the library's service-account client always posts to Google's fixed token URL.
 */
function createAuth(o: GoogleClientOptions): OAuth2Client {
  const c = o.credentials;
  if ('serviceAccount' in c) {
    const client = new googleAuth.OAuth2({});
    client.refreshHandler = async () => {
      const key = await importPKCS8(c.serviceAccount.private_key, 'RS256');
      const nowS = Math.floor(o.now() / 1000);
      const assertion = await new SignJWT({ scope: GOOGLE_SCOPES.join(' '), ...(c.subject ? { sub: c.subject } : {}) })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuer(c.serviceAccount.client_email).setAudience(o.config.tokenUrl).setIssuedAt(nowS).setExpirationTime(nowS + 3600)
        .sign(key);
      let res: Response;
      try {
        res = await o.fetch(o.config.tokenUrl, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
        });
      } catch (error) {
        throw networkError('google-calendar token endpoint', error);
      }
      const body = await res.json().catch(() => ({})) as { access_token?: string; expires_in?: number };
      if (!res.ok || !body.access_token) throw new AdapterError(res.status >= 500 ? 'transient' : 'unauthorized', `google-calendar service account token refused (${res.status})`, { status: res.status });
      return { access_token: body.access_token, expiry_date: o.now() + (body.expires_in ?? 3600) * 1000 };
    };
    return client;
  }
  // The refresh goes through the runtime's fetch like every call: tokenUrl is user-set.
  // Refreshed REFRESH_EARLY_MS before expiry, so a call never leaves with a token about to lapse.
  const client = new googleAuth.OAuth2({
    clientId: c.clientId, clientSecret: c.clientSecret, endpoints: { oauth2TokenUrl: o.config.tokenUrl },
    transporterOptions: { fetchImplementation: o.fetch }, eagerRefreshThresholdMillis: REFRESH_EARLY_MS,
  });
  client.setCredentials({
    ...(c.accessToken ? { access_token: c.accessToken } : {}),
    ...(c.refreshToken ? { refresh_token: c.refreshToken } : {}),
    // Without an access token, or with one past its expiry, the first call refreshes.
    expiry_date: c.accessToken ? c.expiryDate ?? null : 0,
  });
  // Google seldom replaces a refresh token, but may (RFC 6749 §6); the library emits 'tokens' on each refresh.
  let current = c;
  client.on('tokens', (t) => {
    if (!t.refresh_token || !('refreshToken' in current) || t.refresh_token === current.refreshToken) return;
    current = { ...current, refreshToken: t.refresh_token, ...(t.access_token ? { accessToken: t.access_token } : {}), ...(t.expiry_date ? { expiryDate: t.expiry_date } : {}) };
    o.onRotated?.(current);
  });
  return client;
}

interface GaxiosLikeError {
  status?: number;
  response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> };
}

function toAdapterError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = error as GaxiosLikeError;
  const status = e?.response?.status ?? e?.status;
  if (!status) return networkError('google-calendar', error);
  // The token endpoint's answer when the person removed our access or the refresh token expired
  // (RFC 6749 §5.2): no retry can help, the integration needs a new consent.
  if (status === 400 && (e.response?.data as { error?: unknown } | undefined)?.error === 'invalid_grant') {
    return new AdapterError('unauthorized', 'google-calendar consent revoked: reconnect the Google account (the refresh token was refused with invalid_grant)', { status: 400 });
  }
  const h = e.response?.headers;
  const retryAfter = h instanceof Headers ? h.get('retry-after') : (h as Record<string, string> | undefined)?.['retry-after'];
  return googleError(status, e.response?.data, retryAfter);
}

/** The Calendar API v3 calls the adapter makes, through googleapis, with errors as AdapterErrors. */
export class GoogleCalendarClient {
  private readonly api: calendar_v3.Calendar;
  readonly calendarId: string;

  constructor(o: GoogleClientOptions) {
    this.calendarId = o.config.calendarId;
    // One API client (and OAuth token) per account and settings, shared by the connection's
    // instances: a calendar bound to many weddings refreshes one token, not one per wedding.
    const key = `google-calendar:${JSON.stringify([o.credentials, o.config.tokenUrl, o.config.apiBaseUrl])}`;
    const shared = o.shared?.get(key) as calendar_v3.Calendar | undefined;
    this.api = shared ?? calendar({
      version: 'v3', auth: createAuth(o), rootUrl: o.config.apiBaseUrl, fetchImplementation: o.fetch,
      // The bridge owns retries (with Retry-After, backoff and the breaker); the library must not retry on its own.
      retry: false, timeout: 10_000,
    });
    if (!shared) o.shared?.set(key, this.api);
  }

  private async call<T>(fn: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await fn()).data;
    } catch (error) {
      throw toAdapterError(error);
    }
  }

  getCalendar(): Promise<calendar_v3.Schema$Calendar> {
    return this.call(() => this.api.calendars.get({ calendarId: this.calendarId }));
  }

  list(params: Omit<calendar_v3.Params$Resource$Events$List, 'calendarId'>): Promise<calendar_v3.Schema$Events> {
    return this.call(() => this.api.events.list({ calendarId: this.calendarId, ...params }));
  }

  get(eventId: string): Promise<GoogleEvent> {
    return this.call(() => this.api.events.get({ calendarId: this.calendarId, eventId }));
  }

  insert(body: GoogleEvent): Promise<GoogleEvent> {
    return this.call(() => this.api.events.insert({ calendarId: this.calendarId, sendUpdates: 'none', requestBody: body }));
  }

  patch(eventId: string, body: GoogleEvent, etag: string | null): Promise<GoogleEvent> {
    return this.call(() => this.api.events.patch({ calendarId: this.calendarId, eventId, sendUpdates: 'none', requestBody: body }, etag ? { headers: { 'If-Match': etag } } : {}));
  }

  update(eventId: string, body: GoogleEvent, etag: string | null): Promise<GoogleEvent> {
    return this.call(() => this.api.events.update({ calendarId: this.calendarId, eventId, sendUpdates: 'none', requestBody: body }, etag ? { headers: { 'If-Match': etag } } : {}));
  }

  async delete(eventId: string): Promise<void> {
    try {
      await this.call(() => this.api.events.delete({ calendarId: this.calendarId, eventId, sendUpdates: 'none' }));
    } catch (error) {
      // Already gone (410) or never there (404): what a delete wants.
      if (error instanceof AdapterError && (error.extra.status === 404 || error.extra.status === 410)) return;
      throw error;
    }
  }

  watch(channel: calendar_v3.Schema$Channel): Promise<calendar_v3.Schema$Channel> {
    return this.call(() => this.api.events.watch({ calendarId: this.calendarId, requestBody: channel }));
  }

  async stop(channel: { id: string; resourceId: string }): Promise<void> {
    try {
      await this.call(() => this.api.channels.stop({ requestBody: channel }));
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) return;
      throw error;
    }
  }
}
