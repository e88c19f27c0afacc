import crypto from 'node:crypto';
import { AdapterError, parseDeliveryForm, type InboundChange, type OutboundChange, type RoutingHints } from '../core/index.ts';
import { instantOf, isKnownTimeZone, isoInZone, wallTimeOf } from '../core/calendar-time.ts';
import { clipText } from '../../schema/document/text.ts';

/**
 * Pure mapping between Acuity appointments (https://developers.acuityscheduling.com/reference/get-appointments)
 * and the wedding's timeline. No I/O.
 */

/** The timeline fields an Acuity appointment carries (compared, hashed and conflict-checked by the bridge). */
export const ACUITY_FIELDS = { timeline: ['title', 'start', 'end', 'location', 'notes', 'category', 'vendorIds'] } as const;

/** An intake-form answer (`forms[].values[]`). */
export interface AcuityFormValue { id?: number; fieldID?: number; name?: string; value?: string | null }
export interface AcuityLabel { id?: number; name?: string; color?: string }

/** An appointment as `GET /appointments` and `GET /appointments/{id}` return it (the fields we read). */
export interface AcuityAppointment {
  id: number;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** Start with its offset, `2027-06-12T14:00:00+0100` (Acuity writes the offset without a colon). */
  datetime: string;
  /** Wall-clock end in the appointment's zone, `3:00pm`. */
  endTime?: string;
  /** IANA zone of `datetime`/`endTime`. */
  timezone?: string;
  /** Minutes, a string in the answers seen (`"60"`); numbers accepted. */
  duration?: string | number;
  /** The appointment type's name. */
  type?: string;
  appointmentTypeID?: number;
  calendarID?: number;
  calendar?: string;
  location?: string | null;
  notes?: string | null;
  canceled?: boolean;
  forms?: Array<{ id?: number; name?: string; values?: AcuityFormValue[] }> | null;
  formsText?: string | null;
  labels?: AcuityLabel[] | null;
}

export interface MapOptions {
  /** Intake-form field (name or fieldID) holding the reference. */
  referenceField: string | number;
}

