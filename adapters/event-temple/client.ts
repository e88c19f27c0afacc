import { AdapterError, requestJson } from '../core/index.ts';

/** JSON:API's media type (jsonapi.org/format): Event Temple "fully complies with the JSON:API Specification". */
export const JSON_API = 'application/vnd.api+json';

/** A JSON:API resource object. */
export interface Resource {
  id: string;
  type: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: { id: string; type: string } | { id: string; type: string }[] | null }>;
}

/** A JSON:API collection document, with Event Temple's cursor paging (`meta.after_cursor`, `meta.has_more`). */
export interface CollectionDocument {
  data: Resource[];
  included?: Resource[];
  links?: { next?: string | null };
  meta?: { after_cursor?: string | null; has_more?: boolean };
}

export interface ListQuery {
  pageSize: number;
  after?: string | null;
  /** `filter[updated_at][gt]`: ISO 8601 instant. */
  updatedAfter?: string | null;
  include?: string;
}

/**
 * The wire calls: `X-Api-Key` and `X-Api-Org` on every request (developers.eventtemple.com,
 * "API Authentication & Org ID"), JSON:API bodies. Errors become AdapterErrors by status
 * (401/403 unauthorized, 404 permanent, 429 rate_limited with `Retry-After`, 5xx transient); the
 * JSON:API `errors` body is not quoted (it is the remote system's text).
 */
export class EventTempleClient {
  constructor(
    private readonly base: string,
    private readonly credentials: { apiKey: string; orgId: string },
    private readonly fetchImpl: typeof fetch,
  ) {}

  private headers(): Record<string, string> {
    return { accept: JSON_API, 'x-api-key': this.credentials.apiKey, 'x-api-org': this.credentials.orgId };
  }

  private url(path: string, params: Record<string, string> = {}): string {
    const u = new URL(`${this.base.replace(/\/+$/, '')}/${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** One page of `GET /{resource}` sorted by `updated_at`, oldest first. */
  async list(resource: 'bookings' | 'events', q: ListQuery): Promise<CollectionDocument> {
    const params: Record<string, string> = { 'page[size]': String(q.pageSize), sort: 'updated_at' };
    if (q.after) params['page[after]'] = q.after;
    if (q.updatedAfter) params['filter[updated_at][gt]'] = q.updatedAfter;
    if (q.include) params.include = q.include;
    const res = await requestJson<CollectionDocument>('event-temple', this.fetchImpl, { method: 'GET', url: this.url(resource, params), headers: this.headers() });
    const body = res.body;
    if (!body || !Array.isArray(body.data)) throw new AdapterError('invalid_payload', `Event Temple answered GET /${resource} without a JSON:API data array`, { status: res.status });
    return body;
  }

  /** `PATCH /events/{id}` with the attributes given; answers the updated resource. */
  async updateEvent(id: string, attributes: Record<string, unknown>): Promise<Resource> {
    const res = await requestJson<{ data?: Resource }>('event-temple', this.fetchImpl, {
      method: 'PATCH', url: this.url(`events/${encodeURIComponent(id)}`), headers: { ...this.headers(), 'content-type': JSON_API },
      body: { data: { type: 'events', id, attributes } },
    });
    if (!res.body?.data?.id) throw new AdapterError('invalid_payload', 'Event Temple answered PATCH /events without the event', { status: res.status });
    return res.body.data;
  }

  /** The cheapest authenticated read: one booking. */
  async ping(): Promise<void> {
    await this.list('bookings', { pageSize: 1 });
  }
}

/** The cursor of the next page: `meta.after_cursor` when `meta.has_more` (documented), or `page[after]` of `links.next` (JSON:API). */
export function nextCursor(doc: CollectionDocument): string | null {
  if (doc.links?.next) {
    try {
      const after = new URL(doc.links.next, 'http://x').searchParams.get('page[after]');
      if (after) return after;
    } catch { /* not a URL: fall back to meta */ }
  }
  if (doc.meta?.has_more && doc.meta.after_cursor) return doc.meta.after_cursor;
  return null;
}
