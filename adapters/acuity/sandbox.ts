import { instantOf, isoInZone, wallTimeOf } from '../core/calendar-time.ts';
import { SandboxServer, json, postWebhook, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import { ACUITY_EVENTS, type AcuityEvent } from './config.ts';
import { acuitySignature, parseAcuityDateTime, type AcuityAppointment } from './mappers.ts';

/**
 * A stateful local Acuity Scheduling API v1 (`/api/v1`): HTTP Basic auth (user id : API key),
 * `GET /me`, `GET /appointments` with `minDate`, `maxDate`, `calendarID`, `appointmentTypeID`,
 * `max` (default 100), `direction` (default DESC) and `canceled`, `GET /appointments/{id}`,
 * `PUT /appointments/{id}/reschedule`, `PUT /appointments/{id}/cancel`, dynamic webhooks
 * (`POST`/`GET`/`DELETE /webhooks`), errors `{ status_code, message, error }`, and 429 with
 * Retry-After on demand. Changes made through the control methods (the client booking,
 * rescheduling or canceling) are delivered to the subscribed targets the way Acuity sends them:
 * form-encoded `action=…&id=…&calendarID=…&appointmentTypeID=…`, signed `X-Acuity-Signature`
 * (base64 HMAC-SHA256 of the body with the API key). Dates of `minDate`/`maxDate` are read in
 * `accountZone`.
 */

export interface BookingInput {
  firstName: string;
  lastName: string;
  email?: string;
  /** ISO 8601 with offset. */
  datetime: string;
  timezone: string;
  /** Minutes. */
  duration: number;
  type: string;
  appointmentTypeID?: number;
  calendarID?: number;
  location?: string;
  notes?: string;
  /** Intake-form answers: field name → value. */
  answers?: Record<string, string>;
}

export interface SentWebhook { event: string; target: string; body: string; status: number }

const pad = (n: number) => String(n).padStart(2, '0');

/** `2027-06-12T14:00:00+0100`: Acuity's spelling (offset without a colon). */
function acuityDateTime(ms: number, zone: string): string {
  const iso = isoInZone(ms, zone);
  return `${iso.slice(0, 19)}${iso.slice(19).replace(':', '')}`;
}

/** `3:00pm` */
function clock(ms: number, zone: string): string {
  const w = wallTimeOf(ms, zone);
  return `${w.hour % 12 === 0 ? 12 : w.hour % 12}:${pad(w.minute)}${w.hour < 12 ? 'am' : 'pm'}`;
}

export class AcuitySandbox {
  readonly userId = '19283746';
  readonly apiKey = 'acuity_test_key_3f9a1c7e5b2d4086';
  readonly http: SandboxServer;
  readonly appointments = new Map<number, AcuityAppointment>();
  readonly webhooks = new Map<number, { id: number; event: AcuityEvent; target: string; status: 'active' }>();
  readonly sent: SentWebhook[] = [];
  /** Answer the next `count` API requests (whose path matches) 429 with this Retry-After (seconds). */
  private rateLimits: { count: number; retryAfter?: string; path?: RegExp }[] = [];
  private nextId = 4_100_000;
  private nextWebhook = 1;
  accountZone = 'Europe/London';

  constructor() {
    this.http = new SandboxServer((req) => this.handle(req));
  }

  get url(): string {
    return `${this.http.url}/api/v1`;
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  rateLimitNext(count: number, retryAfter?: string, path?: RegExp): void {
    this.rateLimits.push({ count, ...(retryAfter !== undefined ? { retryAfter } : {}), ...(path ? { path } : {}) });
  }

  /** The id the next booking gets. */
  get nextAppointmentId(): number {
    return this.nextId;
  }

  /** The client books (fires `appointment.scheduled` and `appointment.changed`). */
  async book(input: BookingInput): Promise<AcuityAppointment> {
    const id = this.nextId++;
    const start = parseAcuityDateTime(input.datetime);
    if (start === null) throw new Error(`bad datetime ${input.datetime}`);
    const appt: AcuityAppointment = {
      id, firstName: input.firstName, lastName: input.lastName, email: input.email ?? '', datetime: '', endTime: '', timezone: input.timezone,
      duration: String(input.duration), type: input.type, appointmentTypeID: input.appointmentTypeID ?? 11, calendarID: input.calendarID ?? 21,
      calendar: 'Studio', location: input.location ?? '', notes: input.notes ?? '', canceled: false, labels: null,
      forms: [{ id: 1, name: 'Wedding details', values: Object.entries(input.answers ?? {}).map(([name, value], i) => ({ id: 100 + i, fieldID: 500 + i, name, value })) }],
      formsText: Object.entries(input.answers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n'),
    };
    this.place(appt, start);
    this.appointments.set(id, appt);
    await this.notify(appt, 'appointment.scheduled');
    return appt;
  }

  /** The client (or the business) moves it (fires `appointment.rescheduled` and `appointment.changed`). */
  async reschedule(id: number, datetime: string): Promise<AcuityAppointment> {
    const appt = this.appointments.get(id)!;
    this.place(appt, parseAcuityDateTime(datetime)!);
    await this.notify(appt, 'appointment.rescheduled');
    return appt;
  }

  async cancel(id: number): Promise<AcuityAppointment> {
    const appt = this.appointments.get(id)!;
    appt.canceled = true;
    await this.notify(appt, 'appointment.canceled');
    return appt;
  }

  /** A delivery signed with `key` (the API key unless given), for forged-signature tests. */
  notification(appt: AcuityAppointment, action: string, key = this.apiKey): { body: string; headers: Record<string, string> } {
    const body = new URLSearchParams({ action, id: String(appt.id), calendarID: String(appt.calendarID), appointmentTypeID: String(appt.appointmentTypeID) }).toString();
    return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acuity-signature': acuitySignature(body, key) } };
  }

  private place(appt: AcuityAppointment, start: number): void {
    const zone = appt.timezone!;
    const end = start + Number(appt.duration) * 60_000;
    appt.datetime = acuityDateTime(start, zone);
    appt.endTime = clock(end, zone);
  }

  private async notify(appt: AcuityAppointment, event: AcuityEvent): Promise<void> {
    for (const e of [event, 'appointment.changed' as const]) {
      for (const hook of [...this.webhooks.values()].filter((w) => w.event === e)) {
        const { body, headers } = this.notification(appt, e);
        const answer = await postWebhook(hook.target, body, headers);
        this.sent.push({ event: e, target: hook.target, body, status: answer.status });
      }
    }
  }

  private error(status: number, error: string, message: string, headers: Record<string, string> = {}): SandboxResponse {
    return json(status, { status_code: status, message, error }, headers);
  }

  private authorized(req: SandboxRequest): boolean {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    return !!m && Buffer.from(m[1]!, 'base64').toString('utf8') === `${this.userId}:${this.apiKey}`;
  }

  private handle(req: SandboxRequest): SandboxResponse {
    if (!req.path.startsWith('/api/v1/')) return this.error(404, 'not_found', 'Not found');
    const limit = this.rateLimits.find((r) => r.count > 0 && (!r.path || r.path.test(req.path)));
    if (limit) {
      limit.count--;
      return this.error(429, 'too_many_requests', 'Too many requests', limit.retryAfter !== undefined ? { 'retry-after': limit.retryAfter } : {});
    }
    if (!this.authorized(req)) return this.error(401, 'unauthorized', 'Unauthorized');
    const path = req.path.slice('/api/v1'.length);
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/me') return json(200, { id: Number(this.userId), email: 'studio@lens.example', name: 'Lens & Light', timezone: this.accountZone });
    if (req.method === 'GET' && path === '/appointments') return this.list(req.query);
    if ((m = /^\/appointments\/(\d+)$/.exec(path)) && req.method === 'GET') {
      const appt = this.appointments.get(Number(m[1]));
      return appt ? json(200, appt) : this.error(404, 'not_found', 'The appointment does not exist.');
    }
    if ((m = /^\/appointments\/(\d+)\/reschedule$/.exec(path)) && req.method === 'PUT') {
      const appt = this.appointments.get(Number(m[1]));
      if (!appt) return this.error(404, 'not_found', 'The appointment does not exist.');
      const body = JSON.parse(req.rawBody || '{}') as { datetime?: string };
      const start = parseAcuityDateTime(body.datetime);
      if (start === null) return this.error(400, 'invalid_datetime', 'The datetime is not valid.');
      this.place(appt, start);
      void this.notify(appt, 'appointment.rescheduled');
      return json(200, appt);
    }
    if ((m = /^\/appointments\/(\d+)\/cancel$/.exec(path)) && req.method === 'PUT') {
      const appt = this.appointments.get(Number(m[1]));
      if (!appt) return this.error(404, 'not_found', 'The appointment does not exist.');
      appt.canceled = true;
      void this.notify(appt, 'appointment.canceled');
      return json(200, appt);
    }
    if (path === '/webhooks' && req.method === 'GET') return json(200, [...this.webhooks.values()]);
    if (path === '/webhooks' && req.method === 'POST') {
      const body = JSON.parse(req.rawBody || '{}') as { event?: string; target?: string };
      if (!ACUITY_EVENTS.includes(body.event as AcuityEvent) || typeof body.target !== 'string') return this.error(400, 'invalid_webhook', 'event and target are required');
      if (this.webhooks.size >= 25) return this.error(400, 'too_many_webhooks', 'A maximum of 25 webhooks can be created.');
      const hook = { id: this.nextWebhook++, event: body.event as AcuityEvent, target: body.target, status: 'active' as const };
      this.webhooks.set(hook.id, hook);
      return json(200, hook);
    }
    if ((m = /^\/webhooks\/(\d+)$/.exec(path)) && req.method === 'DELETE') {
      if (!this.webhooks.delete(Number(m[1]))) return this.error(404, 'not_found', 'The webhook does not exist.');
      return { status: 204 };
    }
    return this.error(404, 'not_found', 'Not found');
  }

  private list(q: URLSearchParams): SandboxResponse {
    const day = (v: string | null, endOfDay: boolean): number | null => {
      if (!v) return null;
      const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      if (!d) return NaN;
      return instantOf({ year: +d[1]!, month: +d[2]!, day: +d[3]!, hour: endOfDay ? 23 : 0, minute: endOfDay ? 59 : 0, second: endOfDay ? 59 : 0 }, this.accountZone);
    };
    const min = day(q.get('minDate'), false);
    const max = day(q.get('maxDate'), true);
    if (Number.isNaN(min) || Number.isNaN(max)) return this.error(400, 'invalid_date', 'minDate and maxDate are dates, e.g. 2027-06-12');
    const limit = q.has('max') ? Number(q.get('max')) : 100;
    if (!Number.isInteger(limit) || limit < 1) return this.error(400, 'invalid_max', 'max must be a positive integer');
    const canceled = q.get('canceled') === 'true';
    const calendarID = q.get('calendarID');
    const typeID = q.get('appointmentTypeID');
    const asc = (q.get('direction') ?? 'DESC').toUpperCase() === 'ASC';
    const found = [...this.appointments.values()].filter((a) => {
      const t = parseAcuityDateTime(a.datetime)!;
      return (a.canceled === true) === canceled && (min === null || t >= min) && (max === null || t <= max)
        && (!calendarID || String(a.calendarID) === calendarID) && (!typeID || String(a.appointmentTypeID) === typeID);
    }).sort((a, b) => (parseAcuityDateTime(a.datetime)! - parseAcuityDateTime(b.datetime)!) * (asc ? 1 : -1) || (a.id - b.id));
    return json(200, found.slice(0, limit));
  }
}

export async function startAcuity(): Promise<AcuitySandbox> {
  return new AcuitySandbox().start();
}
