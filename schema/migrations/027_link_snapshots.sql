-- The newest snapshot of each linked external object applied so far (InboundChange `position`,
-- adapters/core/types.ts SnapshotOrder): payment processors deliver events out of order, and an
-- older snapshot applied after a newer one would take a paid deposit back to pending. JSON text
-- `{"at":…,"rank":…,"progress":…}` (`at`: ms since the epoch, UTC, or a version number); NULL
-- until a positioned snapshot is applied.
ALTER TABLE links ADD COLUMN snapshot TEXT;
