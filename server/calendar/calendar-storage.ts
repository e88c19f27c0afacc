import type * as Y from 'yjs';
import { weddingIdOf } from '../../schema/index.ts';
import type { DocumentContext } from '../bridge/bridge-context.ts';
import { namedListener } from '../collab/document-listeners.ts';
import type { Db } from '../storage/database.ts';
import { SqliteWeddingCatalog, type WeddingCatalog } from '../storage/wedding-catalog.ts';
import { BookingIndex, sqliteBookingRecords, type BookingRecords } from './booking-index.ts';
import { sqliteBusyRecords, type BusyRecords } from './busy-blocks.ts';
import { SqliteEventVersions, type EventVersions } from './event-versions.ts';
import { SqliteFeedStore, type FeedStore } from './feed-store.ts';
import { sqliteOverlapRecords, type OverlapRecords } from './overlap-records.ts';

/**
 * What CalendarService is told of document updates (CalendarStorage.follow). Both callbacks must be
 * cheap and must not throw into the update's transaction (`observe` may throw: it is caught).
 */
export interface BookingFollower {
  /**
   * Each update of a wedding document made on this instance, synchronously in its Yjs transaction
   * (the wedding hosts' cache); returns more vendors to check.
   */
  observe(weddingId: string, doc: Y.Doc, tr: Y.Transaction): Iterable<string>;
  /**
   * Vendors whose bookings (or hosting) an update changed: on SQLite at once, inside the update's
   * transaction; on PostgreSQL after the update's COMMIT.
   */
  touched(vendors: Set<string>): void;
  /** Following an update failed (the booking index on SQLite, or `observe`): to be logged. */
  failed(weddingId: string, error: unknown): void;
}

/**
 * CalendarService's stores on one backend: sqliteCalendarStorage (the server's path) or
 * postgresCalendarStorage (postgres-calendar-storage.ts, shared by every instance).
 */
export interface CalendarStorage {
  readonly feeds: FeedStore;
  readonly versions: EventVersions;
  readonly busy: BusyRecords;
  readonly bookings: BookingRecords;
  readonly overlaps: OverlapRecords;
  /** Stored weddings (for indexing the bookings of weddings stored before the index existed). */
  readonly weddings: WeddingCatalog;
  /**
   * Starts keeping the booking index from document updates and telling `follower` about them (call
   * once). Returns `stop`, after which the follower is told nothing more. On SQLite the index is
   * then not kept either (as before the bundle existed); on PostgreSQL it still is, as a joined
   * write of each update, so an update committed while the service stops is not left out of it.
   */
  follow(follower: BookingFollower): () => void;
}

export interface SqliteCalendarStorageOptions {
  db: Db;
  /** Where document updates are heard, synchronously in the transaction storing each (the bridge). */
  updates: Pick<DocumentContext, 'onDocumentUpdate'>;
}

/** The calendar's stores on the embedded SQLite database: the booking index is written inside each update's transaction. */
export function sqliteCalendarStorage({ db, updates }: SqliteCalendarStorageOptions): CalendarStorage {
  const index = new BookingIndex(db);
  return {
    feeds: new SqliteFeedStore(db),
    versions: new SqliteEventVersions(db),
    busy: sqliteBusyRecords(db),
    bookings: sqliteBookingRecords(index),
    overlaps: sqliteOverlapRecords(db),
    weddings: new SqliteWeddingCatalog(db),
    follow(follower) {
      let stopped = false;
      updates.onDocumentUpdate(namedListener('calendar', (documentName: string, doc: Y.Doc, tr: Y.Transaction) => {
        const weddingId = weddingIdOf(documentName);
        if (!weddingId || stopped) return;
        try {
          const vendors = index.onUpdate(weddingId, doc, tr);
          for (const v of follower.observe(weddingId, doc, tr)) vendors.add(v);
          if (vendors.size) follower.touched(vendors);
        } catch (error) {
          follower.failed(weddingId, error);
        }
      }));
      return () => { stopped = true; };
    },
  };
}
