-- PostgreSQL twins of `calendar_busy` and `calendar_busy_refresh` (../005_calendar.sql): the busy
-- blocks read from vendors' connected calendars and booking tools, one row set per binding, and
-- when each binding's were last read (server/calendar/busy-blocks.ts). Times are ms since the
-- epoch, UTC. `integration_id` refers to integrations (migration 019); a binding removed takes its
-- rows with it.
CREATE TABLE calendar_busy (
  integration_id text NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  vendor_id      text NOT NULL,
  external_id    text NOT NULL,
  start_ms       bigint NOT NULL,
  end_ms         bigint NOT NULL,
  title          text,
  PRIMARY KEY (integration_id, external_id, start_ms)
);
CREATE INDEX calendar_busy_by_vendor ON calendar_busy (vendor_id, start_ms);

CREATE TABLE calendar_busy_refresh (
  integration_id text PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
  refreshed_at   bigint NOT NULL,
  error          text
);
