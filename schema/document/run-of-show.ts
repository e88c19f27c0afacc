import { crewOf } from './contributions.ts';
import type { WeddingDoc } from './wedding-doc.ts';
import { isKnownTimeZone, wallClockAt } from './zoned-time.ts';

/**
 * A printable run-of-show: the wedding's day (or one vendor's part of it) as rows of times in the
 * wedding's zone, with locations, who is on each event with the contact details the reader may
 * see, and notes. Built from the reader's own audience document (docs/audiences.md), so it holds
 * nothing the reader could not already open: a vendor's copy has no other vendor's phone or crew
 * notes, and the model simply shows what is there. The planner app prints it (print CSS) and the
 * server renders the same model as a PDF (GET /api/weddings/{id}/run-of-show.pdf).
 */
export interface RunOfShow {
  title: string;
  /** ISO date of the wedding, or '' when not set. */
  date: string;
  /** The wedding's IANA zone every time below is written in; '' when it has none (times are then UTC). */
  timeZone: string;
  venue: string;
  /** Set when this is one vendor's part of the day. */
  vendor: RunOfShowVendor | null;
  rows: RunOfShowRow[];
}

export interface RunOfShowVendor {
  id: string;
  name: string;
  category: string;
  /** Empty when the reader may not see it. */
  email: string;
  phone: string;
}

export interface RunOfShowRow {
  eventId: string;
  /** `HH:MM` in the wedding's zone. */
  start: string;
  end: string;
  /** ISO date in the wedding's zone, for days after midnight. */
  day: string;
  /** Calendar days from `day` to the end's date in the wedding's zone (1 for 21:45–00:30), shown as `+1d`. */
  endDays: number;
  title: string;
  location: string;
  notes: string;
  vendors: RunOfShowVendor[];
  /** The crew entries the reader sees: call time (`HH:MM` in the zone, '' when none) and notes. */
  crew: Array<{ vendorId: string; vendorName: string; callTime: string; notes: string; confirmed: boolean }>;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `HH:MM` and the ISO date of an instant in `timeZone` ('' and '' for an unreadable instant). */
export function zonedClock(iso: string, timeZone: string): { time: string; day: string } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { time: '', day: '' };
  const w = wallClockAt(ms, timeZone);
  return { time: `${pad(w.hour)}:${pad(w.minute)}`, day: `${w.year}-${pad(w.month)}-${pad(w.day)}` };
}

/**
 * The run-of-show of `doc` (the reader's audience document), the whole day or, with `vendorId`,
 * only the events that vendor is on. Rows follow the timeline's order (start, then order).
 */
export function buildRunOfShow(doc: WeddingDoc, vendorId?: string): RunOfShow {
  const meta = doc.getMeta();
  const timeZone = meta.timezone && isKnownTimeZone(meta.timezone) ? meta.timezone : '';
  const zone = timeZone || 'UTC';
  const vendors = new Map(doc.listVendors().map((v) => [v.id, toVendor(v)]));
  const events = doc.listEvents().filter((e) => vendorId === undefined || e.vendorIds.includes(vendorId));
  const rows = events.map((e): RunOfShowRow => {
    const start = zonedClock(e.start, zone);
    const end = zonedClock(e.end, zone);
    const crew = crewOf(doc.ydoc, e.id);
    return {
      eventId: e.id,
      start: start.time,
      end: end.time,
      day: start.day,
      endDays: start.day && end.day ? Math.max(0, Math.round((Date.parse(`${end.day}T00:00:00Z`) - Date.parse(`${start.day}T00:00:00Z`)) / 86_400_000)) : 0,
      title: e.title,
      location: e.location,
      notes: e.notes,
      vendors: e.vendorIds.map((id) => vendors.get(id)).filter((v): v is RunOfShowVendor => v !== undefined),
      crew: Object.entries(crew)
        .filter(([id]) => vendorId === undefined || id === vendorId)
        .map(([id, c]) => ({
          vendorId: id, vendorName: vendors.get(id)?.name ?? '', callTime: c.arrival ? zonedClock(c.arrival, zone).time : '',
          notes: typeof c.notes === 'string' ? c.notes : '', confirmed: c.confirmed === true,
        })),
    };
  });
  return {
    title: meta.title ?? '', date: meta.date ?? '', timeZone, venue: meta.venue ?? '',
    vendor: vendorId === undefined ? null : vendors.get(vendorId) ?? null,
    rows,
  };
}

function toVendor(v: { id: string; name: string; category: string; email?: string; phone?: string }): RunOfShowVendor {
  return { id: v.id, name: v.name, category: v.category, email: v.email ?? '', phone: v.phone ?? '' };
}
