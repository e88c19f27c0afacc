import crypto from 'node:crypto';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import type { VscoHookEvent } from './config.ts';
import type { VscoContact, VscoEvent, VscoGallery, VscoJob, VscoJobContact, VscoOrder, VscoPayment, VscoProblem, VscoRestHook } from './wire.ts';

/**
 * A local VSCO Workspace speaking API v2's wire format (https://workspace.vsco.co/api): `X-API-KEY`
 * or `Authorization: Bearer` auth, `page`/`pageSize` (10–100) lists in `{ meta, type, items }`,
 * `sortBy=-modified`, RFC 7807 problem bodies (`application/problem+json`), 429 with
 * `Retry-After`, REST hook subscriptions (`/rest-hook`) whose deliveries name the target id only,
 * and the legacy lead form `POST /webservice/create-lead/{StudioID}` (form-encoded or JSON, with
 * `SecretKey`; answers `OK`). Test control: the methods below change records as a studio would,
 * firing the hooks VSCO fires. Not used by the adapter at run time.
 */
const VSCO_RECORD_MAPS = ['jobs', 'contacts', 'jobContacts', 'events', 'payments', 'galleries', 'orders', 'hooks'] as const;

/** VscoSandbox.snapshot(): JSON. */
export interface VscoSandboxState {
  apiKey: string;
  accessToken: string;
  studioId: string;
  leadSecretKey: string;
  clock: number;
  records: Record<(typeof VSCO_RECORD_MAPS)[number], Array<[string, unknown]>>;
}

export class VscoSandbox {
  readonly apiKey = `vsco_test_${crypto.randomBytes(12).toString('hex')}`;
  readonly accessToken = `vsco_oauth_${crypto.randomBytes(12).toString('hex')}`;
  readonly studioId = 'ST' + crypto.randomBytes(6).toString('hex').toUpperCase();
  readonly leadSecretKey = crypto.randomBytes(20).toString('hex');
  readonly jobs = new Map<string, VscoJob>();
  readonly contacts = new Map<string, VscoContact>();
  readonly jobContacts = new Map<string, VscoJobContact>();
  readonly events = new Map<string, VscoEvent>();
  readonly payments = new Map<string, VscoPayment>();
  readonly galleries = new Map<string, VscoGallery>();
  readonly orders = new Map<string, VscoOrder>();
  readonly hooks = new Map<string, VscoRestHook>();
  /** Every hook delivery: where it went, what it said, and the answer's status (0: unreachable). */
  readonly deliveries: Array<{ url: string; body: string; status: number }> = [];
  private rateLimits: Array<{ count: number; retryAfter: string }> = [];
  private clock = 0;
  private readonly server = new SandboxServer((req) => this.handle(req));

  get url(): string { return `${this.server.url}/api/v2`; }
  /** The studio's website form posts here. */
  get leadFormUrl(): string { return `${this.server.url}/webservice/create-lead/${this.studioId}`; }
  get requests(): SandboxRequest[] { return this.server.requests; }

  /** Listens on `port` when it is free (see SandboxServer.start). */
  async start(port = 0): Promise<this> { await this.server.start(port); return this; }

  /** The studio as JSON (the demo resumes it across restarts): keys, records, hooks, clock. Not deliveries or the request log. */
  snapshot(): VscoSandboxState {
    const { apiKey, accessToken, studioId, leadSecretKey, clock } = this;
    return {
      apiKey, accessToken, studioId, leadSecretKey, clock,
      records: Object.fromEntries(VSCO_RECORD_MAPS.map((k) => [k, [...(this[k] as Map<string, unknown>)]])) as VscoSandboxState['records'],
    };
  }

