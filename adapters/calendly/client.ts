import { AdapterError, requestJson } from '../core/index.ts';

/** Calendly's paging envelope (https://developer.calendly.com/api-docs: "Pagination"). */
export interface CalendlyPage<T> {
  collection: T[];
  pagination: { count: number; next_page: string | null; next_page_token?: string | null; previous_page?: string | null };
}

export interface CalendlyUser { uri: string; name?: string; email?: string; timezone?: string; current_organization: string }

export interface CalendlyLocation { type?: string; location?: string | null; join_url?: string | null }

export interface CalendlyScheduledEvent {
  uri: string;
  name?: string;
  status?: 'active' | 'canceled';
  start_time: string;
  end_time: string;
  event_type?: string;
  location?: CalendlyLocation | null;
  created_at?: string;
  updated_at?: string;
}

export interface CalendlyInvitee {
  uri: string;
  email?: string;
  name?: string;
  status?: 'active' | 'canceled';
  timezone?: string | null;
  event?: string;
  questions_and_answers?: { question: string; answer: string; position?: number }[];
  rescheduled?: boolean;
  old_invitee?: string | null;
  new_invitee?: string | null;
  created_at?: string;
  updated_at?: string;
  /** In webhook payloads only: the scheduled event the invitee booked. */
  scheduled_event?: CalendlyScheduledEvent;
}

export interface CalendlyWebhookSubscription {
  uri: string;
  callback_url: string;
  state?: 'active' | 'disabled';
  events: string[];
  scope: 'user' | 'organization';
}

/** The last path segment of a Calendly resource URI (`…/scheduled_events/<uuid>` → uuid). */
export const uuidOf = (uri: string): string => uri.slice(uri.lastIndexOf('/') + 1);

/**
 * The Calendly API v2 calls this adapter makes, with `Authorization: Bearer <token>`. Errors
 * (`{ title, message, details }`) become AdapterErrors by status (429 → rate_limited with
 * Retry-After; 401/403 → unauthorized; 404/410 → gone for subscriptions, see callers).
 */
export class CalendlyClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly base: string, private readonly token: string, fetchImpl: typeof fetch) {
    this.fetchImpl = withRateLimitReset(fetchImpl);
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', pathOrUrl: string, body?: unknown): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? this.rebase(pathOrUrl) : this.base.replace(/\/$/, '') + pathOrUrl;
    const res = await requestJson<T>('Calendly', this.fetchImpl, { method, url, headers: { authorization: `Bearer ${this.token}` }, ...(body === undefined ? {} : { body }) });
    return res.body;
  }

  /**
   * Calendly names resources (and `next_page`) by absolute URIs on api.calendly.com; with a
   * sandbox or proxy as `apiBase`, the same path is asked of it instead.
   */
  private rebase(uri: string): string {
    const u = new URL(uri);
    return this.base.replace(/\/$/, '') + u.pathname + u.search;
  }

  async me(): Promise<CalendlyUser> {
    const r = await this.call<{ resource?: CalendlyUser }>('GET', '/users/me');
    if (!r?.resource?.uri || !r.resource.current_organization) throw new AdapterError('invalid_payload', 'Calendly /users/me answered without the user and organization URIs');
    return r.resource;
  }

  /** One page of `GET /scheduled_events`; `pageUrl` is the previous page's `next_page`. */
  scheduledEvents(query: Record<string, string>, pageUrl?: string | null): Promise<CalendlyPage<CalendlyScheduledEvent>> {
    return this.call('GET', pageUrl ?? `/scheduled_events?${new URLSearchParams(query)}`);
  }

  async scheduledEvent(uri: string): Promise<CalendlyScheduledEvent> {
    return (await this.call<{ resource: CalendlyScheduledEvent }>('GET', `/scheduled_events/${uuidOf(uri)}`)).resource;
  }

  invitees(eventUri: string, pageUrl?: string | null): Promise<CalendlyPage<CalendlyInvitee>> {
    return this.call('GET', pageUrl ?? `/scheduled_events/${uuidOf(eventUri)}/invitees?count=100`);
  }

  async createSubscription(body: { url: string; events: readonly string[]; organization: string; user?: string; scope: string; signing_key: string }): Promise<CalendlyWebhookSubscription> {
    return (await this.call<{ resource: CalendlyWebhookSubscription }>('POST', '/webhook_subscriptions', body)).resource;
  }

  /** `GET /webhook_subscriptions` (first page of 100): to find one already made for our URL. */
  async subscriptions(query: { organization: string; scope: string; user?: string }): Promise<CalendlyWebhookSubscription[]> {
    const q = new URLSearchParams({ organization: query.organization, scope: query.scope, count: '100', ...(query.user ? { user: query.user } : {}) });
    return (await this.call<CalendlyPage<CalendlyWebhookSubscription>>('GET', `/webhook_subscriptions?${q}`)).collection;
  }

  async subscription(uri: string): Promise<CalendlyWebhookSubscription> {
    return (await this.call<{ resource: CalendlyWebhookSubscription }>('GET', `/webhook_subscriptions/${uuidOf(uri)}`)).resource;
  }

  async deleteSubscription(uri: string): Promise<void> {
    await this.call('DELETE', `/webhook_subscriptions/${uuidOf(uri)}`);
  }
}

/**
 * Calendly's 429 names the wait in `X-RateLimit-Reset` (seconds until the limit resets) and may
 * leave out `Retry-After`; the reset is passed on as Retry-After so the bridge waits that long.
 */
function withRateLimitReset(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    const reset = res.headers.get('x-ratelimit-reset');
    if (res.status !== 429 || res.headers.get('retry-after') || !reset || !/^\d+$/.test(reset)) return res;
    const headers = new Headers(res.headers);
    headers.set('retry-after', reset);
    return new Response(await res.text(), { status: 429, headers });
  };
}
