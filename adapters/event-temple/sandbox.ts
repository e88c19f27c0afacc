import { SandboxServer, json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import { JSON_API, type Resource } from './client.ts';

/**
 * A local Event Temple speaking its documented wire format (JSON:API v2): `X-Api-Key` and
 * `X-Api-Org` on every request, cursor paging (`page[size]` ≤ 100, `page[after]`, answered in
 * `meta.after_cursor`/`meta.has_more` and `links.next`), `filter[updated_at][gt]`, `include`,
 * JSON:API error documents, and 429 with `Retry-After` (developers.eventtemple.com/docs/rate-limiting).
 * Tests drive it through the control methods (what the venue's staff do in Event Temple).
 */
export interface SandboxBooking { name: string; status: 'lead' | 'tentative' | 'definite' | 'lost'; start_date: string; end_date?: string; guest_count?: number; contact?: { first_name: string; last_name: string; email?: string } }
export interface SandboxEvent { name: string; start_time: string; end_time: string; attendance?: number; space?: string }

interface Row { id: string; type: string; attributes: Record<string, unknown>; relationships: Record<string, { data: { id: string; type: string } | null }>; seq: number }

const error = (status: number, title: string, detail: string, headers: Record<string, string> = {}): SandboxResponse =>
  json(status, { errors: [{ status: String(status), title, detail }] }, { 'content-type': JSON_API, ...headers });

export class EventTempleSandbox {
  readonly apiKey = 'et_test_key_0123456789';
  readonly orgId = '4242';
  private readonly server: SandboxServer;
  private readonly rows = new Map<string, Row>();
  private nextId = 100;
  private clock = Date.parse('2026-11-01T09:00:00Z');
  private rateLimited = 0;
  private retryAfter = '1';
  /** Every PATCH received: `{ id, attributes }`. */
  readonly patches: { id: string; attributes: Record<string, unknown> }[] = [];

  constructor() {
    this.server = new SandboxServer((req) => this.handle(req));
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }
  stop(): Promise<void> { return this.server.stop(); }
  /** The API base, as `configuration.apiBase`. */
  get url(): string { return `${this.server.url}/v2`; }
  get requests(): SandboxRequest[] { return this.server.requests; }
  /** The next `count` API requests answer 429 with `Retry-After: seconds`. */
  rateLimit(count: number, seconds = 1): void { this.rateLimited = count; this.retryAfter = String(seconds); }
  failNext(count: number, status: number): void { this.server.failNext(count, status); }

  /** Event Temple's clock: each write is a distinct, later `updated_at`. */
  private tick(): string {
    this.clock = Math.max(this.clock + 1000, Date.now());
    return new Date(this.clock).toISOString();
  }

  private put(type: string, id: string, attributes: Record<string, unknown>, relationships: Row['relationships'] = {}): Row {
    const at = this.tick();
    const prev = this.rows.get(`${type}:${id}`);
    const row: Row = { id, type, attributes: { ...prev?.attributes, ...attributes, updated_at: at, created_at: prev?.attributes.created_at ?? at }, relationships: { ...prev?.relationships, ...relationships }, seq: this.clock };
    this.rows.set(`${type}:${id}`, row);
    return row;
  }

  private spaceId(name: string): string {
    const found = [...this.rows.values()].find((r) => r.type === 'spaces' && r.attributes.name === name);
    return found ? found.id : this.put('spaces', String(this.nextId++), { name }).id;
  }

  createBooking(b: SandboxBooking): string {
    const id = String(this.nextId++);
    const rel: Row['relationships'] = {};
    if (b.contact) rel.contact = { data: { type: 'contacts', id: this.put('contacts', String(this.nextId++), b.contact).id } };
    const { contact: _contact, ...attrs } = b;
    this.put('bookings', id, attrs, rel);
    return id;
  }

  updateBooking(id: string, attrs: Partial<Omit<SandboxBooking, 'contact'>>): void {
    if (!this.rows.has(`bookings:${id}`)) throw new Error(`no booking ${id}`);
    this.put('bookings', id, attrs);
  }

  createEvent(bookingId: string, e: SandboxEvent): string {
    const id = String(this.nextId++);
    const { space, ...attrs } = e;
    this.put('events', id, attrs, { booking: { data: { type: 'bookings', id: bookingId } }, space: { data: space ? { type: 'spaces', id: this.spaceId(space) } : null } });
    return id;
  }

  updateEvent(id: string, attrs: Partial<Omit<SandboxEvent, 'space'>>): void {
    if (!this.rows.has(`events:${id}`)) throw new Error(`no event ${id}`);
    this.put('events', id, attrs);
  }

  deleteEvent(id: string): void { this.rows.delete(`events:${id}`); }

  event(id: string): Record<string, unknown> | undefined { return this.rows.get(`events:${id}`)?.attributes; }

  private resource(r: Row): Resource {
    return { id: r.id, type: r.type, attributes: r.attributes, relationships: r.relationships };
  }

  private handle(req: SandboxRequest): SandboxResponse {
    if (req.headers['x-api-key'] !== this.apiKey) return error(401, 'Unauthorized', 'Invalid API key');
    if (req.headers['x-api-org'] !== this.orgId) return error(403, 'Forbidden', 'You do not have access to this organization');
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return error(429, 'Too Many Requests', 'Rate limit exceeded', { 'retry-after': this.retryAfter, 'x-api-request-limit': '100', 'x-api-request-remaining': '0' });
    }
    const m = /^\/v2\/(bookings|events)(?:\/([^/]+))?$/.exec(req.path);
    if (!m) return error(404, 'Not Found', 'No route');
    const [, type, id] = m;
    if (req.method === 'GET' && !id) return this.list(type!, req);
    const row = id ? this.rows.get(`${type}:${id}`) : undefined;
    if (!row) return error(404, 'Not Found', `${type} ${id} not found`);
    if (req.method === 'GET') return json(200, { data: this.resource(row) }, { 'content-type': JSON_API });
    if (req.method === 'PATCH' && type === 'events') return this.patchEvent(row, req);
    return error(405, 'Method Not Allowed', `${req.method} is not allowed here`);
  }

  private list(type: string, req: SandboxRequest): SandboxResponse {
    const size = Number(req.query.get('page[size]') ?? 25);
    if (!Number.isInteger(size) || size < 1 || size > 100) return error(400, 'Invalid page size', 'page[size] must be between 1 and 100');
    const gt = req.query.get('filter[updated_at][gt]');
    if (gt !== null && !Number.isFinite(Date.parse(gt))) return error(400, 'Invalid filter', 'filter[updated_at][gt] must be an ISO 8601 time');
    let all = [...this.rows.values()].filter((r) => r.type === type).sort((a, b) => a.seq - b.seq || Number(a.id) - Number(b.id));
    if (gt !== null) all = all.filter((r) => Date.parse(String(r.attributes.updated_at)) > Date.parse(gt));
    const after = req.query.get('page[after]');
    let start = 0;
    if (after) {
      const decoded = /^cursor:(\d+)$/.exec(Buffer.from(after, 'base64').toString('utf8'));
      if (!decoded) return error(400, 'Invalid cursor', 'page[after] is not a cursor');
      start = Number(decoded[1]);
    }
    const page = all.slice(start, start + size);
    const hasMore = start + size < all.length;
    const cursor = hasMore ? Buffer.from(`cursor:${start + size}`).toString('base64') : null;
    const next = cursor ? (() => { const u = new URL(`${this.url}/${type}`); for (const [k, v] of req.query) if (k !== 'page[after]') u.searchParams.set(k, v); u.searchParams.set('page[after]', cursor); return u.toString(); })() : null;
    return json(200, {
      data: page.map((r) => this.resource(r)),
      included: this.included(page, req.query.get('include')),
      links: { next },
      meta: { user_name: 'Sandbox User', after_cursor: cursor, before_cursor: null, has_more: hasMore },
    }, { 'content-type': JSON_API, 'x-api-request-limit': '100', 'x-api-request-remaining': '99' });
  }

  /** `include=a,a.b`: related resources, once each. */
  private included(rows: Row[], include: string | null): Resource[] {
    const out = new Map<string, Row>();
    for (const path of (include ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      let level = rows;
      for (const name of path.split('.')) {
        const nextLevel: Row[] = [];
        for (const r of level) {
          const d = r.relationships[name]?.data;
          const target = d ? this.rows.get(`${d.type}:${d.id}`) : undefined;
          if (target) { out.set(`${target.type}:${target.id}`, target); nextLevel.push(target); }
        }
        level = nextLevel;
      }
    }
    return [...out.values()].map((r) => this.resource(r));
  }

  private patchEvent(row: Row, req: SandboxRequest): SandboxResponse {
    if (!(req.headers['content-type'] ?? '').startsWith(JSON_API)) return error(415, 'Unsupported Media Type', `send ${JSON_API}`);
    let body: { data?: { type?: string; id?: string; attributes?: Record<string, unknown> } };
    try { body = JSON.parse(req.rawBody); } catch { return error(400, 'Bad Request', 'body is not JSON'); }
    if (body.data?.type !== 'events' || String(body.data.id) !== row.id) return error(409, 'Conflict', 'data.type and data.id must name this event');
    const attrs = body.data.attributes ?? {};
    for (const k of ['start_time', 'end_time']) {
      if (k in attrs && !Number.isFinite(Date.parse(String(attrs[k])))) return error(422, 'Invalid attribute', `${k} is not a time`);
    }
    this.patches.push({ id: row.id, attributes: attrs });
    const updated = this.put('events', row.id, attrs);
    return json(200, { data: this.resource(updated) }, { 'content-type': JSON_API });
  }
}

export async function startEventTempleSandbox(): Promise<EventTempleSandbox> {
  return new EventTempleSandbox().start();
}
