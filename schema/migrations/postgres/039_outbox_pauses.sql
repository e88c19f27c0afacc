-- A connection whose system answered 429 with Retry-After (the account's rate limit): no instance
-- claims its bindings' pushes before `until` (ms since the epoch, UTC, the writer's clock as for
-- next_attempt_at). Written by the instance that was told (OutboxWorker), read by every claim
-- (PostgresOutboxStore.claimDue). A row outlives its connection harmlessly: it only ever delays.
CREATE TABLE outbox_pauses (
  connection_id  text PRIMARY KEY,
  until          bigint NOT NULL
);