/** `2027-06-12T14:00:00+0100`, `…+01:00` or `…Z` → epoch ms; null when unreadable. */
export function parseAcuityDateTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return null;
  const offset = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}${offset}`);
  return Number.isFinite(ms) ? ms : null;
}

/** `3:00pm`, `15:00`, `3pm` → minutes after midnight; null when unreadable. */
export function parseWallClock(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$/i.exec(value);
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (minute > 59) return null;
  if (m[3]) {
    if (hour < 1 || hour > 12) return null;
    const pm = m[3].toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  } else if (hour > 23 || m[2] === undefined) return null;
  return hour * 60 + minute;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** The answer of the configured intake-form field (by `fieldID` or name), trimmed; null when unanswered. */
export function referenceOf(appt: AcuityAppointment, field: string | number): string | null {
  for (const form of appt.forms ?? []) {
    for (const v of form.values ?? []) {
      const hit = typeof field === 'number' ? v.fieldID === field : typeof v.name === 'string' && norm(v.name) === norm(field) && norm(field) !== '';
      if (hit && typeof v.value === 'string' && v.value.trim()) return clipText(v.value.trim(), 200);
    }
  }
  return null;
}

/** Where the appointment ends (ms): start + `duration`, else `endTime` on the start's day in its zone (next day when earlier). */
export function endOf(appt: AcuityAppointment, startMs: number, zone: string | null): number {
  const minutes = Number(appt.duration);
  if (appt.duration !== undefined && appt.duration !== '' && Number.isFinite(minutes) && minutes >= 0) return startMs + minutes * 60_000;
  const wall = parseWallClock(appt.endTime);
  if (wall !== null && zone) {
    const day = wallTimeOf(startMs, zone);
    let end = instantOf({ ...day, hour: Math.floor(wall / 60), minute: wall % 60, second: 0 }, zone);
    if (end < startMs) end = instantOf({ ...wallTimeOf(startMs + 86_400_000, zone), hour: Math.floor(wall / 60), minute: wall % 60, second: 0 }, zone);
    return end;
  }
  return startMs;
}

/** `+01:00` style ISO of the instant with the offset the appointment was written with (no known zone). */
function isoWithOffset(ms: number, datetime: string): string {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(datetime);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const shifted = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function clientName(appt: AcuityAppointment): string {
  return [appt.firstName, appt.lastName].map((s) => (typeof s === 'string' ? s.trim() : '')).filter(Boolean).join(' ');
}

/** `Engagement shoot: Ana Smith` (type, client), within the timeline's 200 characters. */
export function titleOf(appt: AcuityAppointment): string {
  const type = typeof appt.type === 'string' && appt.type.trim() ? appt.type.trim() : 'Appointment';
  const who = clientName(appt);
  return clipText(who ? `${type}: ${who}` : type, 200);
}

/**
 * One appointment → one timeline change: `delete` when canceled, else `upsert` with title, start and
 * end (ISO 8601 in the appointment's zone; the same instants Acuity names), location and notes.
 * Carries `reference` (the intake-form answer) and `hints` for routing across weddings.
 * @throws AdapterError `invalid_payload` when the appointment has no id or no readable `datetime`.
 */
export function mapAppointment(appt: AcuityAppointment, options: MapOptions): Extract<InboundChange, { op: 'upsert' | 'delete' }> {
  if (!appt || typeof appt !== 'object' || (typeof appt.id !== 'number' && typeof appt.id !== 'string')) throw new AdapterError('invalid_payload', 'an Acuity appointment without an id');
  const externalId = String(appt.id);
  const reference = referenceOf(appt, options.referenceField);
  const start = parseAcuityDateTime(appt.datetime);
  if (start === null) throw new AdapterError('invalid_payload', `Acuity appointment ${externalId} has no readable datetime`);
  const zone = isKnownTimeZone(appt.timezone) ? appt.timezone : null;
  const iso = (ms: number) => (zone ? isoInZone(ms, zone) : isoWithOffset(ms, appt.datetime));
  const date = iso(start).slice(0, 10);
  const location = typeof appt.location === 'string' ? clipText(appt.location.trim(), 300) : '';
  const hints: RoutingHints = {
    date, text: titleOf(appt), ...(zone ? { timeZone: zone } : {}), ...(location ? { venue: location } : {}),
  };
  const routed = { ...(reference ? { reference } : {}), hints };
  if (appt.canceled === true) return { op: 'delete', entity: 'timeline', externalId, ...routed };
  const end = Math.max(start, endOf(appt, start, zone));
  return {
    op: 'upsert', entity: 'timeline', externalId, ...routed,
    data: {
      title: titleOf(appt), start: iso(start), end: iso(end), location,
      notes: typeof appt.notes === 'string' ? clipText(appt.notes, 20_000) : '', category: 'meeting',
    },
  };
}

/** Whether the appointment is on the configured calendar and of a configured type. */
export function inScope(appt: Pick<AcuityAppointment, 'calendarID' | 'appointmentTypeID'>, scope: { calendarID?: number | undefined; appointmentTypeIDs?: number[] | undefined }): boolean {
  if (scope.calendarID !== undefined && appt.calendarID !== undefined && Number(appt.calendarID) !== scope.calendarID) return false;
  if (scope.appointmentTypeIDs?.length && appt.appointmentTypeID !== undefined && !scope.appointmentTypeIDs.includes(Number(appt.appointmentTypeID))) return false;
  return true;
}

/** A webhook delivery's form body (`action=…&id=…&calendarID=…&appointmentTypeID=…`). */
export interface AcuityNotification {
  /** `scheduled`, `rescheduled`, `canceled`, `changed` (static webhooks) or the `appointment.`-prefixed event (dynamic). */
  action: string;
  id: number;
  calendarID?: number;
  appointmentTypeID?: number;
}

const ACTIONS = new Set(['scheduled', 'rescheduled', 'canceled', 'cancelled', 'changed']);

/**
 * Parses an `application/x-www-form-urlencoded` delivery.
 * @throws AdapterError `invalid_payload` when it names no appointment or an action we do not know.
 */
export function parseNotification(rawBody: string): AcuityNotification {
  const form = parseDeliveryForm(rawBody);
  const action = (form.get('action') ?? '').trim();
  const id = Number(form.get('id'));
  if (!Number.isSafeInteger(id) || id <= 0) throw new AdapterError('invalid_payload', 'an Acuity webhook without an appointment id');
  if (!ACTIONS.has(action.replace(/^appointment\./, ''))) throw new AdapterError('invalid_payload', `an Acuity webhook with an unknown action "${clipText(action, 40)}"`);
  const num = (k: string) => {
    const n = Number(form.get(k));
    return form.get(k) !== null && Number.isSafeInteger(n) ? n : undefined;
  };
  const calendarID = num('calendarID');
  const appointmentTypeID = num('appointmentTypeID');
  return { action, id, ...(calendarID !== undefined ? { calendarID } : {}), ...(appointmentTypeID !== undefined ? { appointmentTypeID } : {}) };
}

/** `X-Acuity-Signature`: base64 HMAC-SHA256 of the raw body, keyed with the API key. */
export function acuitySignature(rawBody: string, apiKey: string): string {
  return crypto.createHmac('sha256', apiKey).update(rawBody, 'utf8').digest('base64');
}

/** Constant-time check of `X-Acuity-Signature`. */
export function signatureMatches(rawBody: string, header: string | undefined, apiKey: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(acuitySignature(rawBody, apiKey), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * Whether a timeline change may go to Acuity at all (the outbox plans it): an upsert of an event
 * linked to an appointment, with a start. Whether it moved is judged at push time (`planReschedule`),
 * when the bridge supplies the last synced values.
 */
export function reschedulable(change: OutboundChange): boolean {
  return change.entity === 'timeline' && change.op === 'upsert' && !!change.externalId && !!change.data
    && typeof change.data.start === 'string' && Number.isFinite(Date.parse(change.data.start));
}

/**
 * What a timeline push does in Acuity: only a linked appointment's new start is written
 * (`PUT /appointments/{id}/reschedule`); Acuity keeps the type's duration, so the end follows.
 * Null when the start is what Acuity last had (another field changed: Acuity's own title, notes
 * and location stay Acuity's).
 */
export function planReschedule(change: OutboundChange): { id: string; datetime: string } | null {
  if (!reschedulable(change)) return null;
  const start = change.data!.start as string;
  // Without a last synced start there is nothing to say it moved here (an echo of Acuity's own).
  const before = change.base?.start;
  if (typeof before !== 'string' || Date.parse(before) === Date.parse(start)) return null;
  return { id: change.externalId!, datetime: start };
}
