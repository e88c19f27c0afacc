-- The instances sharing this database, and where each one accepts relayed collaboration sockets
-- (docs/storage-backends.md, "Routing to the owner"). `id` is the owner written into
-- document_leases; `url` is the instance's Hocuspocus endpoint as the other instances reach it
-- (ws:// or wss://, its path included). A row outlives its instance after a kill: whether an
-- instance owns a document is read from the document's lease, never from this table.
CREATE TABLE collab_instances (
  id          text PRIMARY KEY,
  url         text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
