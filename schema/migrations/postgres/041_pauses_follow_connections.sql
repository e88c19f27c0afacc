-- A connection's 429 pauses (outbox_pauses, 039; read_pauses, 040) go with it: a deleted
-- connection's rows were left behind for good (its id is never used again). Rows already orphaned
-- are dropped. A pause told for a connection deleted meanwhile is not written
-- (PostgresOutboxStore.pauseConnection, postgresReadPauses.record).
DELETE FROM outbox_pauses p WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = p.connection_id);
ALTER TABLE outbox_pauses ADD CONSTRAINT outbox_pauses_connection FOREIGN KEY (connection_id) REFERENCES connections (id) ON DELETE CASCADE;
DELETE FROM read_pauses p WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = p.connection_id);
ALTER TABLE read_pauses ADD CONSTRAINT read_pauses_connection FOREIGN KEY (connection_id) REFERENCES connections (id) ON DELETE CASCADE;
