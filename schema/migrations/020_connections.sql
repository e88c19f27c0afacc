-- Connections (issue 12): one external account (a calendar, a Stripe account, a CRM studio) owned by
-- a workspace and connected once — one credential set, one webhook endpoint, one watch channel, one
-- cursor. A binding ties a connection to one wedding with that wedding's settings; the existing
-- `integrations` rows are the bindings (their links, inbox, outbox and audit stay keyed by them).
CREATE TABLE connections (
  id                   TEXT PRIMARY KEY,        -- con_<random>; a migrated integration keeps its own id
  -- NULL: the wedding it was made for had no workspace (an operator's wedding).
  workspace_id         TEXT REFERENCES workspaces (id) ON DELETE CASCADE,
  system               TEXT NOT NULL,
  category             TEXT NOT NULL,
  label                TEXT NOT NULL DEFAULT '',
  status               TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'error', 'needs_attention')),
  run_mode             TEXT NOT NULL DEFAULT 'in_process' CHECK (run_mode IN ('in_process', 'external')),
  credentials_enc      TEXT NOT NULL,
  webhook_secret_enc   TEXT NOT NULL,
  -- The adapter's configuration for the account (secret values sealed, as integrations' were).
  configuration        TEXT NOT NULL,
  capabilities         TEXT NOT NULL,
  cursor               TEXT,
  adapter_state        TEXT NOT NULL DEFAULT '{}',
  -- Unmatched records that name a couple and a date become new weddings of the workspace.
  auto_create_weddings INTEGER NOT NULL DEFAULT 0 CHECK (auto_create_weddings IN (0, 1)),
  -- Matches at or above this confidence are routed without asking (1.01: always ask).
  auto_match_confidence REAL NOT NULL DEFAULT 0.8,
  created_at           TEXT NOT NULL,
  created_by           TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  connector_sub        TEXT,
  connector_role       TEXT CHECK (connector_role IN ('admin', 'planner', 'couple', 'vendor', 'adapter')),
  connector_vendor_id  TEXT,
  last_sync_at         TEXT,
  last_error_at        TEXT,
  last_error           TEXT
) STRICT;
CREATE INDEX connections_by_workspace ON connections (workspace_id);

ALTER TABLE integrations ADD COLUMN connection_id TEXT REFERENCES connections (id) ON DELETE CASCADE;
-- 1: every record of the connection that routes nowhere else belongs to this wedding (a calendar
-- or account dedicated to it; what a per-wedding integration was).
ALTER TABLE integrations ADD COLUMN claims_unmatched INTEGER NOT NULL DEFAULT 0 CHECK (claims_unmatched IN (0, 1));
-- What unbinding does to the events and requests pushed for the wedding.
ALTER TABLE integrations ADD COLUMN on_unbind TEXT NOT NULL DEFAULT 'keep' CHECK (on_unbind IN ('keep', 'remove'));

-- Every per-wedding integration becomes a connection (same id, so its webhook URL, encrypted
-- credentials and sealed secrets stay valid) and a binding that claims the connection's records.
INSERT INTO connections (id, workspace_id, system, category, label, status, run_mode, credentials_enc, webhook_secret_enc, configuration,
  capabilities, cursor, adapter_state, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id,
  last_sync_at, last_error_at, last_error)
SELECT i.id, (SELECT w.workspace_id FROM weddings w WHERE w.id = i.wedding_id), i.system, i.category, '', i.status, i.run_mode,
  i.credentials_enc, i.webhook_secret_enc, i.configuration, i.capabilities, i.cursor, i.adapter_state, i.created_at, i.created_by,
  i.updated_at, i.connector_sub, i.connector_role, i.connector_vendor_id, i.last_sync_at, i.last_error_at, i.last_error
FROM integrations i;
-- The binding keeps only wedding-specific overrides: the configuration moved to the connection.
-- Its secrets moved too: one copy, on the connection ('' = none here).
UPDATE integrations SET connection_id = id, claims_unmatched = 1, configuration = '{}', cursor = NULL, credentials_enc = '', webhook_secret_enc = '';
CREATE INDEX integrations_by_connection ON integrations (connection_id);
CREATE UNIQUE INDEX bindings_one_per_wedding ON integrations (connection_id, wedding_id);

-- Deliveries a connection received (its sender's event ids): a duplicate is acknowledged, not routed twice.
CREATE TABLE connection_receipts (
  connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  event_id       TEXT NOT NULL,
  received_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, event_id)
) STRICT;

-- Inbound records no binding claimed: the workspace's unmatched queue.
CREATE TABLE unmatched (
  id             TEXT PRIMARY KEY,              -- unm_<random>
  connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  workspace_id   TEXT,
  entity         TEXT NOT NULL,
  external_id    TEXT NOT NULL,
  -- The record as the adapter read it: an InboundChange (JSON).
  change         TEXT NOT NULL,
  -- What matching rules proposed: [{ weddingId, confidence, reasons }] (JSON), best first.
  proposals      TEXT NOT NULL DEFAULT '[]',
  status         TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'created', 'ignored')),
  received_at    INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  resolved_by    TEXT,
  -- The weddings it went to (JSON array), once assigned or created.
  wedding_ids    TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE UNIQUE INDEX unmatched_by_record ON unmatched (connection_id, entity, external_id);
CREATE INDEX unmatched_open ON unmatched (workspace_id, status, received_at);
