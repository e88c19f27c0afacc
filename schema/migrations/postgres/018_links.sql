-- PostgreSQL twin of `links` (../002_integrations.sql): what each binding's external system holds
-- for one of our entities, as far as we know (server/bridge/postgres-link-store.ts). The outbound
-- planner reads a link in the transaction that appends the change behind a push (a joined write),
-- and the pusher writes it after the system answered. `last_synced` is JSON text, as on SQLite (not
-- jsonb: JSON text may hold the escape \u0000, which jsonb refuses). `integration_id` has no
-- foreign key yet: the integrations table is still SQLite only (docs/storage-backends.md).
CREATE TABLE links (
  integration_id  text NOT NULL,
  entity          text NOT NULL,
  entity_id       text NOT NULL,
  external_id     text,
  last_synced     text NOT NULL,
  last_hash       text NOT NULL,
  version         text,
  updated_at      text NOT NULL,             -- ISO 8601, UTC (the writer's clock)
  PRIMARY KEY (integration_id, entity, entity_id)
);
CREATE UNIQUE INDEX links_by_external ON links (integration_id, entity, external_id) WHERE external_id IS NOT NULL;
