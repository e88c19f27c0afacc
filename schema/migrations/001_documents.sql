-- Compacted Yjs state per document: the result of folding the update log.
CREATE TABLE documents (
  name        TEXT PRIMARY KEY,
  state       BLOB NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- Every update applied to a loaded document, appended before the update is acknowledged.
-- Compaction folds rows into documents.state and deletes them in the same transaction.
CREATE TABLE document_updates (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  update_data BLOB NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX document_updates_by_name ON document_updates (name, seq);

-- Admin snapshots: a labelled copy of a wedding's state.
CREATE TABLE snapshots (
  id          TEXT PRIMARY KEY,
  wedding_id  TEXT NOT NULL,
  label       TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('manual', 'auto')),
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  state       BLOB NOT NULL,
  size_bytes  INTEGER NOT NULL
) STRICT;
CREATE INDEX snapshots_by_wedding ON snapshots (wedding_id, created_at);
