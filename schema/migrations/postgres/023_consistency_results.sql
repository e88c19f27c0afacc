-- PostgreSQL twin of `consistency_results` (../024_consistency_results.sql): the last consistency
-- audit result per connection (wedding_id NULL) and per binding (server/bridge/consistency-results.ts),
-- shared by every instance. result is the ConsistencyResult as JSON text (entity ids and field names,
-- no values); checked_at is ISO 8601 UTC text, as on SQLite.
CREATE TABLE consistency_results (
  id            text PRIMARY KEY,
  connection_id text NOT NULL,
  wedding_id    text,
  result        text NOT NULL,
  checked_at    text NOT NULL
);
CREATE INDEX consistency_results_by_connection ON consistency_results (connection_id);
