-- A connection whose system answered a read (a pull, the consistency audit's listing) with 429 and
-- Retry-After: no instance reads it before `until` (ms since the epoch, UTC, the writer's clock).
-- Written by the instance that was told (Puller), read by every instance before it starts a pull of
-- that connection (a webhook's, a person's, the schedule's). Pushes have their own pause
-- (outbox_pauses). A row outlives its connection harmlessly: it only ever delays.
CREATE TABLE read_pauses (
  connection_id  text PRIMARY KEY,
  until          bigint NOT NULL
);
