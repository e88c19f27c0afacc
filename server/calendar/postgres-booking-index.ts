import type pg from 'pg';
import { WeddingDoc, weddingIdOf } from '../../schema/index.ts';
import { changedEntities } from '../bridge/entity-access.ts';
import type { JoinedAppendListener } from '../collab/joined-listeners.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { opaqueText, openedText, storableText } from '../storage/storable-text.ts';
import type { Booking, BookingRecords } from './booking-index.ts';

/** One timeline event as a booking reads it, taken from the document in the update's transaction; null: gone or without valid times. */
interface EventDraft { id: string; booking: { vendorIds: string[]; startMs: number; endMs: number; title: string } | null }

function draftEvent(doc: WeddingDoc, id: string): EventDraft {
  const e = doc.getEvent(id);
  if (!e) return { id, booking: null };
  const start = Date.parse(e.start);
  const end = Date.parse(e.end);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return { id, booking: null };
  return { id, booking: { vendorIds: [...new Set(e.vendorIds)], startMs: start, endMs: Math.max(start, end), title: e.title } };
}

/** The namespace of the whole-wedding write locks (hashed with the wedding id into one advisory lock key). */
const WEDDING_LOCK_PREFIX = 'vendor_bookings:';

/**
 * The booking index (BookingIndex on SQLite) on PostgreSQL, shared by every instance: kept by a
 * joined write of each document update (`joined`, DurablePersistence.onAppendJoined), so it commits
 * with the update and never disagrees with what was acknowledged. The events are read from the
 * document in the update's Yjs transaction; the rows are written on the append's transaction.
 * A wedding this process has not seen indexed gets its whole timeline read at its first update: if
 * the database has not indexed it either, every event is written and the wedding marked indexed
 * (as BookingIndex.reindex does), else only the changed events. Vendors whose bookings changed are
 * told to `onTouched` after the COMMIT (the overlap checks). Event and vendor ids are stored
 * exactly (opaqueText), titles as storable text. Weddings never updated since this index exists are
 * indexed by `indexWhole` (CalendarService's backfill at start).
 *
 * A whole-wedding write (an update's of a wedding not indexed yet, or indexWhole's) first takes a
 * transaction advisory lock on the wedding, so it and the marker it checks are serialized: without
 * it, a backfill reading the document before an update and committing after it could write the
 * older timeline over the update's, or collide with the update's own whole write on the rows' keys.
 * With it, whichever commits second finds the wedding indexed and writes only what changed (an
 * update) or nothing (a backfill). An update of a wedding known to be indexed takes no lock.
 */
export class PostgresBookingIndex implements BookingRecords {
  private readonly known = new Set<string>();

  constructor(private readonly pool: pg.Pool, private readonly onTouched: (weddingId: string, vendors: Set<string>) => void = () => undefined) {}

  /** The listener to register with DurablePersistence.onAppendJoined. */
  joined(): JoinedAppendListener {
    return (documentName, document, tr) => {
      const weddingId = weddingIdOf(documentName);
      if (!weddingId) return null;
      const doc = new WeddingDoc(document);
      const changed = changedEntities(document, tr).filter((c) => c.entity === 'timeline').map((c) => c.entityId);
      const known = this.known.has(weddingId);
      if (known && changed.length === 0) return null;
      const drafts = changed.map((id) => draftEvent(doc, id));
      const all = known ? null : [...doc.timeline.keys()].map((id) => draftEvent(doc, id));
      let touched = new Set<string>();
      // An indexed wedding's changed events: written with the rest of the group's, in one round trip.
      const payload: BookingChange = { weddingId, drafts, touched: new Set() };
      return {
        write: all === null
          ? { batch: 'vendor_bookings', payload, run: (client, items) => writeChanged(client, items.map((i) => i.payload as BookingChange)) }
          : async (client) => { touched = await this.write(client, weddingId, drafts, all); },
        committed: () => {
          this.known.add(weddingId);
          if (all === null) touched = payload.touched;
          if (touched.size > 0) this.onTouched(weddingId, touched);
        },
      };
    };
  }

