import * as Y from 'yjs';
import { WeddingDoc, weddingIdOf, type TimelineEvent, type TxOrigin } from '../../schema/index.ts';
import type { CommsBridge } from '../bridge/bridge-context.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { CommsService } from './comms-service.ts';
import type { CommsWrites } from './comms-writes.ts';
import type { NotificationItem } from './notifier.ts';
import { activeVendors } from './recipients.ts';
import { rootInTransaction, type YType } from './y-roots.ts';

/**
 * The brief's cascades for the timeline and guests: a change made by one party notifies the others
 * who depend on it, and only them (booked vendors; see Notifier for batching and the wedding's mode).
 * - guest count changed (by the caterer's system, or anyone) → the booked florists and rentals, who
 *   plan by the number;
 * - ceremony time changed → the booked vendors assigned to that ceremony (its `vendorIds`); a vendor
 *   not assigned to it has nothing to change (their calendars follow through the calendar
 *   integrations anyway).
 * The one who made the change is never told of it. A ceremony being created is planning, not news.
 * What was last told is a last-seen value swapped with the change (CommsWrites.swapLastSeen, in its
 * transaction on either backend); everything the decision needs of the document is read first.
 */
export const CASCADE_KINDS = { guests: 'cascade.guests', ceremony: 'cascade.ceremony' } as const;

/** Vendor categories that plan by the guest count. */
const GUEST_COUNT_CATEGORIES = new Set(['florist', 'rentals']);

interface GuestsPayload { count: number; previous: number | null; changedBy: string; changedByVendorId: string | null }
interface CeremonyPayload { eventId: string; start: string; end: string; previousStart: string | null; previousEnd?: string | null; changedBy: string; changedByVendorId: string | null }

/** Whose change it was, for the message ("Cater Co (via webhooks)"), and the vendor to leave out of the notification. */
export function describeChanger(bridge: Pick<CommsBridge, 'registry'>, w: WeddingDoc, origin: TxOrigin): { label: string; vendorId: string | null } {
  switch (origin.kind) {
    case 'adapter': {
      const live = bridge.registry.get(origin.integrationId);
      const vendorId = live?.integration.vendorId ?? null;
      const vendor = vendorId ? w.getVendor(vendorId) : undefined;
      return { label: vendor ? `${vendor.name} (via ${origin.system})` : origin.system, vendorId };
    }
    case 'client': return { label: 'the planning team', vendorId: null };
    case 'admin': return { label: 'the planning team', vendorId: null };
    case 'system': return { label: 'WedSync', vendorId: null };
    default: {
      const never: never = origin;
      return { label: String(never), vendorId: null };
    }
  }
}

/** Formats an instant in the wedding's time zone: "Sat 13 Jun, 15:00". */
export function formatWhen(iso: string, timeZone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: timeZone || 'UTC', weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  } catch {
    return iso;
  }
}

export class Cascades {
  constructor(private readonly bridge: CommsBridge, private readonly comms: CommsService) {
    comms.changes.onUpdate('comms_cascades', this.onDocumentUpdate);
    comms.notifier.register<GuestsPayload>(CASCADE_KINDS.guests, { compose: composeGuests, merge: (older, newer) => ({ ...newer, previous: older.previous }) });
    comms.notifier.register<CeremonyPayload>(CASCADE_KINDS.ceremony, { compose: composeCeremony, merge: (older, newer) => ({ ...newer, previousStart: older.previousStart, previousEnd: older.previousEnd ?? null }) });
  }

  private readonly onDocumentUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction, writes: CommsWrites): void => {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId) return;
    const guests = doc.share.has('guests') ? rootInTransaction(tr, doc.getMap('guests')) : null;
    const timeline = doc.share.has('timeline') ? doc.getMap<Y.Map<unknown>>('timeline') : null;
    const timelineInTr = timeline ? rootInTransaction(tr, timeline) : null;
    const guestsChanged = !!guests && (tr.changed.get(guests)?.has('count') ?? false);
    if (!guestsChanged && !timelineInTr) return;
    const origin = describeOrigin(tr.origin);
    const w = new WeddingDoc(doc);
    const { notifier } = this.comms;
    // Read now: on PostgreSQL the swaps' steps run after the Yjs transaction.
    let changer: ReturnType<typeof describeChanger> | undefined;
    const by = () => (changer ??= describeChanger(this.bridge, w, origin));
    if (guestsChanged) {
      const count = w.getGuests().count;
      const changedBy = typeof count === 'number' ? by() : null;
      writes.swapLastSeen<number | null>(weddingId, 'guests.count', count ?? null, (previous) => {
        if (typeof count !== 'number' || previous === count || !changedBy) return;
        notifier.collect<GuestsPayload>(writes, weddingId, CASCADE_KINDS.guests, 'guests', { count, previous: previous ?? null, changedBy: changedBy.label, changedByVendorId: changedBy.vendorId });
      });
    }
    if (timeline && timelineInTr) {
      for (const { event, created, timeChanged } of changedCeremonies(w, timeline, timelineInTr, tr)) {
        // A ceremony being planned is not news (created, or an event that became the ceremony, or
        // anything else about it changed); a ceremony that moves is.
        const news = !created && timeChanged;
        const changedBy = news ? by() : null;
        writes.swapLastSeen<{ start: string; end: string } | null>(weddingId, `ceremony.${event.id}`, { start: event.start, end: event.end }, (previous) => {
          if (!changedBy) return;
          if (previous && Date.parse(previous.start) === Date.parse(event.start) && Date.parse(previous.end) === Date.parse(event.end)) return;
          notifier.collect<CeremonyPayload>(writes, weddingId, CASCADE_KINDS.ceremony, `ceremony:${event.id}`, { eventId: event.id, start: event.start, end: event.end, previousStart: previous?.start ?? null, previousEnd: previous?.end ?? null, changedBy: changedBy.label, changedByVendorId: changedBy.vendorId });
        });
      }
    }
  };
}

