-- PostgreSQL twin of ../016_activity.sql and ../023_activity_latest.sql (server/activity/): one row
-- per entity field a stored update changed, written in the same transaction as the update-log row
-- (a joined write of the append, server/storage/postgres/append-group.ts). Text is compared bytewise
-- (COLLATE "C") where SQLite's BINARY order is relied on: the loose index scan over entity ids.
CREATE TABLE activity (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  wedding_id    text NOT NULL,
  document      text NOT NULL,
  update_seq    bigint NOT NULL,
  at            bigint NOT NULL,           -- ms since the epoch, UTC
  root          text NOT NULL,
  entity_id     text COLLATE "C" NOT NULL,
  field         text NOT NULL,
  previous      text,                      -- JSON, NULL when there was none (added)
  value         text,                      -- JSON, NULL when removed
  clipped       integer NOT NULL DEFAULT 0,
  actor_kind    text NOT NULL CHECK (actor_kind IN ('client', 'adapter', 'admin', 'system')),
  actor_id      text NOT NULL,
  actor_name    text,
  actor_role    text,
  actor_system  text,
  actor_action  text
);
CREATE INDEX activity_by_wedding ON activity (wedding_id, id);
CREATE INDEX activity_by_entity ON activity (wedding_id, root, entity_id, field, id);
CREATE INDEX activity_by_entity_latest ON activity (wedding_id, root, entity_id, id);
CREATE INDEX activity_by_time ON activity (at);