  /** Replaces the studio with a snapshot's. */
  restore(state: VscoSandboxState): void {
    Object.assign(this, { apiKey: state.apiKey, accessToken: state.accessToken, studioId: state.studioId, leadSecretKey: state.leadSecretKey, clock: state.clock });
    for (const k of VSCO_RECORD_MAPS) {
      const map = this[k] as Map<string, unknown>;
      map.clear();
      for (const [id, v] of state.records[k] ?? []) map.set(id, v);
    }
  }
  stop(): Promise<void> { return this.server.stop(); }
  /** The next `count` API requests answer 429 with `Retry-After: retryAfter` (seconds). */
  rateLimitNext(count: number, retryAfter = '2'): void { this.rateLimits.push({ count, retryAfter }); }
  failNext(count: number, status = 503): void { this.server.failNext(count, status, { path: /^\/api\/v2\// }); }

  /** A strictly increasing `modified` stamp (ISO 8601, UTC, ms). */
  private stamp(): string {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return new Date(this.clock).toISOString();
  }

  private id(): string {
    // A ULID-shaped id (26 Crockford base-32 characters).
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    return [...crypto.randomBytes(26)].map((b) => alphabet[b % 32]).join('');
  }

  // ── control API (what a studio does in VSCO Workspace) ──

  addContact(c: Omit<VscoContact, 'id'>): VscoContact {
    const contact = { id: this.id(), kind: 'person', ...c, created: this.stamp(), modified: this.stamp() } as VscoContact;
    this.contacts.set(contact.id, contact);
    return contact;
  }

  /** A job with its clients (the couple); fires `job.created`. */
  async createJob(job: Omit<VscoJob, 'id'>, clients: Array<Omit<VscoContact, 'id'>> = []): Promise<VscoJob> {
    const made: VscoJob = { id: this.id(), stage: 'lead', ...job, created: this.stamp(), modified: this.stamp() };
    this.jobs.set(made.id, made);
    clients.forEach((c, i) => {
      const contact = this.addContact(c);
      const link: VscoJobContact = { id: this.id(), jobId: made.id, contactId: contact.id, role: 'client', primary: i === 0 };
      this.jobContacts.set(link.id, link);
    });
    await this.fire('job.created', made.id);
    return made;
  }

  updateJob(id: string, patch: Partial<VscoJob>): VscoJob {
    const job = this.must(this.jobs, id);
    Object.assign(job, patch, { modified: this.stamp() });
    return job;
  }

  /** Books the job (an order is booked): fires `order.booked`. */
  async bookJob(jobId: string): Promise<VscoOrder> {
    this.updateJob(jobId, { stage: 'booked' });
    const order: VscoOrder = { id: this.id(), jobId, booked: true, modified: this.stamp() };
    this.orders.set(order.id, order);
    await this.fire('order.booked', order.id);
    return order;
  }

  /** A session of a job (no hook: VSCO has none for events). */
  addSession(e: Omit<VscoEvent, 'id'>): VscoEvent {
    const event: VscoEvent = { id: this.id(), allDay: false, confirmed: true, ...e, created: this.stamp(), modified: this.stamp() };
    this.events.set(event.id, event);
    return event;
  }

  updateSession(id: string, patch: Partial<VscoEvent>): VscoEvent {
    const e = this.must(this.events, id);
    Object.assign(e, patch, { modified: this.stamp() });
    return e;
  }

  /** A payment recorded against a job; fires `payment.created`. `amount` in minor units. */
  async recordPayment(p: Omit<VscoPayment, 'id'>): Promise<VscoPayment> {
    const payment: VscoPayment = { id: this.id(), status: 'completed', currencyCode: 'USD', ...p, created: this.stamp(), modified: this.stamp() };
    this.payments.set(payment.id, payment);
    await this.fire('payment.created', payment.id);
    return payment;
  }

  addGallery(g: Omit<VscoGallery, 'id'>): VscoGallery {
    const gallery: VscoGallery = { id: this.id(), status: 'draft', ...g, modified: this.stamp() };
    this.galleries.set(gallery.id, gallery);
    return gallery;
  }

  updateGallery(id: string, patch: Partial<VscoGallery>): VscoGallery {
    const g = this.must(this.galleries, id);
    Object.assign(g, patch, { modified: this.stamp() });
    return g;
  }

  /** Delivers `event` for `targetId` to every subscription of it: `{ event, data: { id } }`, unsigned. */
  async fire(event: VscoHookEvent, targetId: string): Promise<number[]> {
    const statuses: number[] = [];
    for (const hook of [...this.hooks.values()].filter((h) => h.event === event)) {
      const body = JSON.stringify({ event, data: { id: targetId }, created: new Date().toISOString() });
      const res = await postWebhook(hook.url, body, { 'content-type': 'application/json', 'user-agent': 'VSCO-Workspace-Hooks' });
      this.deliveries.push({ url: hook.url, body, status: res.status });
      statuses.push(res.status);
    }
    return statuses;
  }

  private must<T>(map: Map<string, T>, id: string): T {
    const v = map.get(id);
    if (!v) throw new Error(`no such record ${id}`);
    return v;
  }

  // ── the wire ──

  private problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): SandboxResponse {
    const body: VscoProblem = { type: `https://workspace.vsco.co/api/problems/${status}`, title, detail, status };
    return { status, headers: { 'content-type': 'application/problem+json', ...headers }, body: JSON.stringify(body) };
  }

  private handle(req: SandboxRequest): SandboxResponse | Promise<SandboxResponse> {
    if (req.method === 'POST' && req.path.startsWith('/webservice/create-lead/')) return this.createLead(req);
    if (!req.path.startsWith('/api/v2/')) return this.problem(404, 'Not Found', 'no such route');
    const limit = this.rateLimits.find((r) => r.count > 0);
    if (limit) {
      limit.count--;
      return this.problem(429, 'Too Many Requests', 'rate limit exceeded', { 'retry-after': limit.retryAfter });
    }
    const key = req.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (key !== this.apiKey && bearer !== this.accessToken) return this.problem(401, 'Unauthorized', 'a valid X-API-KEY or bearer token is required');
    return this.route(req, req.path.slice('/api/v2'.length).split('/').filter(Boolean));
  }

  private body(req: SandboxRequest): Record<string, unknown> | null {
    try {
      const b = JSON.parse(req.rawBody || '{}') as unknown;
      return b && typeof b === 'object' && !Array.isArray(b) ? b as Record<string, unknown> : null;
    } catch {
      return null;
    }
  }

  private route(req: SandboxRequest, parts: string[]): SandboxResponse {
    const [resource, id, sub] = parts;
    const m = req.method;
    if (resource === 'studio' && id === 'me' && m === 'GET') return json(200, { id: this.studioId, name: 'Lens & Light', currencyCode: 'USD' });
    const tables: Record<string, Map<string, { id: string; modified?: string }>> = {
      job: this.jobs, event: this.events, payment: this.payments, gallery: this.galleries, 'address-book': this.contacts, order: this.orders,
      'rest-hook': this.hooks as Map<string, { id: string }>,
    };
    const table = resource ? tables[resource] : undefined;
    if (!table) return this.problem(404, 'Not Found', `no resource ${resource}`);
    if (!id) {
      if (m === 'GET') return this.list(req, resource!, [...table.values()]);
      if (m === 'POST') return this.create(req, resource!);
      return this.problem(405, 'Method Not Allowed', `${m} ${resource}`);
    }
    const record = table.get(id);
    if (!record) return this.problem(404, 'Not Found', `${resource} ${id} not found`);
    if (sub) {
      if (resource === 'job' && sub === 'contact' && m === 'GET') return this.list(req, 'job-contact', [...this.jobContacts.values()].filter((c) => c.jobId === id));
      if (resource === 'job' && sub === 'payment' && m === 'GET') return this.list(req, 'payment', [...this.payments.values()].filter((p) => p.jobId === id));
      return this.problem(404, 'Not Found', `no route ${sub}`);
    }
    if (m === 'GET') return json(200, record);
    if (m === 'DELETE' && resource === 'rest-hook') {
      this.hooks.delete(id);
      return { status: 204 };
    }
    if (m === 'PUT' && (resource === 'event' || resource === 'job' || resource === 'gallery')) {
      const patch = this.body(req);
      if (!patch) return this.problem(400, 'Bad Request', 'the body is not a JSON object');
      if (resource === 'event') {
        const bad = ['startDate', 'endDate'].find((k) => k in patch && !/^\d{4}-\d{2}-\d{2}$/.test(String(patch[k])))
          ?? ['startTime', 'endTime'].find((k) => k in patch && !/^\d{2}:\d{2}(:\d{2})?$/.test(String(patch[k])));
        if (bad) return this.problem(422, 'Unprocessable Entity', `${bad} is not valid`);
      }
      const { id: _ignored, created: _c, modified: _m, ...rest } = patch;
      Object.assign(record, rest, { modified: this.stamp() });
      return json(200, record);
    }
    return this.problem(405, 'Method Not Allowed', `${m} ${resource}/${id}`);
  }

  private list(req: SandboxRequest, type: string, all: Array<{ id: string; modified?: string }>): SandboxResponse {
    const page = Number(req.query.get('page') ?? '1');
    const pageSize = Number(req.query.get('pageSize') ?? '100');
    if (!Number.isInteger(page) || page < 1) return this.problem(400, 'Bad Request', 'page must be a positive integer');
    if (!Number.isInteger(pageSize) || pageSize < 10 || pageSize > 100) return this.problem(400, 'Bad Request', 'pageSize must be between 10 and 100');
    const sortBy = req.query.get('sortBy');
    const items = [...all];
    if (sortBy === '-modified' || sortBy === 'modified') {
      items.sort((a, b) => (a.modified ?? '').localeCompare(b.modified ?? '') * (sortBy === '-modified' ? -1 : 1));
    }
    const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
    return json(200, {
      meta: { currentPage: page, totalPages, totalItems: items.length, rows: pageSize },
      type, items: items.slice((page - 1) * pageSize, page * pageSize),
    });
  }

  private create(req: SandboxRequest, resource: string): SandboxResponse {
    const body = this.body(req);
    if (!body) return this.problem(400, 'Bad Request', 'the body is not a JSON object');
    if (resource === 'rest-hook') {
      const event = body.event;
      const url = body.url;
      if (!['contact.created', 'job.created', 'order.booked', 'payment.created'].includes(String(event))) return this.problem(422, 'Unprocessable Entity', 'event is not a supported REST hook event');
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return this.problem(422, 'Unprocessable Entity', 'url must be an absolute URL');
      const hook: VscoRestHook = { id: this.id(), event: String(event), url };
      this.hooks.set(hook.id, hook);
      return json(201, hook);
    }
    return this.problem(405, 'Method Not Allowed', `POST ${resource} is not served by this sandbox`);
  }

  /**
   * The legacy New Lead form: `SecretKey`, `FirstName` and `JobType` required; `LastName`,
   * `Email`, `SpouseFirstName`/`SpouseLastName` (or `PartnerFirstName`/`PartnerLastName`),
   * `EventDate` (or `Date`), `GuestCount`. Makes a lead job with the couple as clients and fires
   * `contact.created` and `job.created`.
   */
  private async createLead(req: SandboxRequest): Promise<SandboxResponse> {
    const studio = req.path.split('/').pop();
    if (studio !== this.studioId) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Studio not found' };
    let fields: Record<string, string>;
    if (/json/.test(req.headers['content-type'] ?? '')) {
      const b = this.body(req) ?? {};
      fields = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v ?? '')]));
    } else fields = Object.fromEntries(new URLSearchParams(req.rawBody || req.query.toString()));
    if (fields.SecretKey !== this.leadSecretKey) return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Invalid SecretKey' };
    if (!fields.FirstName?.trim() || !fields.JobType?.trim()) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Missing FirstName or JobType' };
    const date = (fields.EventDate ?? fields.Date ?? '').trim();
    const guests = Number(fields.GuestCount);
    const clients: Array<Omit<VscoContact, 'id'>> = [{ firstName: fields.FirstName.trim(), lastName: fields.LastName?.trim() || null, email: fields.Email?.trim() || null }];
    const partner = (fields.SpouseFirstName ?? fields.PartnerFirstName ?? '').trim();
    if (partner) clients.push({ firstName: partner, lastName: (fields.SpouseLastName ?? fields.PartnerLastName ?? '').trim() || null });
    const job: Omit<VscoJob, 'id'> = {
      stage: 'lead', webLead: true, jobTypeId: fields.JobType.trim(),
      ...(/^\d{4}-\d{2}-\d{2}$/.test(date) ? { eventDate: date } : {}),
      ...(Number.isInteger(guests) && guests >= 0 && fields.GuestCount?.trim() ? { guestCount: guests } : {}),
    };
    const made = await this.createJob(job, clients);
    for (const c of [...this.jobContacts.values()].filter((x) => x.jobId === made.id)) await this.fire('contact.created', c.contactId);
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' };
  }
}

/** Starts a sandbox on a free loopback port. */
export async function startVscoSandbox(): Promise<VscoSandbox> {
  return new VscoSandbox().start();
}
