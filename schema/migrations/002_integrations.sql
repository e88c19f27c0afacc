-- Connected external systems, one row per (wedding, system instance).
CREATE TABLE integrations (
  id                  TEXT PRIMARY KEY,
  wedding_id          TEXT NOT NULL,
  system              TEXT NOT NULL,
  category            TEXT NOT NULL,
  vendor_id           TEXT,
  status              TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'error')),
  -- 'in_process': the server runs the peer; 'external': a `wedsync peer` process does, over WebSocket.
  run_mode            TEXT NOT NULL DEFAULT 'in_process' CHECK (run_mode IN ('in_process', 'external')),
  credentials_enc     TEXT NOT NULL,
  webhook_secret_enc  TEXT NOT NULL,
  configuration       TEXT NOT NULL,
  capabilities        TEXT NOT NULL,
  cursor              TEXT,
  created_at          TEXT NOT NULL,
  created_by          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  last_sync_at        TEXT,
  last_success_at     TEXT,
  last_error_at       TEXT,
  last_error          TEXT,
  breaker_state       TEXT NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open')),
  breaker_until       INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  -- Adapter-owned state that must survive restarts (watch channels, subscription ids, …), JSON.
  adapter_state       TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX integrations_by_wedding ON integrations (wedding_id);

-- Our entity ↔ the external system's id, and what we last know the external system holds.
CREATE TABLE links (
  integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  entity          TEXT NOT NULL,
  entity_id       TEXT NOT NULL,
  external_id     TEXT,
  last_synced     TEXT NOT NULL,
  last_hash       TEXT NOT NULL,
  version         TEXT,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (integration_id, entity, entity_id)
) STRICT;
CREATE UNIQUE INDEX links_by_external ON links (integration_id, entity, external_id) WHERE external_id IS NOT NULL;

-- Webhooks and pulled pages, stored before they are acknowledged; applied in order per wedding.
CREATE TABLE inbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  wedding_id      TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('webhook', 'changes')),
  payload         TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'parked')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  applied_at      INTEGER,
  result          TEXT
) STRICT;
CREATE UNIQUE INDEX inbox_dedup ON inbox (integration_id, event_id);
CREATE INDEX inbox_pending ON inbox (status, wedding_id, id);

-- Pushes to external systems, written in the same transaction as the change that caused them.
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id   TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  wedding_id       TEXT NOT NULL,
  kind             TEXT NOT NULL,
  entity           TEXT,
  entity_id        TEXT,
  payload          TEXT NOT NULL,
  content_hash     TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL UNIQUE,
  priority         INTEGER NOT NULL DEFAULT 0,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'inflight', 'delivered', 'dead', 'cancelled')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT,
  last_status      INTEGER,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_entity ON outbox (integration_id, entity, entity_id, status);

-- Every inbound and outbound integration action and every conflict resolution.
CREATE TABLE audit (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              TEXT NOT NULL,
  wedding_id      TEXT NOT NULL,
  integration_id  TEXT,
  actor           TEXT NOT NULL,
  action          TEXT NOT NULL,
  entity          TEXT,
  entity_id       TEXT,
  result          TEXT NOT NULL CHECK (result IN ('ok', 'skipped', 'failed', 'refused')),
  detail          TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_wedding ON audit (wedding_id, id);
CREATE INDEX audit_by_integration ON audit (integration_id, action, id);
