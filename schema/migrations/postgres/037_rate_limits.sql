-- Request and attempt budgets shared by every instance of a cluster (server/http/budget-limiter.ts).
-- The columns are those rate-limiter-flexible's RateLimiterPostgres reads and writes: the key (the
-- budget's name, then the client address, token digest, integration id, ...), the points consumed
-- in the current window, and when that window ends (ms since the epoch). The library deletes rows
-- that expired an hour ago every five minutes.
CREATE TABLE rate_limits (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
