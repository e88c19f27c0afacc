-- PostgreSQL twins of `vendor_bookings` and `vendor_booking_weddings` (../005_calendar.sql): which
-- vendor is booked when across every wedding (a vendor is booked for a timeline event they are
-- assigned to), kept from document updates in the transaction that stores each update
-- (server/calendar/postgres-booking-index.ts), and the weddings indexed so far. Times are ms since
-- the epoch, UTC; indexed_at is ISO 8601 UTC text, as on SQLite.
CREATE TABLE vendor_bookings (
  wedding_id text NOT NULL,
  event_id   text NOT NULL,
  vendor_id  text NOT NULL,
  start_ms   bigint NOT NULL,
  end_ms     bigint NOT NULL,
  title      text NOT NULL,
  PRIMARY KEY (wedding_id, event_id, vendor_id)
);
CREATE INDEX vendor_bookings_by_vendor ON vendor_bookings (vendor_id, start_ms);

CREATE TABLE vendor_booking_weddings (
  wedding_id text PRIMARY KEY,
  indexed_at text NOT NULL
);
