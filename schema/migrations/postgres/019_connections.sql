-- PostgreSQL twins of `connections`, `integrations` (the bindings) and `connection_receipts`
-- (../002_integrations.sql, ../020_connections.sql, ../022_binding_references.sql): one external
-- account connected once, the weddings it is bound to, and the webhook event ids it already
-- received (server/bridge/postgres-connection-store.ts, postgres-integration-store.ts). Columns and
-- values as on SQLite: ISO 8601 UTC text times, JSON text, 0/1 flags, sealed secrets (base64 text).
-- The links, inbox and outbox keyed by a binding have no foreign key to it yet (their claim tests
-- use bindings of their own); the stores delete them with the binding, in one transaction.
CREATE TABLE connections (
  id                    text PRIMARY KEY,        -- con_<random>; a migrated integration keeps its own id
  workspace_id          text REFERENCES workspaces (id) ON DELETE CASCADE,
  system                text NOT NULL,
  category              text NOT NULL,
  label                 text NOT NULL DEFAULT '',
  status                text NOT NULL CHECK (status IN ('active', 'disabled', 'error', 'needs_attention')),
  run_mode              text NOT NULL DEFAULT 'in_process' CHECK (run_mode IN ('in_process', 'external')),
  credentials_enc       text NOT NULL,
  webhook_secret_enc    text NOT NULL,
  configuration         text NOT NULL,
  capabilities          text NOT NULL,
  cursor                text,
  adapter_state         text NOT NULL DEFAULT '{}',
  auto_create_weddings  integer NOT NULL DEFAULT 0 CHECK (auto_create_weddings IN (0, 1)),
  auto_match_confidence double precision NOT NULL DEFAULT 0.8,
  created_at            text NOT NULL,
  created_by            text NOT NULL,
  updated_at            text NOT NULL,
  connector_sub         text,
  connector_role        text CHECK (connector_role IN ('admin', 'planner', 'couple', 'vendor', 'adapter')),
  connector_vendor_id   text,
  last_sync_at          text,
  last_error_at         text,
  last_error            text
);
CREATE INDEX connections_by_workspace ON connections (workspace_id);

CREATE TABLE integrations (
  id                   text PRIMARY KEY,
  wedding_id           text NOT NULL,
  system               text NOT NULL,
  category             text NOT NULL,
  vendor_id            text,
  status               text NOT NULL CHECK (status IN ('active', 'disabled', 'error')),
  run_mode             text NOT NULL DEFAULT 'in_process' CHECK (run_mode IN ('in_process', 'external')),
  credentials_enc      text NOT NULL,            -- '' (a binding's secrets are its connection's)
  webhook_secret_enc   text NOT NULL,
  configuration        text NOT NULL,            -- the binding's own overrides (JSON)
  capabilities         text NOT NULL,
  cursor               text,
  created_at           text NOT NULL,
  created_by           text NOT NULL,
  updated_at           text NOT NULL,
  last_sync_at         text,
  last_success_at      text,
  last_error_at        text,
  last_error           text,
  breaker_state        text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open')),
  breaker_until        bigint,                   -- ms since the epoch, UTC
  consecutive_failures integer NOT NULL DEFAULT 0,
  adapter_state        text NOT NULL DEFAULT '{}',
  connector_sub        text,
  connector_role       text CHECK (connector_role IN ('admin', 'planner', 'couple', 'vendor', 'adapter')),
  connector_vendor_id  text,
  connection_id        text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  claims_unmatched     integer NOT NULL DEFAULT 0 CHECK (claims_unmatched IN (0, 1)),
  on_unbind            text NOT NULL DEFAULT 'keep' CHECK (on_unbind IN ('keep', 'remove')),
  external_refs        text NOT NULL DEFAULT '[]'
);
CREATE INDEX integrations_by_wedding ON integrations (wedding_id);
CREATE INDEX integrations_by_connection ON integrations (connection_id);
CREATE UNIQUE INDEX bindings_one_per_wedding ON integrations (connection_id, wedding_id);

CREATE TABLE connection_receipts (
  connection_id  text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  event_id       text NOT NULL,
  received_at    bigint NOT NULL,                -- ms since the epoch, UTC
  PRIMARY KEY (connection_id, event_id)
);
