-- Calendar sync (issue 5): ICS feeds, published event versions, vendor availability.

-- Subscribable ICS feeds: a secret URL for a wedding (vendor_id NULL) or for one vendor of it.
-- Only a hash of the token is kept; revoked feeds stay for the record and answer 404.
CREATE TABLE calendar_feeds (
  id              TEXT PRIMARY KEY,
  wedding_id      TEXT NOT NULL,
  vendor_id       TEXT,
  token_hash      TEXT NOT NULL UNIQUE,
  label           TEXT,
  created_at      TEXT NOT NULL,
  created_by      TEXT NOT NULL,
  revoked_at      TEXT,
  last_fetched_at TEXT
) STRICT;
CREATE INDEX calendar_feeds_by_wedding ON calendar_feeds (wedding_id);

-- The SEQUENCE each event is published with, raised whenever its published content changes, so
-- subscribed calendars update the event instead of adding a second one.
CREATE TABLE calendar_event_versions (
  wedding_id   TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  sequence     INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  modified_at  INTEGER NOT NULL,
  PRIMARY KEY (wedding_id, event_id)
) STRICT;

-- Who is booked when, across every wedding: one row per (timeline event, assigned vendor), kept
-- in step with the documents in the same transaction as each update.
CREATE TABLE vendor_bookings (
  wedding_id TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  vendor_id  TEXT NOT NULL,
  start_ms   INTEGER NOT NULL,
  end_ms     INTEGER NOT NULL,
  title      TEXT NOT NULL,
  PRIMARY KEY (wedding_id, event_id, vendor_id)
) STRICT;
CREATE INDEX vendor_bookings_by_vendor ON vendor_bookings (vendor_id, start_ms);
CREATE TABLE vendor_booking_weddings (
  wedding_id TEXT PRIMARY KEY,
  indexed_at TEXT NOT NULL
) STRICT;

-- Busy blocks read from vendors' connected calendars (their other commitments, not WedSync events).
CREATE TABLE calendar_busy (
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  vendor_id      TEXT NOT NULL,
  external_id    TEXT NOT NULL,
  start_ms       INTEGER NOT NULL,
  end_ms         INTEGER NOT NULL,
  title          TEXT,
  PRIMARY KEY (integration_id, external_id, start_ms)
) STRICT;
CREATE INDEX calendar_busy_by_vendor ON calendar_busy (vendor_id, start_ms);
CREATE TABLE calendar_busy_refresh (
  integration_id TEXT PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
  refreshed_at   INTEGER NOT NULL,
  error          TEXT
) STRICT;

-- Overlaps already recorded as conflicts in the documents, so each is recorded once.
CREATE TABLE calendar_overlaps (
  key        TEXT PRIMARY KEY,
  vendor_id  TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  end_ms     INTEGER NOT NULL,
  -- JSON [{ weddingId, conflictId }]: the conflicts recorded for it.
  conflicts  TEXT NOT NULL
) STRICT;
CREATE INDEX calendar_overlaps_by_vendor ON calendar_overlaps (vendor_id);
