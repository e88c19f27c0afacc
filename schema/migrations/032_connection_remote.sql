-- The object in the external system a connection syncs with, as its connection test found it
-- (Adapter.testConnection's remoteId: a Google calendar's id, a CalDAV collection's URL, …). A
-- second business connection of one system and remote_id in a workspace, or a second one bound to a
-- wedding, would sync the same calendar or account twice: it is refused (`already_connected`,
-- server/bridge/same-remote.ts). NULL: the system names no such object, or the connection was made
-- before this column.
ALTER TABLE connections ADD COLUMN remote_id TEXT;
-- How a person knows it (a calendar's name), shown beside the id (TestedRemote.remoteName).
ALTER TABLE connections ADD COLUMN remote_name TEXT;
