import type pg from 'pg';
import type * as Y from 'yjs';
import { weddingIdOf } from '../../schema/index.ts';
import { namedListener } from '../collab/document-listeners.ts';
import { WedSyncError } from '../errors.ts';
import type { DurablePersistence } from '../collab/durable-persistence.ts';
import { PostgresWeddingCatalog } from '../storage/postgres/wedding-catalog.ts';
import type { BookingFollower, CalendarStorage } from './calendar-storage.ts';
import { PostgresBookingIndex } from './postgres-booking-index.ts';
import { PostgresBusyStore } from './postgres-busy-store.ts';
import { PostgresEventVersions } from './postgres-event-versions.ts';
import { PostgresFeedStore } from './postgres-feed-store.ts';
import { PostgresOverlapRecords } from './postgres-overlap-records.ts';

export interface PostgresCalendarStorageOptions {
  pool: pg.Pool;
  /** The instance's document persistence on PostgreSQL: the booking index is a joined write of each update there. */
  persistence: Pick<DurablePersistence, 'onAppendJoined' | 'observeAppends'>;
}

/**
 * The calendar's stores on PostgreSQL, shared by every instance (migrations 014 feeds and event
 * versions, 021 busy blocks, 022 vendor bookings, 035 recorded overlaps; the stored weddings from
 * 001). `follow` registers the booking index as a joined write of each update appended here
 * (PostgresBookingIndex, named `calendar_bookings`) and observes the updates for the wedding hosts
 * (named `calendar`); the vendors whose bookings changed are told after the COMMIT.
 */
export function postgresCalendarStorage({ pool, persistence }: PostgresCalendarStorageOptions): CalendarStorage {
  let follower: BookingFollower | null = null;
  let followed = false;
  const index = new PostgresBookingIndex(pool, (_weddingId, vendors) => follower?.touched(vendors));
  return {
    feeds: new PostgresFeedStore(pool),
    versions: new PostgresEventVersions(pool),
    busy: new PostgresBusyStore(pool),
    bookings: index,
    overlaps: new PostgresOverlapRecords(pool),
    weddings: new PostgresWeddingCatalog(pool),
    follow(given) {
      if (followed) throw new WedSyncError('internal_error', 'postgresCalendarStorage: follow() registers listeners and is called once');
      followed = true;
      follower = given;
      persistence.onAppendJoined(namedListener('calendar_bookings', index.joined()));
      persistence.observeAppends(namedListener('calendar', (documentName: string, doc: Y.Doc, tr: Y.Transaction) => {
        const weddingId = weddingIdOf(documentName);
        const current = follower;
        if (!weddingId || !current) return;
        try {
          const vendors = new Set(current.observe(weddingId, doc, tr));
          if (vendors.size) current.touched(vendors);
        } catch (error) {
          current.failed(weddingId, error);
        }
      }));
      return () => { follower = null; };
    },
  };
}
