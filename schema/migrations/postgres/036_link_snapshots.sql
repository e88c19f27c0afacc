-- PostgreSQL twin of ../027_link_snapshots.sql: the newest snapshot of each linked external object
-- applied so far, JSON text (as on SQLite), NULL until a positioned snapshot is applied.
ALTER TABLE links ADD COLUMN snapshot text;
