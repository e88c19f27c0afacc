-- The object in the external system a connection syncs with, as its connection test found it
-- (Adapter.testConnection's remoteId). NULL: none named, or made before this column. As SQLite's 032.
ALTER TABLE connections ADD COLUMN remote_id text;
ALTER TABLE connections ADD COLUMN remote_name text;
