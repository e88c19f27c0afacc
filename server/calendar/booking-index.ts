import type * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { changedEntities } from '../bridge/entity-access.ts';
import type { Db } from '../storage/database.ts';

export interface Booking { weddingId: string; eventId: string; vendorId: string; startMs: number; endMs: number; title: string }

interface Row { wedding_id: string; event_id: string; vendor_id: string; start_ms: number; end_ms: number; title: string }
const toBooking = (r: Row): Booking => ({ weddingId: r.wedding_id, eventId: r.event_id, vendorId: r.vendor_id, startMs: r.start_ms, endMs: r.end_ms, title: r.title });

/**
 * What the calendar reads of the booking index, on either backend: BookingIndex (SQLite, through
 * sqliteBookingRecords) and PostgresBookingIndex keep this contract
 * (tests/calendar/booking-records-backends.test.ts). Times are ms since the epoch, UTC.
 */
export interface BookingRecords {
  /** The vendor's bookings overlapping [fromMs, toMs), by start, then wedding and event id (code point order). */
  bookings(vendorId: string, fromMs: number, toMs: number): Promise<Booking[]>;
  /** The vendors booked in the wedding, in code point order. */
  vendorsOf(weddingId: string): Promise<string[]>;
  /** Whether the wedding's whole timeline has been indexed (at its first update since the index exists, or by indexWhole). */
  isIndexed(weddingId: string): Promise<boolean>;
  /**
   * Indexes the whole wedding as `doc` is at the call (read before it returns, so it may be called
   * inside the document's withDocument), unless the wedding is indexed already; resolves, once
   * committed, with the vendors it booked (empty when it was indexed already). For weddings stored
   * before the index existed and not updated since (CalendarService's backfill at start).
   */
  indexWhole(weddingId: string, doc: WeddingDoc): Promise<Set<string>>;
}

/** BookingRecords over the SQLite BookingIndex (whose calls are synchronous: each promise is settled when returned). */
export function sqliteBookingRecords(index: BookingIndex): BookingRecords {
  return {
    bookings: async (vendorId, fromMs, toMs) => index.bookings(vendorId, fromMs, toMs),
    vendorsOf: async (weddingId) => index.vendorsOf(weddingId),
    isIndexed: async (weddingId) => index.isIndexed(weddingId),
    indexWhole: async (weddingId, doc) => (index.isIndexed(weddingId) ? new Set<string>() : index.reindex(weddingId, doc)),
  };
}

/**
 * Which vendor is booked when, across every wedding: a vendor is booked for a timeline event they
 * are assigned to. Kept from document updates, inside the transaction that stores each update, so
 * the index never disagrees with what the server has acknowledged.
 */
export class BookingIndex {
  private readonly forEvent;
  private readonly deleteEvent;
  private readonly insert;
  private readonly deleteWedding;
  private readonly markIndexed;
  private readonly known = new Set<string>();
  private readonly indexed;
  private readonly forVendor;
  private readonly forWedding;

  constructor(private readonly db: Db) {
    this.forEvent = db.prepare('SELECT vendor_id FROM vendor_bookings WHERE wedding_id = ? AND event_id = ?').pluck();
    this.deleteEvent = db.prepare('DELETE FROM vendor_bookings WHERE wedding_id = ? AND event_id = ?');
    this.insert = db.prepare('INSERT OR REPLACE INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, ?, ?, ?)');
    this.deleteWedding = db.prepare('DELETE FROM vendor_bookings WHERE wedding_id = ?');
    this.markIndexed = db.prepare('INSERT OR REPLACE INTO vendor_booking_weddings (wedding_id, indexed_at) VALUES (?, ?)');
    this.indexed = db.prepare('SELECT 1 FROM vendor_booking_weddings WHERE wedding_id = ?').pluck();
    // Ties in a stated order, as on PostgreSQL (BINARY, like its COLLATE "C"); the index gives the order by start.
    this.forVendor = db.prepare('SELECT * FROM vendor_bookings WHERE vendor_id = ? AND end_ms > ? AND start_ms < ? ORDER BY start_ms, wedding_id, event_id');
    this.forWedding = db.prepare('SELECT DISTINCT vendor_id FROM vendor_bookings WHERE wedding_id = ? ORDER BY vendor_id').pluck();
  }

  isIndexed(weddingId: string): boolean {
    // Asked on every document update: once known, remembered (a wedding never becomes unindexed).
    if (this.known.has(weddingId)) return true;
    const indexed = this.indexed.get(weddingId) !== undefined;
    if (indexed) this.known.add(weddingId);
    return indexed;
  }

  /** Re-reads the given events (all of them when `eventIds` is omitted); returns every vendor whose bookings changed. */
  reindex(weddingId: string, doc: WeddingDoc, eventIds?: Iterable<string>): Set<string> {
    const touched = new Set<string>();
    this.db.transaction(() => {
      const ids = eventIds ? [...eventIds] : null;
      if (!ids) {
        for (const v of this.forWedding.all(weddingId) as string[]) touched.add(v);
        this.deleteWedding.run(weddingId);
      }
      for (const id of ids ?? [...doc.timeline.keys()]) {
        if (ids) for (const v of this.forEvent.all(weddingId, id) as string[]) touched.add(v);
        this.deleteEvent.run(weddingId, id);
        const e = doc.getEvent(id);
        if (!e) continue;
        const start = Date.parse(e.start);
        const end = Date.parse(e.end);
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        for (const v of new Set(e.vendorIds)) {
          this.insert.run(weddingId, id, v, start, Math.max(start, end), e.title);
          touched.add(v);
        }
      }
      if (!ids) this.markIndexed.run(weddingId, new Date().toISOString());
    })();
    return touched;
  }

  /** Applies one document update; returns the vendors whose bookings it changed. */
  onUpdate(weddingId: string, ydoc: Y.Doc, tr: Y.Transaction): Set<string> {
    const doc = new WeddingDoc(ydoc);
    if (!this.isIndexed(weddingId)) return this.reindex(weddingId, doc);
    const events = changedEntities(ydoc, tr).filter((c) => c.entity === 'timeline').map((c) => c.entityId);
    return events.length ? this.reindex(weddingId, doc, events) : new Set();
  }

  bookings(vendorId: string, fromMs: number, toMs: number): Booking[] {
    return (this.forVendor.all(vendorId, fromMs, toMs) as Row[]).map(toBooking);
  }

  vendorsOf(weddingId: string): string[] {
    return this.forWedding.all(weddingId) as string[];
  }
}
