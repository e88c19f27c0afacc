-- OAuth 2.0 connect flows in progress (issue 12 item 4, docs/oauth.md): one row per /start,
-- used once by /callback. Times are milliseconds since the epoch (UTC).
CREATE TABLE oauth_flows (
  state          TEXT PRIMARY KEY,               -- the `state` sent to the provider (random, 256 bits)
  provider       TEXT NOT NULL CHECK (provider IN ('google', 'microsoft')),
  system         TEXT NOT NULL,                  -- the adapter to connect (google-calendar, outlook)
  code_verifier  TEXT NOT NULL,                  -- the PKCE verifier, sealed with the credentials key (bound to `state`)
  principal      TEXT NOT NULL,                  -- JSON: who started it (sub, role, weddings, vendorId, sid)
  connect_body   TEXT NOT NULL,                  -- JSON: weddingId/workspaceId, vendorId, configuration, returnTo
  redirect_uri   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  used_at        INTEGER                         -- set by the one callback that may complete it
) STRICT;
CREATE INDEX oauth_flows_by_expiry ON oauth_flows (expires_at);
