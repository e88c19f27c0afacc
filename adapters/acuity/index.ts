import crypto from 'node:crypto';
import {
  AdapterError, ReadBackCache, parseAdapterConfig,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type PullPage,
  type WebhookRequest, type WebhookVerdict, testedRemote,
} from '../core/index.ts';
import { positionAt, positioned } from '../core/snapshot-position.ts';
import { AcuityClient, type AppointmentFilters } from './client.ts';
import { ACUITY_EVENTS, AcuityConfiguration, AcuityCredentials } from './config.ts';
import {
  ACUITY_FIELDS, inScope, mapAppointment, parseNotification, planReschedule, reschedulable, signatureMatches,
  type AcuityAppointment,
} from './mappers.ts';

/** Deliveries of one appointment state read within one such window (ms, aligned to the clock) are one event. */
const DUPLICATE_WINDOW_MS = 60_000;

export const SYSTEM = 'acuity';

/** The most appointments one listing reads (a guard against a listing that never ends). */
const MAX_LISTED = 20_000;
const DAY = 86_400_000;

/** The key a verified delivery's read-back is kept under: the same request parses to it later, byte for byte. */
const deliveryKey = (request: WebhookRequest) => crypto.createHash('sha256').update(`${request.receivedAt}\n${request.rawBody}`).digest('base64url');

/**
 * Acuity Scheduling (API v1) as a booking system serving every wedding of a studio: appointments
 * become timeline events of the wedding their intake form names (`referenceField`). Inbound:
 * form-encoded webhooks signed with `X-Acuity-Signature` (base64 HMAC-SHA256 of the body with the
 * API key), which carry only ids, so each verified delivery re-fetches its appointment
 * (`GET /appointments/{id}`) and keeps the mapped change in the adapter state for `parseWebhook`;
 * a pull lists the window's appointments and canceled appointments. Outbound: a linked event moved
 * in the wedding reschedules its appointment (`PUT /appointments/{id}/reschedule`).
 */
