-- PostgreSQL twins of `calendar_feeds` and `calendar_event_versions` (../005_calendar.sql):
-- subscribable ICS feeds (only a hash of each token is kept; revoked feeds stay for the record) and
-- the SEQUENCE each event is published with (server/calendar/postgres-feed-store.ts,
-- postgres-event-versions.ts). Feed times are ISO 8601 UTC text, as on SQLite; modified_at is ms
-- since the epoch, UTC.
CREATE TABLE calendar_feeds (
  id              text PRIMARY KEY,
  wedding_id      text NOT NULL,
  vendor_id       text,
  token_hash      text NOT NULL UNIQUE,
  label           text,
  created_at      text NOT NULL,
  created_by      text NOT NULL,
  revoked_at      text,
  last_fetched_at text
);
CREATE INDEX calendar_feeds_by_wedding ON calendar_feeds (wedding_id);

CREATE TABLE calendar_event_versions (
  wedding_id   text NOT NULL,
  event_id     text NOT NULL,
  sequence     integer NOT NULL,
  content_hash text NOT NULL,
  modified_at  bigint NOT NULL,
  PRIMARY KEY (wedding_id, event_id)
);
