import * as Y from 'yjs';
import { WeddingDoc, weddingIdOf, type TimelineEvent, type TxOrigin } from '../../schema/index.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { CommsService } from './comms-service.ts';
import type { Job } from './job-queue.ts';
import { activeVendors } from './recipients.ts';
import { rootInTransaction, type YType } from './y-roots.ts';

/**
 * The brief's cascades for the timeline and guests: a change made by one party notifies the others
 * who depend on it.
 * - guest count changed (by the caterer's system, or anyone) → florist and rentals get the new number;
 * - ceremony time changed → every vendor gets the new time (their calendars follow through the
 *   calendar integrations, which push timeline changes on their own).
 * The change and the job that will notify are stored in one transaction; the notification waits
 * `delay` ms so that a burst of edits sends one message with the final value.
 */
export const CASCADE_KINDS = { guests: 'cascade.guests', ceremony: 'cascade.ceremony' } as const;

/** Vendor categories that plan by the guest count. */
const GUEST_COUNT_CATEGORIES = new Set(['florist', 'rentals']);

interface GuestsPayload { count: number; previous: number | null; changedBy: string; changedByVendorId: string | null }
interface CeremonyPayload { eventId: string; start: string; end: string; previousStart: string | null; changedBy: string; changedByVendorId: string | null }

