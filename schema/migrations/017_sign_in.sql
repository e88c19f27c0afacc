-- Sign-in without a terminal (issue 11 item 2, docs/auth.md): e-mail links and API keys.
-- Times are milliseconds since the epoch (UTC). Secrets are never stored: only their SHA-256.

-- Passwordless e-mail links. The link carries `<id>.<secret>`; a link is used at most once
-- (used_at set in the same statement that checks it) and expires 15 minutes after it was sent.
-- The person is created on first use, so a request for an unknown address stores only the address.
CREATE TABLE email_link_tokens (
  id            TEXT PRIMARY KEY,               -- eml_<random>
  email         TEXT NOT NULL COLLATE NOCASE,   -- lower-cased address the link was sent to
  secret_hash   BLOB NOT NULL,
  redirect      TEXT NOT NULL,                  -- app path to land on, starting with "/"
  ip            TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
) STRICT;
CREATE INDEX email_link_tokens_expiry ON email_link_tokens (expires_at);

-- API keys for machines (adapter peers, scripts): `wsk_<id>_<secret>`, per workspace, with a role,
-- a wedding scope (JSON array of wedding ids, or ["*"] = every wedding of the workspace at the time
-- of each request) and, for vendor keys, the vendor entry. Revoked keys stop at once.
CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,               -- key_<random>; the `<id>` part of the key
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  secret_hash   BLOB NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('planner', 'vendor', 'adapter', 'viewer')),
  weddings      TEXT NOT NULL,                  -- JSON array of wedding ids, or ["*"]
  vendor_id     TEXT,
  created_by    TEXT,                           -- person id
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  last_used_at  INTEGER,
  revoked_at    INTEGER,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))
) STRICT;
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id);
