-- The seq of the last update-log row folded into documents.state. Compaction writes the state and
-- this in one short transaction; the rows up to it are superseded (loading skips them) and are
-- deleted afterwards in bounded chunks, one per event-loop turn, so that deleting a flooded
-- wedding's thousands of rows never stalls the other weddings (server/storage/document-store.ts).
-- 0 for states written before: compaction then deleted the folded rows in the same transaction.
ALTER TABLE documents ADD COLUMN folded_seq INTEGER NOT NULL DEFAULT 0;
