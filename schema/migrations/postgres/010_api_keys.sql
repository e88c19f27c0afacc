-- PostgreSQL twin of `api_keys` (../017_sign_in.sql): scoped, revocable keys for machines, so a key
-- made through one instance opens through any and its revocation closes its sockets on all of them
-- (server/auth/postgres-api-keys.ts). Times in ms since the epoch, UTC.
-- `workspace_id` has no foreign key yet: the workspaces table is still SQLite only
-- (docs/storage-backends.md, "What is still synchronous").
CREATE TABLE api_keys (
  id            text PRIMARY KEY,               -- key_<random>; the `<id>` part of the key
  workspace_id  text NOT NULL,
  name          text NOT NULL,
  secret_hash   bytea NOT NULL,                 -- SHA-256 of the key's secret part
  role          text NOT NULL CHECK (role IN ('planner', 'vendor', 'adapter', 'viewer')),
  weddings      text NOT NULL,                  -- JSON array of wedding ids, or ["*"]
  vendor_id     text,
  created_by    text,                           -- person id
  created_at    bigint NOT NULL,
  expires_at    bigint,
  last_used_at  bigint,
  revoked_at    bigint,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id);
CREATE INDEX api_keys_revoked ON api_keys (revoked_at) WHERE revoked_at IS NOT NULL;