  /** Writes the changed events (or, for a wedding not indexed yet, all of them); the vendors whose bookings changed. */
  private async write(client: pg.ClientBase, weddingId: string, changed: readonly EventDraft[], all: readonly EventDraft[] | null): Promise<Set<string>> {
    const touched = new Set<string>();
    if (all !== null) await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [WEDDING_LOCK_PREFIX + weddingId]);
    const full = all !== null && (await client.query('SELECT 1 FROM vendor_booking_weddings WHERE wedding_id = $1', [weddingId])).rows.length === 0;
    const drafts = full ? all : changed;
    // Ids come from the document and are stored exactly, in a form PostgreSQL's text can hold (opaqueText).
    const ids = drafts.map((d) => opaqueText(d.id));
    const removed = full
      ? await client.query<{ vendor_id: string }>('DELETE FROM vendor_bookings WHERE wedding_id = $1 RETURNING vendor_id', [weddingId])
      : await client.query<{ vendor_id: string }>('DELETE FROM vendor_bookings WHERE wedding_id = $1 AND event_id = ANY($2::text[]) RETURNING vendor_id', [weddingId, ids]);
    for (const r of removed.rows) touched.add(openedText(r.vendor_id));
    const rows = drafts.flatMap((d) => (d.booking ? d.booking.vendorIds.map((v) => ({ event: d.id, vendor: v, ...d.booking! })) : []));
    if (rows.length > 0) {
      await client.query(`INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title)
        SELECT $1, e, v, s, x, t FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS u(e, v, s, x, t)`,
      [weddingId, rows.map((r) => opaqueText(r.event)), rows.map((r) => opaqueText(r.vendor)), rows.map((r) => r.startMs), rows.map((r) => r.endMs), rows.map((r) => storableText(r.title))]);
      for (const r of rows) touched.add(r.vendor);
    }
    if (full) {
      await client.query(`INSERT INTO vendor_booking_weddings (wedding_id, indexed_at) VALUES ($1, $2)
        ON CONFLICT (wedding_id) DO UPDATE SET indexed_at = excluded.indexed_at`, [weddingId, new Date().toISOString()]);
    }
    return touched;
  }

  async indexWhole(weddingId: string, doc: WeddingDoc): Promise<Set<string>> {
    if (this.known.has(weddingId)) return new Set();
    const all = [...doc.timeline.keys()].map((id) => draftEvent(doc, id));
    const touched = await inTransaction(this.pool, (client) => this.write(client, weddingId, [], all));
    this.known.add(weddingId);
    return touched;
  }

  /** The vendor's bookings overlapping [fromMs, toMs), by start (ms since the epoch, UTC). */
  async bookings(vendorId: string, fromMs: number, toMs: number): Promise<Booking[]> {
    const { rows } = await this.pool.query<{ wedding_id: string; event_id: string; vendor_id: string; start_ms: number; end_ms: number; title: string }>(
      `SELECT wedding_id, event_id, vendor_id, start_ms::double precision AS start_ms, end_ms::double precision AS end_ms, title FROM vendor_bookings
       WHERE vendor_id = $1 AND end_ms > $2 AND start_ms < $3 ORDER BY start_ms, wedding_id COLLATE "C", event_id COLLATE "C"`, [opaqueText(vendorId), fromMs, toMs]);
    return rows.map((r) => ({ weddingId: r.wedding_id, eventId: openedText(r.event_id), vendorId: openedText(r.vendor_id), startMs: r.start_ms, endMs: r.end_ms, title: r.title }));
  }

  /** The vendors booked in the wedding. */
  async vendorsOf(weddingId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ vendor_id: string }>('SELECT vendor_id FROM vendor_bookings WHERE wedding_id = $1 GROUP BY vendor_id ORDER BY vendor_id COLLATE "C"', [weddingId]);
    return rows.map((r) => openedText(r.vendor_id));
  }

  /** Whether the wedding has been indexed (by any instance). */
  async isIndexed(weddingId: string): Promise<boolean> {
    if (this.known.has(weddingId)) return true;
    const indexed = (await this.pool.query('SELECT 1 FROM vendor_booking_weddings WHERE wedding_id = $1', [weddingId])).rows.length > 0;
    if (indexed) this.known.add(weddingId);
    return indexed;
  }
}

/** One update's changed events of an indexed wedding (a JoinedBatch payload); `touched` is filled with the vendors whose bookings changed there. */
interface BookingChange {
  weddingId: string;
  drafts: readonly EventDraft[];
  touched: Set<string>;
}

/**
 * The changed events of the updates of one group, written as one after another would write them:
 * each changed event's rows deleted, then the rows of its last draft inserted; every change of a
 * wedding is told the vendors whose bookings changed there.
 */
async function writeChanged(client: pg.ClientBase, changes: readonly BookingChange[]): Promise<void> {
  const last = new Map<string, { weddingId: string; draft: EventDraft }>();
  for (const c of changes) for (const d of c.drafts) last.set(JSON.stringify([c.weddingId, opaqueText(d.id)]), { weddingId: c.weddingId, draft: d });
  if (last.size === 0) return;
  const touched = new Map<string, Set<string>>();
  const touch = (weddingId: string, vendor: string) => { const s = touched.get(weddingId) ?? new Set<string>(); s.add(vendor); touched.set(weddingId, s); };
  const keys = [...last.values()];
  const removed = await client.query<{ wedding_id: string; vendor_id: string }>(
    `DELETE FROM vendor_bookings b USING unnest($1::text[], $2::text[]) AS k(w, e) WHERE b.wedding_id = k.w AND b.event_id = k.e RETURNING b.wedding_id, b.vendor_id`,
    [keys.map((k) => k.weddingId), keys.map((k) => opaqueText(k.draft.id))]);
  for (const r of removed.rows) touch(r.wedding_id, openedText(r.vendor_id));
  const rows = keys.flatMap(({ weddingId, draft: d }) => (d.booking ? d.booking.vendorIds.map((v) => ({ weddingId, event: d.id, vendor: v, ...d.booking! })) : []));
  if (rows.length > 0) {
    await client.query(`INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title)
      SELECT w, e, v, s, x, t FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS u(w, e, v, s, x, t)`,
    [rows.map((r) => r.weddingId), rows.map((r) => opaqueText(r.event)), rows.map((r) => opaqueText(r.vendor)), rows.map((r) => r.startMs), rows.map((r) => r.endMs), rows.map((r) => storableText(r.title))]);
    for (const r of rows) touch(r.weddingId, r.vendor);
  }
  for (const c of changes) c.touched = touched.get(c.weddingId) ?? new Set();
}