/** Whose change it was, for the message ("Cater Co (via webhooks)"), and the vendor to leave out of the notification. */
export function describeChanger(bridge: Bridge, w: WeddingDoc, origin: TxOrigin): { label: string; vendorId: string | null } {
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
  constructor(private readonly bridge: Bridge, private readonly comms: CommsService, private readonly delayMs: number) {
    bridge.onDocumentUpdate(this.onDocumentUpdate);
    comms.jobs.register(CASCADE_KINDS.guests, (job) => this.notifyGuests(job as Job<GuestsPayload>));
    comms.jobs.register(CASCADE_KINDS.ceremony, (job) => this.notifyCeremony(job as Job<CeremonyPayload>));
  }

  private readonly onDocumentUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction): void => {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId) return;
    const guests = doc.share.has('guests') ? rootInTransaction(tr, doc.getMap('guests')) : null;
    const timeline = doc.share.has('timeline') ? doc.getMap<Y.Map<unknown>>('timeline') : null;
    const timelineInTr = timeline ? rootInTransaction(tr, timeline) : null;
    const guestsChanged = !!guests && (tr.changed.get(guests)?.has('count') ?? false);
    if (!guestsChanged && !timelineInTr) return;
    const origin = describeOrigin(tr.origin);
    const w = new WeddingDoc(doc);
    const now = this.bridge.clock();
    const { lastSeen, jobs } = this.comms;
    if (guestsChanged) {
      const count = w.getGuests().count;
      const previous = lastSeen.swap<number | null>(weddingId, 'guests.count', count ?? null);
      if (typeof count === 'number' && previous !== count) {
        const by = describeChanger(this.bridge, w, origin);
        jobs.enqueue<GuestsPayload>(
          { weddingId, kind: CASCADE_KINDS.guests, key: `${weddingId}:guests`, payload: { count, previous: previous ?? null, changedBy: by.label, changedByVendorId: by.vendorId }, notBefore: now + this.delayMs },
          (older, newer) => ({ ...newer, previous: older.previous }),
        );
      }
    }
    if (timeline && timelineInTr) {
      for (const { event, created } of changedCeremonies(w, timeline, timelineInTr, tr)) {
        const previous = lastSeen.swap<{ start: string; end: string } | null>(weddingId, `ceremony.${event.id}`, { start: event.start, end: event.end });
        // A ceremony being planned is not news; a ceremony that moves is.
        if (created || (previous && Date.parse(previous.start) === Date.parse(event.start) && Date.parse(previous.end) === Date.parse(event.end))) continue;
        const by = describeChanger(this.bridge, w, origin);
        jobs.enqueue<CeremonyPayload>(
          { weddingId, kind: CASCADE_KINDS.ceremony, key: `${weddingId}:ceremony:${event.id}`, payload: { eventId: event.id, start: event.start, end: event.end, previousStart: previous?.start ?? null, changedBy: by.label, changedByVendorId: by.vendorId }, notBefore: now + this.delayMs },
          (older, newer) => ({ ...newer, previousStart: older.previousStart }),
        );
      }
    }
  };

  private async notifyGuests(job: Job<GuestsPayload>): Promise<void> {
    const p = job.payload;
    await this.comms.sendSystemMessage(job.weddingId, (w) => {
      if (w.getGuests().count !== p.count) return null; // changed again since: a later job carries the newer number
      const recipients = activeVendors(w).filter((v) => GUEST_COUNT_CATEGORIES.has(v.role) && v.id !== p.changedByVendorId);
      const was = p.previous === null ? '' : ` (was ${p.previous})`;
      return {
        id: `cascade-guests-${job.id}`, senderId: 'wedsync', recipients, subject: `Guest count: ${p.count}`,
        body: `The guest count for ${w.getMeta().title || 'the wedding'} is now ${p.count}${was}, updated by ${p.changedBy}. Please adjust your numbers.`,
        priority: w.getMeta().weddingDayMode ? 'high' : 'normal', type: 'cascade.guest_count', requiresAck: false, escalateAfterSeconds: null, broadcast: false,
        context: { count: String(p.count), ...(p.previous === null ? {} : { previous: String(p.previous) }) },
      };
    }, 'comms.cascade');
  }

  private async notifyCeremony(job: Job<CeremonyPayload>): Promise<void> {
    const p = job.payload;
    await this.comms.sendSystemMessage(job.weddingId, (w) => {
      const event = w.getEvent(p.eventId);
      if (!event || event.start !== p.start || event.end !== p.end) return null;
      const tz = w.getMeta().timezone;
      const recipients = activeVendors(w).filter((v) => v.id !== p.changedByVendorId);
      const was = p.previousStart ? ` (was ${formatWhen(p.previousStart, tz)})` : '';
      return {
        id: `cascade-ceremony-${job.id}`, senderId: 'wedsync', recipients, subject: `Ceremony time changed: ${formatWhen(p.start, tz)}`,
        body: `The ceremony${event.location ? ` at ${event.location}` : ''} now starts ${formatWhen(p.start, tz)} and ends ${formatWhen(p.end, tz)}${was}, changed by ${p.changedBy}. Calendars connected to WedSync are updated automatically.`,
        priority: 'high', type: 'cascade.ceremony_time', requiresAck: false, escalateAfterSeconds: null, broadcast: false,
        context: { eventId: p.eventId, start: p.start },
      };
    }, 'comms.cascade');
  }
}

/** Ceremony events this transaction created, or whose start, end or category it changed. */
function changedCeremonies(w: WeddingDoc, timeline: Y.Map<Y.Map<unknown>>, recorded: YType, tr: Y.Transaction): { event: TimelineEvent; created: boolean }[] {
  const out = new Map<string, boolean>();
  // New events: keys added to the timeline map in this transaction (changes inside new maps are not listed).
  for (const key of tr.changed.get(recorded) ?? []) {
    const m = key === null ? undefined : timeline.get(key);
    if (key !== null && m?._item && m._item.id.clock >= (tr.beforeState.get(m._item.id.client) ?? 0)) out.set(key, true);
  }
  for (const [type, keys] of tr.changed) {
    if (!(type instanceof Y.Map) || type._item?.parent !== timeline) continue;
    if (!keys.has('start') && !keys.has('end') && !keys.has('category')) continue;
    const id = type._item.parentSub;
    if (id && !out.has(id)) out.set(id, false);
  }
  return [...out.entries()].flatMap(([id, created]) => {
    const event = w.getEvent(id);
    return event && event.category === 'ceremony' ? [{ event, created }] : [];
  });
}
