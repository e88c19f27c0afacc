-- The last consistency audit of each connection and of each of its bindings (ConsistencyAudit), so
-- GET /api/integrations/:id/consistency and wedsync_consistency_ratio survive a restart.
CREATE TABLE consistency_results (
  id TEXT PRIMARY KEY,           -- a connection id, or a binding's (integration's) id
  connection_id TEXT NOT NULL,
  wedding_id TEXT,               -- the binding's wedding; NULL on the connection's own row
  result TEXT NOT NULL,          -- ConsistencyResult as JSON (entity ids and field names, no values)
  checked_at TEXT NOT NULL       -- ISO 8601, UTC
);
CREATE INDEX consistency_results_by_connection ON consistency_results (connection_id);
