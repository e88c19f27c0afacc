import type { Payment, TimelineEvent } from '../../schema/index.ts';
import { SINGLETON_ID, type InboundChange, type RoutingHints } from '../core/index.ts';
import { instantOf, isKnownTimeZone, isoInZone } from '../core/calendar-time.ts';
import { clipText } from '../../schema/document/text.ts';
import type { VscoContact, VscoEvent, VscoGallery, VscoJob, VscoJobContact, VscoLocation, VscoPayment } from './wire.ts';

/** The fields each entity syncs (Adapter.fields). */
export const VSCO_FIELDS = {
  meta: ['title', 'date', 'venue'],
  guests: ['count'],
  timeline: ['title', 'start', 'end', 'location', 'category'],
  payments: ['vendorId', 'description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'paidAt'],
} as const;

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** A contact's name as the couple's: "First Last", else the display name. */
export function contactName(c: VscoContact | null | undefined): string {
  if (!c) return '';
  const full = [str(c.firstName), str(c.lastName)].filter(Boolean).join(' ');
  return full || str(c.displayAs) || str(c.name);
}

/**
 * The couple's names from a job's contacts: the `client` contacts (all contacts when none says
 * its role), primary first, at most two, joined with " & " ("Ana Smith & Ben Jones"). '' when none.
 */
export function coupleNames(jobContacts: readonly VscoJobContact[]): string {
  const clients = jobContacts.filter((c) => str(c.role).toLowerCase() === 'client');
  const pool = (clients.length ? clients : jobContacts.filter((c) => !c.role)).slice().sort((a, b) => Number(!!b.primary) - Number(!!a.primary));
  const names = pool.map((c) => contactName(c.contact)).filter(Boolean);
  return [...new Set(names)].slice(0, 2).join(' & ');
}

/** A location as one line: its name, then street and city ('' when empty). */
export function locationText(l: VscoLocation | null | undefined): string {
  if (!l) return '';
  return [l.name, l.streetAddress, l.city].map(str).filter(Boolean).join(', ');
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The routing hints a job gives: its event date, the couple's names, its location, and the zone
 * its dates are in (the studio's: VSCO gives jobs none of their own).
 */
export function jobHints(job: VscoJob, couple: string, timeZone?: string): RoutingHints {
  const date = str(job.eventDate).slice(0, 10);
  const venue = locationText(job.location);
  const text = couple || str(job.name) || str(job.title);
  return { ...(ISO_DATE.test(date) ? { date } : {}), ...(text ? { text } : {}), ...(venue ? { venue } : {}), ...(timeZone ? { timeZone } : {}) };
}

/**
 * A job → the wedding's `meta` (title: the couple's names, else the job's name; date: `eventDate`;
 * venue: the job's location when it has one) and `guests` (`count`: `guestCount`), both with the
 * job id as `reference`. Only the meta record carries the hints a new wedding is made from, so
 * that one job makes one wedding (the guest count follows it through the reference).
 */
export function mapJob(job: VscoJob, couple: string, timeZone?: string): InboundChange[] {
  const hints = jobHints(job, couple, timeZone);
  const meta: Record<string, unknown> = {};
  if (hints.text) meta.title = clipText(hints.text, 200);
  if (hints.date) meta.date = hints.date;
  if (hints.venue) meta.venue = clipText(hints.venue, 300);
  const out: InboundChange[] = [{ op: 'upsert', entity: 'meta', externalId: job.id, entityId: SINGLETON_ID, data: meta, reference: job.id, hints }];
  if (typeof job.guestCount === 'number' && Number.isInteger(job.guestCount) && job.guestCount >= 0) {
    out.push({ op: 'upsert', entity: 'guests', externalId: job.id, entityId: SINGLETON_ID, data: { count: job.guestCount }, reference: job.id });
  }
  return out;
}

/** `YYYY-MM-DD` → the next day's date. */
function nextDay(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) ? new Date(ms + 86_400_000).toISOString().slice(0, 10) : date;
}

const TIME = /^(\d{2}):(\d{2})(?::\d{2})?$/;

/** A session's wall date and time in `zone` → epoch ms (null when unreadable). Seconds are ignored, as VSCO does. */
export function wallToMs(date: string | null | undefined, time: string | null | undefined, zone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(str(date));
  if (!d) return null;
  const t = TIME.exec(str(time) || '00:00');
  if (!t) return null;
  return instantOf({ year: +d[1]!, month: +d[2]!, day: +d[3]!, hour: +t[1]!, minute: +t[2]!, second: 0 }, zone);
}

const CATEGORY_WORDS: Array<[RegExp, TimelineEvent['category']]> = [
  [/ceremon|vows/i, 'ceremony'], [/reception|party/i, 'reception'], [/cocktail/i, 'cocktail_hour'],
  [/getting ready|prep/i, 'preparation'], [/first dance/i, 'first_dance'], [/speech|toast/i, 'speeches'],
  [/dinner|meal|breakfast/i, 'meal'], [/consult|meeting|call/i, 'meeting'],
];

/** What kind of timeline event a session is, by its name; `photos` for any other shoot. */
export function categoryOf(name: string): TimelineEvent['category'] {
  return CATEGORY_WORDS.find(([re]) => re.test(name))?.[1] ?? 'photos';
}

/** The zone a session's wall times are in: its own `timezoneName`, else the configured one. */
export function zoneOf(event: VscoEvent, fallback: string): string {
  return isKnownTimeZone(event.timezoneName) ? event.timezoneName : fallback;
}

/**
 * A session → a timeline event (id: the session id, stable across pulls), times as ISO 8601 with
 * the session zone's offset; an all-day session runs from its start date's midnight to the end
 * date's next midnight. Null when it has no readable start or belongs to no job.
 */
export function mapSession(event: VscoEvent, fallbackZone: string): InboundChange | null {
  if (!event.jobId) return null;
  const zone = zoneOf(event, fallbackZone);
  const start = wallToMs(event.startDate, event.allDay ? '00:00' : event.startTime, zone);
  if (start === null) return null;
  let end = event.allDay
    ? wallToMs(nextDay(str(event.endDate) || str(event.startDate)), '00:00', zone)
    : wallToMs(event.endDate || event.startDate, event.endTime || event.startTime, zone);
  if (end === null || end < start) end = start;
  const title = clipText(str(event.name) || 'Session', 200);
  const location = locationText(event.location);
  const hints: RoutingHints = { date: str(event.startDate), timeZone: zone, ...(location ? { venue: location } : {}) };
  return {
    op: 'upsert', entity: 'timeline', externalId: event.id, reference: event.jobId, hints,
    data: { title, start: isoInZone(start, zone), end: isoInZone(end, zone), location: clipText(location, 300), category: categoryOf(title) },
  };
}

/** The `PUT /event/{id}` body that moves a session to a timeline event's start and end, as wall times in the session's zone. */
export function sessionTimes(data: { start?: unknown; end?: unknown }, zone: string): { startDate: string; startTime: string; endDate: string; endTime: string; timezoneName: string } | null {
  const start = typeof data.start === 'string' ? Date.parse(data.start) : NaN;
  const end = typeof data.end === 'string' ? Date.parse(data.end) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  const [sd, st] = isoInZone(start, zone).slice(0, 16).split('T') as [string, string];
  const [ed, et] = isoInZone(end, zone).slice(0, 16).split('T') as [string, string];
  return { startDate: sd, startTime: st, endDate: ed, endTime: et, timezoneName: zone };
}

/** VSCO's payment status → ours (README: which words are accepted). */
export function paymentStatus(status: string | null | undefined): Payment['status'] {
  switch (str(status).toLowerCase()) {
    case 'completed': case 'complete': case 'paid': case 'succeeded': case 'success': case 'applied': return 'paid';
    case 'processing': return 'processing';
    case 'failed': case 'declined': case 'error': return 'failed';
    case 'refunded': return 'refunded';
    case 'voided': case 'void': case 'cancelled': case 'canceled': return 'cancelled';
    default: return 'pending';
  }
}

/** A payment → one of the wedding's payments (amounts in minor units, as VSCO keeps them). Null without a job or a usable amount. */
export function mapPayment(p: VscoPayment, vendorId: string, defaultCurrency = 'USD'): InboundChange | null {
  if (!p.jobId || !Number.isInteger(p.amount) || p.amount < 0) return null;
  const status = paymentStatus(p.status);
  const currency = /^[A-Za-z]{3}$/.test(str(p.currencyCode)) ? str(p.currencyCode).toUpperCase() : defaultCurrency;
  const paidAt = status === 'paid' || status === 'refunded' ? toInstant(p.paidDate) ?? toInstant(p.modified) ?? '' : '';
  return {
    op: 'upsert', entity: 'payments', externalId: p.id, reference: p.jobId,
    data: {
      vendorId, description: clipText(str(p.description) || 'VSCO Workspace payment', 300), milestone: 'other',
      amount: p.amount, amountPaid: status === 'paid' || status === 'refunded' ? p.amount : 0,
      amountRefunded: status === 'refunded' ? p.amount : 0, currency, status, paidAt,
    },
  };
}

/** An ISO date or date-time → an ISO instant (a bare date is its UTC midnight); null otherwise. */
function toInstant(v: string | null | undefined): string | null {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(ISO_DATE.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * A delivered gallery is news, not a record the wedding document holds: a notice to the couple
 * (InboundChange `op: 'notice'`, kind `gallery.delivered`), routed by its job (`reference`) and sent
 * once per gallery id by the communication bridge. Null for a gallery not delivered or of no job.
 */
export function galleryNotice(g: VscoGallery): Extract<InboundChange, { op: 'notice' }> | null {
  const status = str(g.status).toLowerCase();
  if ((status !== 'delivered' && !g.deliveredAt) || !g.jobId) return null;
  const name = clipText(str(g.name) || 'Your gallery', 120);
  const url = str(g.url);
  return {
    op: 'notice', kind: 'gallery.delivered', externalId: `gallery:${g.id}`, reference: g.jobId, audience: ['couple'],
    subject: `Your photos are ready: ${name}`,
    body: url ? `Your gallery "${name}" has been delivered. View it here: ${url}` : `Your gallery "${name}" has been delivered.`,
  };
}
