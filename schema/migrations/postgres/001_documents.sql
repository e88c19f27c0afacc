-- PostgreSQL twin of ../001_documents.sql (server/storage/postgres/). documents' times are timestamptz;
-- document_updates.created_at stays ms since the epoch (UTC) and snapshots.created_at the ISO text
-- the API answers with, as on SQLite.

-- Compacted Yjs state per document: the result of folding the update log.
CREATE TABLE documents (
  name        text PRIMARY KEY,
  state       bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every update applied to a loaded document, appended (and committed) before it is acknowledged.
-- Compaction folds rows into documents.state and deletes them in the same transaction.
CREATE TABLE document_updates (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  update_data bytea NOT NULL,
  created_at  bigint NOT NULL
);
CREATE INDEX document_updates_by_name ON document_updates (name, seq);

-- Admin snapshots: a labelled copy of a wedding's state.
CREATE TABLE snapshots (
  id          text PRIMARY KEY,
  wedding_id  text NOT NULL,
  label       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('manual', 'auto')),
  created_at  text NOT NULL,
  created_by  text NOT NULL,
  state       bytea NOT NULL,
  size_bytes  integer NOT NULL
);
CREATE INDEX snapshots_by_wedding ON snapshots (wedding_id, created_at);
