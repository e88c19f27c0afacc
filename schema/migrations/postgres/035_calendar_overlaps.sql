-- PostgreSQL twin of `calendar_overlaps` (../005_calendar.sql): the double bookings already
-- recorded as conflicts in the documents involved, so each is recorded once, whichever instance
-- checks the vendor (server/calendar/postgres-overlap-records.ts; a vendor's checks take an
-- advisory lock on it). `key` and `vendor_id` are stored as opaqueText, `first_seen` is ISO 8601
-- UTC text and `end_ms` ms since the epoch, UTC, as on SQLite; `conflicts` is the JSON text
-- [{ weddingId, conflictId }] of the conflicts recorded for it.
CREATE TABLE calendar_overlaps (
  key        text PRIMARY KEY,
  vendor_id  text NOT NULL,
  first_seen text NOT NULL,
  end_ms     bigint NOT NULL,
  conflicts  text NOT NULL
);
CREATE INDEX calendar_overlaps_by_vendor ON calendar_overlaps (vendor_id);
