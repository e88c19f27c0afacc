-- Change attribution (issue 11 item 6): one row per entity field a stored update changed, written in
-- the same transaction as the update-log row (server/activity/), so an acknowledged change always
-- has its rows and a failed commit leaves none. Kept after compaction deletes the log rows; deleted
-- after AUDIT_RETENTION_DAYS with the audit trail (server/bridge/retention.ts).
CREATE TABLE activity (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  wedding_id    TEXT NOT NULL,
  -- The document the update was applied to (`wedding:<id>`, later `wedding:<id>/<part>`).
  document      TEXT NOT NULL,
  -- document_updates.seq of the update that made the change (the log row itself is compacted away later).
  update_seq    INTEGER NOT NULL,
  at            INTEGER NOT NULL,          -- ms since the epoch, UTC
  root          TEXT NOT NULL,             -- top-level shared type: timeline, vendors, meta, ...
  entity_id     TEXT NOT NULL,             -- '' for single-entity roots (meta, guests, budget)
  field         TEXT NOT NULL,             -- dotted path inside the entity; '' for the whole entity
  previous      TEXT,                      -- JSON, NULL when there was none (added)
  value         TEXT,                      -- JSON, NULL when removed
  clipped       INTEGER NOT NULL DEFAULT 0, -- bit 1: previous clipped, bit 2: value clipped
  actor_kind    TEXT NOT NULL CHECK (actor_kind IN ('client', 'adapter', 'admin', 'system')),
  actor_id      TEXT NOT NULL,             -- token subject, integration id, or the system reason
  actor_name    TEXT,
  actor_role    TEXT,
  actor_system  TEXT,                      -- the adapter's system (google-calendar, stripe, ...)
  actor_action  TEXT                       -- the admin action (restore, payments.plan, ...)
) STRICT;
-- Every row is written on the update path, so indexes are few: by wedding (the whole trail, and the
-- ?actor= filter, which reads it newest first), by entity field, and by time for retention.
CREATE INDEX activity_by_wedding ON activity (wedding_id, id);
CREATE INDEX activity_by_entity ON activity (wedding_id, root, entity_id, field, id);
CREATE INDEX activity_by_time ON activity (at);