export function createAcuityAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', AcuityConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', AcuityCredentials, input.credentials);
  const { runtime } = input;
  const client = new AcuityClient(credentials, config.apiBase, runtime.fetch);
  const readBacks = new ReadBackCache(runtime.state);
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound';
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const, 'pull' as const] : []), ...(outbound ? ['push' as const] : [])];
  const mapOptions = { referenceField: config.referenceField };
  const scope = { calendarID: config.calendarID, appointmentTypeIDs: config.appointmentTypeIDs };
  const webhookIds = () => ((runtime.state.get().webhooks ?? {}) as Record<string, number>);

  const ignored = (eventId: string, reason: string): WebhookVerdict => ({
    ok: true, eventId, ignore: true,
    reply: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: reason }) },
  });

  /**
   * Every appointment in [minDate, maxDate], oldest first. Acuity pages by nothing but `max`, so
   * the next request starts a day before the last appointment's date (dates are read in the
   * account's zone) and repeats are dropped by id; a page with nothing new asks for more at once.
   */
  async function listAll(filters: AppointmentFilters): Promise<AcuityAppointment[]> {
    const seen = new Set<number>();
    const out: AcuityAppointment[] = [];
    let minDate = filters.minDate!;
    let max = config.pageSize;
    for (;;) {
      const page = await client.appointments({ ...filters, minDate, max, direction: 'ASC' });
      let fresh = 0;
      for (const a of page) {
        if (seen.has(a.id)) continue;
        seen.add(a.id);
        out.push(a);
        fresh++;
      }
      if (page.length < max) return out;
      if (out.length >= MAX_LISTED) throw new AdapterError('permanent', `Acuity lists more than ${MAX_LISTED} appointments in the pull window: narrow it (lookbackDays, horizonDays, calendarID)`);
      const last = typeof page[page.length - 1]?.datetime === 'string' ? page[page.length - 1]!.datetime.slice(0, 10) : '';
      const next = /^\d{4}-\d{2}-\d{2}$/.test(last) ? new Date(Date.parse(`${last}T00:00:00Z`) - DAY).toISOString().slice(0, 10) : minDate;
      if (fresh === 0 || next <= minDate) max = Math.min(max * 2, MAX_LISTED);
      if (next > minDate) minDate = next;
    }
  }

  function mapListed(appointments: AcuityAppointment[], canceled: boolean): InboundChange[] {
    const out: InboundChange[] = [];
    for (const a of appointments) {
      if (!inScope(a, scope)) continue;
      try {
        out.push(mapAppointment(canceled ? { ...a, canceled: true } : a, mapOptions));
      } catch {
        // An appointment without a readable datetime cannot be placed on a timeline: skipped.
      }
    }
    return out;
  }

  return {
    system: SYSTEM,
    category: 'booking_system',
    capabilities,
    fields: ACUITY_FIELDS,

    async testConnection() {
      const me = await client.me();
      return me.id === undefined ? undefined : testedRemote(String(me.id), me.email ?? me.name);
    },

    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerdict> {
      if (!inbound) return { ok: false, code: 'signature_invalid', message: 'this connection is outbound only' };
      // The raw body exactly as received: the signature covers its bytes.
      if (!signatureMatches(request.rawBody, request.headers['x-acuity-signature'], credentials.apiKey)) {
        return { ok: false, code: 'signature_invalid', message: 'X-Acuity-Signature does not match the body signed with the API key' };
      }
      let notification;
      try {
        notification = parseNotification(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      if (!inScope(notification, scope)) return ignored(`appointment:${notification.id}:out-of-scope`, 'not a calendar or appointment type this connection reads');
      // The delivery carries ids only: read the appointment as it is now. A failure throws (5xx), and Acuity delivers again.
      let change: InboundChange;
      const readAt = runtime.now();
      try {
        const appt = await client.appointment(notification.id);
        if (!inScope(appt, scope)) return ignored(`appointment:${notification.id}:out-of-scope`, 'not a calendar or appointment type this connection reads');
        change = mapAppointment(appt, mapOptions);
      } catch (error) {
        if (!(error instanceof AdapterError)) throw error;
        if (error.code === 'gone') change = { op: 'delete', entity: 'timeline', externalId: String(notification.id) };
        else if (error.code === 'invalid_payload') return { ok: false, code: 'invalid_payload', message: error.message };
        else throw error;
      }
      // Deliveries of one state read within the same minute (`changed` alongside `scheduled`, a quick
      // retry) are one event; a new state is a new one, and so is a return to an earlier state later
      // on (moved, then moved back): by the state alone it would be taken as a duplicate of the
      // first move's event for as long as the inbox remembers it (RETENTION_DAYS).
      const state = crypto.createHash('sha256').update(JSON.stringify(change)).digest('base64url').slice(0, 22);
      const eventId = `appointment:${notification.id}:${state}:${Math.floor(readAt / DUPLICATE_WINDOW_MS)}`;
      readBacks.set(deliveryKey(request), [positioned(change, readAt)]);
      return { ok: true, eventId };
    },

    parseWebhook(request: WebhookRequest) {
      parseNotification(request.rawBody);
      const changes = readBacks.get(deliveryKey(request));
      // Read back at verification; when that is gone (a restart lost nothing: state is persisted), pull.
      return changes ? { changes } : { changes: [], pull: true };
    },

    async pull(): Promise<PullPage> {
      const now = runtime.now();
      const minDate = new Date(now - config.lookbackDays * DAY).toISOString().slice(0, 10);
      const maxDate = new Date(now + config.horizonDays * DAY).toISOString().slice(0, 10);
      // One appointment type per request is all Acuity filters on; several are filtered here.
      const appointmentTypeID = config.appointmentTypeIDs?.length === 1 ? config.appointmentTypeIDs[0] : undefined;
      const filters: AppointmentFilters = { minDate, maxDate, ...(config.calendarID ? { calendarID: config.calendarID } : {}), ...(appointmentTypeID ? { appointmentTypeID } : {}) };
      const active = await listAll(filters);
      const canceled = await listAll({ ...filters, canceled: true });
      return { changes: [...mapListed(active, false), ...mapListed(canceled, true)].map((c) => positioned(c, now)), cursor: null, more: false };
    },

    accepts(change) {
      return outbound && reschedulable(change);
    },

    async push(change) {
      const plan = planReschedule(change);
      if (!plan) return { externalId: change.externalId };
      const appt = await client.reschedule(plan.id, plan.datetime);
      const wrote = runtime.now();
      // Acuity keeps the type's duration: the end it computed comes back to the wedding.
      let changes: InboundChange[] = [];
      try {
        changes = [positioned(mapAppointment(appt, mapOptions), wrote)];
      } catch {
        changes = [];
      }
      return { externalId: plan.id, changes, ...positionAt(wrote) };
    },

    async activate() {
      if (!inbound || !config.registerWebhooks) return;
      const known = { ...webhookIds() };
      const existing = await client.webhooks();
      for (const event of ACUITY_EVENTS) {
        const live = existing.find((w) => w.event === event && w.target === runtime.webhookUrl);
        if (live) {
          known[event] = live.id;
          continue;
        }
        known[event] = (await client.createWebhook(event, runtime.webhookUrl)).id;
        runtime.state.set({ ...runtime.state.get(), webhooks: known });
      }
      runtime.state.set({ ...runtime.state.get(), webhooks: known });
    },

    async deactivate() {
      const known = webhookIds();
      for (const id of Object.values(known)) {
        try {
          await client.deleteWebhook(id);
        } catch (error) {
          if (!(error instanceof AdapterError && error.code === 'gone')) throw error;
        }
      }
      runtime.state.set({ ...runtime.state.get(), webhooks: {} });
    },
  };
}

export const acuityAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  category: 'booking_system',
  capabilities: ['webhook', 'pull', 'push'],
  description: 'Acuity Scheduling: appointments (consultations, shoots, tastings) onto the timeline of the wedding their intake form names; a moved event reschedules its appointment.',
  configuration: AcuityConfiguration,
  create: createAcuityAdapter,
  servesManyWeddings: true,
  fields: ACUITY_FIELDS,
};
