import { AdapterError, errorForStatus, networkError } from '../core/index.ts';
import type { AcuityAppointment } from './mappers.ts';
import type { AcuityEvent } from './config.ts';

/** A dynamic webhook subscription (`POST /webhooks`). */
export interface AcuityWebhook { id: number; event: string; target: string; status?: string }

/** `GET /appointments` filters (https://developers.acuityscheduling.com/reference/get-appointments). */
export interface AppointmentFilters {
  /** ISO date (or date-time) of the earliest appointment. */
  minDate?: string;
  maxDate?: string;
  calendarID?: number;
  appointmentTypeID?: number;
  /** Appointments per answer. Acuity's default is 100. */
  max?: number;
  direction?: 'ASC' | 'DESC';
  /** true: only canceled appointments (Acuity lists the others by default). */
  canceled?: boolean;
}

const SYSTEM = 'Acuity';

/**
 * The Acuity Scheduling API v1 wire calls: HTTP Basic auth (user id : API key), JSON bodies, errors
 * `{ status_code, message, error }` mapped by status (401/403 unauthorized, 404 gone, 429
 * rate_limited with Retry-After, 5xx transient). Every request goes through `fetchImpl` (the
 * runtime's guarded egress). Messages name the status and Acuity's `error` code, never its text.
 */
export class AcuityClient {
  private readonly auth: string;
  private readonly base: string;

  constructor(credentials: { userId: string; apiKey: string }, apiBase: string, private readonly fetchImpl: typeof fetch, private readonly timeoutMs = 10_000) {
    this.auth = `Basic ${Buffer.from(`${credentials.userId}:${credentials.apiKey}`, 'utf8').toString('base64')}`;
    this.base = apiBase.replace(/\/+$/, '');
  }

  /** `GET /me`: the account; the connection test. */
  me(): Promise<{ id?: number; email?: string; timezone?: string; name?: string }> {
    return this.request('GET', '/me');
  }

  /** `GET /appointments` with filters: one answer (Acuity returns a bare array, no paging envelope). */
  async appointments(filters: AppointmentFilters): Promise<AcuityAppointment[]> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) q.set(k, String(v));
    const body = await this.request<unknown>('GET', `/appointments${q.size ? `?${q}` : ''}`);
    if (!Array.isArray(body)) throw new AdapterError('invalid_payload', 'Acuity answered GET /appointments with something other than a list');
    return body as AcuityAppointment[];
  }

  /** `GET /appointments/{id}` (canceled ones too). @throws AdapterError `gone` (404) when it no longer exists. */
  appointment(id: string | number): Promise<AcuityAppointment> {
    return this.request('GET', `/appointments/${encodeURIComponent(String(id))}`);
  }

  /** `PUT /appointments/{id}/reschedule?admin=true` `{ datetime }`: as the business (availability not enforced). */
  reschedule(id: string | number, datetime: string): Promise<AcuityAppointment> {
    return this.request('PUT', `/appointments/${encodeURIComponent(String(id))}/reschedule?admin=true`, { datetime });
  }

  webhooks(): Promise<AcuityWebhook[]> {
    return this.request('GET', '/webhooks');
  }

  createWebhook(event: AcuityEvent, target: string): Promise<AcuityWebhook> {
    return this.request('POST', '/webhooks', { event, target });
  }

  async deleteWebhook(id: number | string): Promise<void> {
    await this.request('DELETE', `/webhooks/${encodeURIComponent(String(id))}`);
  }

  private async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: { authorization: this.auth, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw networkError(SYSTEM, error);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw acuityError(res.status, text, res.headers.get('retry-after'));
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new AdapterError('invalid_payload', `${SYSTEM} answered ${res.status} with a body that is not JSON`, { status: res.status, cause: error });
    }
  }
}

/** An error answer `{ status_code, message, error }` → the bridge's error. 404 is `gone`: the appointment or webhook no longer exists. */
export function acuityError(status: number, text: string, retryAfter: string | null): AdapterError {
  let code = '';
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string' && /^[a-z_]{1,40}$/.test(parsed.error)) code = parsed.error;
  } catch { /* not JSON: the status says enough */ }
  if (status === 404) return new AdapterError('gone', `${SYSTEM} has no such object (404${code ? ` ${code}` : ''})`, { status });
  const mapped = errorForStatus(SYSTEM, status, retryAfter);
  const message = code && mapped.code === 'permanent' ? `${SYSTEM} rejected the request (${status} ${code})` : mapped.message;
  return new AdapterError(mapped.code, message, mapped.extra);
}
