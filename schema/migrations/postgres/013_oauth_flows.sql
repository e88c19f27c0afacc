-- PostgreSQL twin of `oauth_flows` (../021_oauth_flows.sql): OAuth 2.0 connect flows in progress,
-- one row per /start, used once by /callback on whichever instance the provider's redirect reaches
-- (server/connections/postgres-oauth-flow-store.ts). Times in ms since the epoch, UTC.
CREATE TABLE oauth_flows (
  state          text PRIMARY KEY,               -- the `state` sent to the provider (random, 256 bits)
  provider       text NOT NULL CHECK (provider IN ('google', 'microsoft')),
  system         text NOT NULL,                  -- the adapter to connect (google-calendar, outlook)
  code_verifier  text NOT NULL,                  -- the PKCE verifier, sealed with the credentials key (bound to `state`)
  principal      text NOT NULL,                  -- JSON: who started it (sub, role, weddings, vendorId, sid)
  connect_body   text NOT NULL,                  -- JSON: weddingId/workspaceId, vendorId, configuration, returnTo
  redirect_uri   text NOT NULL,
  created_at     bigint NOT NULL,
  expires_at     bigint NOT NULL,
  used_at        bigint                          -- set by the one callback that may complete it
);
CREATE INDEX oauth_flows_by_expiry ON oauth_flows (expires_at);
