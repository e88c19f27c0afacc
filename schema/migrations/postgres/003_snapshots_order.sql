-- Snapshots list newest first: created_at descending, then the later inserted first. SQLite breaks
-- the tie with rowid; PostgreSQL has none, so `position` numbers the rows in insertion order
-- (existing rows get numbers in their stored order). The index serves listFor's ORDER BY, which
-- compares created_at bytewise (COLLATE "C"), as SQLite does.
ALTER TABLE snapshots ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY;
DROP INDEX snapshots_by_wedding;
CREATE INDEX snapshots_by_wedding ON snapshots (wedding_id, created_at COLLATE "C", position);