function composeGuests(w: WeddingDoc, p: GuestsPayload): NotificationItem | null {
  const count = w.getGuests().count;
  // Changed back to what people were last told: nothing to say.
  if (typeof count !== 'number' || count === p.previous) return null;
  const recipients = activeVendors(w).filter((v) => GUEST_COUNT_CATEGORIES.has(v.role) && v.id !== p.changedByVendorId);
  const was = p.previous === null ? '' : ` (was ${p.previous})`;
  return {
    recipients, subject: `Guest count: ${count}`,
    body: `The guest count for ${w.getMeta().title || 'the wedding'} is now ${count}${was}, updated by ${p.changedBy}. Please adjust your numbers.`,
    priority: w.getMeta().weddingDayMode ? 'high' : 'normal', type: 'cascade.guest_count',
    reason: `guest count changed to ${count}${was} by ${p.changedBy}; sent to booked florists and rentals, who plan by the number`,
    context: { count: String(count), ...(p.previous === null ? {} : { previous: String(p.previous) }) },
  };
}

function composeCeremony(w: WeddingDoc, p: CeremonyPayload): NotificationItem | null {
  const event = w.getEvent(p.eventId);
  if (!event || event.category !== 'ceremony') return null;
  // Moved back to where it was: nothing to say.
  if (p.previousStart && p.previousEnd && Date.parse(p.previousStart) === Date.parse(event.start) && Date.parse(p.previousEnd) === Date.parse(event.end)) return null;
  const tz = w.getMeta().timezone;
  const recipients = activeVendors(w).filter((v) => event.vendorIds.includes(v.id) && v.id !== p.changedByVendorId);
  const was = p.previousStart ? ` (was ${formatWhen(p.previousStart, tz)})` : '';
  return {
    recipients, subject: `Ceremony time changed: ${formatWhen(event.start, tz)}`,
    body: `The ceremony${event.location ? ` at ${event.location}` : ''} now starts ${formatWhen(event.start, tz)} and ends ${formatWhen(event.end, tz)}${was}, changed by ${p.changedBy}. Times are in ${tz || 'UTC'} time. Calendars connected to WedSync are updated automatically.`,
    priority: w.getMeta().weddingDayMode ? 'high' : 'normal', type: 'cascade.ceremony_time',
    reason: `ceremony "${event.title}" moved to ${formatWhen(event.start, tz)}${was} by ${p.changedBy}; sent to the booked vendors assigned to it`,
    context: { eventId: event.id, start: event.start },
  };
}

/**
 * Ceremony events this transaction created, or whose start, end or category it changed, with
 * whether their time changed (an event that only became the ceremony did not move).
 */
function changedCeremonies(w: WeddingDoc, timeline: Y.Map<Y.Map<unknown>>, recorded: YType, tr: Y.Transaction): { event: TimelineEvent; created: boolean; timeChanged: boolean }[] {
  const out = new Map<string, { created: boolean; timeChanged: boolean }>();
  // New events: keys added to the timeline map in this transaction (changes inside new maps are not listed).
  for (const key of tr.changed.get(recorded) ?? []) {
    const m = key === null ? undefined : timeline.get(key);
    if (key !== null && m?._item && m._item.id.clock >= (tr.beforeState.get(m._item.id.client) ?? 0)) out.set(key, { created: true, timeChanged: true });
  }
  for (const [type, keys] of tr.changed) {
    if (!(type instanceof Y.Map) || type._item?.parent !== timeline) continue;
    const timeChanged = keys.has('start') || keys.has('end');
    if (!timeChanged && !keys.has('category')) continue;
    const id = type._item.parentSub;
    if (id && !out.has(id)) out.set(id, { created: false, timeChanged });
  }
  return [...out.entries()].flatMap(([id, change]) => {
    const event = w.getEvent(id);
    return event && event.category === 'ceremony' ? [{ event, ...change }] : [];
  });
}
